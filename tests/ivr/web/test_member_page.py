"""The member's own page by personal link: see, correct, swap numbers, download,
leave (erased), expired links and asking for a new one; the coordinator's link."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from domain.db import db
from domain.models import Application, Delivery, Member, MemberLink, Membership, OutboundMail
from tests.factories import (
    make_application,
    make_bin,
    make_delivery,
    make_member,
    make_member_link,
    make_message,
    make_web_user,
)
from tests.ivr.web.join_support import deliver_mails, link_in
from tests.web_support import person, post_form, sign_in

DETAILS = {"name": "An Peeters", "street": "Kerkstraat", "house_number": "10 bus 2",
           "postcode": "2990", "municipality": "Grensdorp", "phone": "03 620 11 22",
           "phone2": "0477 12 34 56", "language": "fr", "email": "an@example.be"}


def _member(**fields) -> tuple[Member, str]:
    bin11 = make_bin(db, code="11", name="BIN Centrum")
    member = make_member(db, bins=[bin11], **{"name": "An Peeters", "phone": "+3236201122",
                                              "phone_type": "landline",
                                              "phone2": "+32477123456",
                                              "phone2_type": "mobile",
                                              "email": "an@example.be", **fields})
    return member, make_member_link(db, member)


def test_the_page_shows_my_data_and_which_number_is_called(app):
    member, token = _member()
    html = person(app).get(f"/me/{token}").get_data(as_text=True)
    assert "Mijn pagina: An Peeters" in html and "BIN Centrum" in html
    assert re.search(r'class="called-first">\+32 3 620 11 22<', html)


def test_i_correct_my_details_with_the_imports_checks(app):
    member, token = _member()
    client = person(app)
    path = f"/me/{token}"
    html = post_form(client, path, {**DETAILS, "phone": "+31 20 123 4567"},
                     token_from=path).get_data(as_text=True)
    assert 'id="phone-error"' in html
    response = post_form(client, path, {**DETAILS, "house_number": "12"}, token_from=path)
    assert response.status_code == 302
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert (member.house_number, member.language) == ("12", "fr")


def test_i_choose_to_be_called_on_my_mobile_first(app):
    member, token = _member()
    post_form(person(app), f"/me/{token}/swap", token_from=f"/me/{token}")
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert (member.phone, member.phone_type, member.phone2) == (
        "+32477123456", "mobile", "+3236201122")


def test_the_download_holds_everything_stored_about_me(app):
    member, token = _member()
    make_application(db, db.session.scalar(select(Membership)).bin, name="An Peeters",
                     status="approved", member_id=member.id)
    client = person(app)
    response = client.get(f"/me/{token}/data.json")
    assert response.mimetype == "application/json"
    data = json.loads(response.get_data(as_text=True))
    assert data["member"]["name"] == "An Peeters" and data["member"]["phone2"] == "+32477123456"
    assert data["memberships"][0]["bin_name"] == "BIN Centrum"
    assert data["applications"][0]["status"] == "approved"
    assert set(data) == {"member", "memberships", "contributions", "applications", "mails",
                         "deliveries", "inbound_calls"}
    page = client.get(f"/me/{token}/data").get_data(as_text=True)
    assert "Alles wat over mij bewaard is" in page and "+32477123456" in page


def test_leaving_asks_first_then_erases_me(app):
    member, token = _member()
    message = make_message(db, bins=[db.session.scalar(select(Membership)).bin])
    make_delivery(db, message, member, outcome="human")
    make_application(db, db.session.scalar(select(Membership)).bin, name="An Peeters",
                     status="approved", member_id=member.id)
    client = person(app)
    path = f"/me/{token}/leave"
    assert 'id="confirm-error"' in post_form(client, path, token_from=path).get_data(
        as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Member)) == 1
    response = post_form(client, path, {"confirm": "y"}, token_from=path)
    assert "U hebt het BIN verlaten" in response.get_data(as_text=True)
    db.session.expire_all()
    for model in (Member, Membership, MemberLink):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    assert db.session.scalar(select(Delivery.member_id)) is None
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0
    assert db.session.scalar(select(Delivery.phone)).startswith("erased:")
    assert client.get(f"/me/{token}").status_code == 404  # the link went with me


def test_an_expired_link_offers_a_new_one_and_asking_says_the_same_for_anyone(app, mailbox):
    member, _ = _member()
    expired = make_member_link(db, member, days=-1)
    client = person(app)
    response = client.get(f"/me/{expired}")
    assert response.status_code == 404
    assert "Deze link werkt niet meer" in response.get_data(as_text=True)
    known = post_form(client, "/me", {"email": "AN@example.be"}, token_from="/me")
    unknown = post_form(client, "/me", {"email": "nobody@example.be"}, token_from="/me")
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert deliver_mails() == 1
    [mail] = mailbox.wait_for(1, to="an@example.be")
    assert mail.subject == "Uw persoonlijke link naar Buurtlijn"
    assert client.get(link_in(mail.text())).status_code == 200


def test_asking_for_links_is_rate_limited(app):
    client = person(app)
    for _ in range(5):
        assert post_form(client, "/me", {"email": "x@example.be"}, token_from="/me"
                         ).status_code == 200
    assert post_form(client, "/me", {"email": "x@example.be"}, token_from="/me"
                     ).status_code == 429


def test_the_coordinator_makes_a_link_for_a_member_without_email(app):
    member, _ = _member(email=None)
    client = person(app)
    sign_in(client, make_web_user(db, "coordinator",
                                  bins=[db.session.scalar(select(Membership)).bin]))
    path = f"/members/{member.id}/edit"
    assert "Maak een persoonlijke link" in client.get(path).get_data(as_text=True)
    html = post_form(client, f"/members/{member.id}/personal-link", token_from=path
                     ).get_data(as_text=True)
    link = re.search(r"<code>(http[^<]+)</code>", html).group(1)
    assert person(app).get(link_in(link)).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(OutboundMail)) == 0
