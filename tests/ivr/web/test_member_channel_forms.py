"""Channels per member on the web (issue 14, item 2): the join form carries the choice to
the member on approval, the coordinator's edit form and the member's own page set it,
with a form error where it cannot be honoured; every change is audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from domain import channels
from domain.db import db
from domain.models import Application, AuditLog, Member
from tests.factories import make_bin, make_member, make_member_link, make_web_user
from tests.ivr.web.join_support import FORM as JOIN
from tests.ivr.web.join_support import zone_street
from tests.web_support import person, post_form, sign_in

DETAILS = {"name": "An Peeters", "street": "Kerkstraat", "house_number": "10",
           "postcode": "2990", "municipality": "Grensdorp", "phone": "03 620 11 22",
           "phone2": "0477 12 34 56", "language": "nl", "email": ""}


def _member(bin_, **fields) -> Member:
    return make_member(db, bins=[bin_], **{
        "name": "An Peeters", "phone": "+3236201122", "phone_type": "landline",
        "phone2": "+32477123456", "phone2_type": "mobile", "email": None,
        "street": "Kerkstraat", "house_number": "10", "postcode": "2990",
        "municipality": "Grensdorp", "language": "nl", **fields})


def _in_english(client) -> None:
    """A visitor's language switch, so the page says the English msgids."""
    post_form(client, "/language", {"language": "en", "next": "/join"}, token_from="/join")
    assert 'lang="en"' in client.get("/join").get_data(as_text=True)


def _reload(member_id: int) -> Member:
    db.session.expire_all()
    return db.session.get(Member, member_id)


def _edits(member_id: int) -> list[tuple[str, list]]:
    return [(e.actor, e.details["fields"]) for e in db.session.scalars(
        select(AuditLog).where(AuditLog.action == "member.edit",
                               AuditLog.subject == str(member_id)).order_by(AuditLog.id))]


def test_join_then_approve_gives_the_member_the_chosen_channel(app):
    bin11 = make_bin(db, code="11", name="BIN Centrum")
    zone_street(bin11)
    client = person(app)
    _in_english(client)
    html = client.get("/join").get_data(as_text=True)
    assert 'name="channel"' in html and "Urgent police calls always come by phone" in html
    response = post_form(client, "/join", {**JOIN, "email": "", "channel": "sms"},
                         token_from="/join")
    assert response.status_code == 302, response.get_data(as_text=True)
    application = db.session.scalar(select(Application))
    assert application.channel == "sms"
    coordinator = person(app)
    sign_in(coordinator, make_web_user(db, "coordinator", bins=[bin11], language="en"))
    assert post_form(coordinator, f"/applications/{application.id}/approve",
                     token_from="/applications").status_code == 302
    member = db.session.scalar(select(Member))
    assert (member.channel, channels.of(member), channels.sms_number(member)) == (
        "sms", "sms", "+32477123456")


def test_the_join_form_refuses_sms_without_a_mobile_number_at_its_field(app):
    zone_street(make_bin(db, code="11"))
    client = person(app)
    _in_english(client)
    html = post_form(client, "/join", {**JOIN, "email": "", "phone2": "",
                                               "channel": "sms"},
                     token_from="/join").get_data(as_text=True)
    assert 'id="channel-error"' in html and "SMS needs a mobile number" in html
    assert db.session.scalar(select(Application)) is None


def test_the_coordinator_sets_the_channel_and_the_change_is_audited(app):
    bin11 = make_bin(db, code="11")
    member = _member(bin11)
    client = person(app)
    user = make_web_user(db, "coordinator", bins=[bin11], language="en")
    sign_in(client, user)
    path = f"/members/{member.id}/edit"
    html = client.get(path + "").get_data(as_text=True)
    assert '<option selected value="">e-mail if there is an address, else none' in html
    with_email = post_form(client, path + "",
                           {**DETAILS, "bin": bin11.id, "email": "an@example.be",
                            "channel": "sms"}, token_from=path).get_data(as_text=True)
    assert 'id="channel-error"' in with_email
    assert "SMS is for members without an e-mail address" in with_email
    assert _reload(member.id).channel is None
    response = post_form(client, path, {**DETAILS, "bin": bin11.id, "channel": "sms"},
                         token_from=path)
    assert response.status_code == 302
    assert (_reload(member.id).channel, channels.of(_reload(member.id))) == ("sms", "sms")
    assert _edits(member.id) == [(user.email, ["channel"])]
    assert '<option selected value="sms">' in client.get(path).get_data(as_text=True)


def test_the_member_changes_their_channel_on_their_own_page(app):
    member = _member(make_bin(db, code="11"), channel="sms")
    token = make_member_link(db, member)
    client = person(app)
    _in_english(client)
    path = f"/me/{token}"
    assert '<option selected value="sms">' in client.get(path).get_data(as_text=True)
    response = post_form(client, path, {**DETAILS, "channel": "none"}, token_from=path)
    assert response.status_code == 302
    assert _reload(member.id).channel == "none"
    assert _edits(member.id) == [("member", ["channel"])]
    html = post_form(client, path + "", {**DETAILS, "channel": "email"},
                     token_from=path).get_data(as_text=True)
    assert "E-mail needs an e-mail address" in html
    assert _reload(member.id).channel == "none"


def test_the_member_list_shows_how_each_member_gets_written_messages(app):
    bin11 = make_bin(db, code="11")
    _member(bin11, channel="sms")
    _member(bin11, name="Bart", phone="+3236202929", phone2=None, phone2_type=None,
            email="bart@example.be")
    _member(bin11, name="Cor", phone="+3236202930", phone2=None, phone2_type=None)
    client = person(app)
    sign_in(client, make_web_user(db, "coordinator", bins=[bin11], language="en"))
    html = client.get("/members").get_data(as_text=True)
    cells = re.findall(r'<th scope="row">([^<]+)</th>.*?<td class="channel-(\w+)">([^<]+)</td>',
                       html, re.DOTALL)
    assert cells == [("An Peeters", "sms", "SMS"), ("Bart", "email", "e-mail"),
                     ("Cor", "none", "none")]
