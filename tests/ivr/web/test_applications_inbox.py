"""The coordinator's inbox: approve (a member, a welcome mail with the card and the
payment), decline with a reason, each once, own BINs only; the BIN's texts."""

from __future__ import annotations

from sqlalchemy import func, select
from stdnum.be import ogm_vcs

from domain.db import db
from domain.models import Application, AuditLog, Contribution, Member, Membership, OutboundMail
from tests.factories import make_application, make_bin, make_member, make_web_user
from tests.ivr.web.join_support import deliver_mails, link_in, zone_street
from tests.web_support import person, post_form, sign_in


def _coordinator(app, *bins):
    client = person(app)
    sign_in(client, make_web_user(db, "coordinator", bins=list(bins)))
    return client


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_inbox_shows_waiting_and_unconfirmed_applications_with_the_zone_check(app):
    bin11 = make_bin(db, code="11", name="BIN Centrum")
    zone_street(bin11)
    make_application(db, bin11, name="Jan Peeters", street="Kerkstraat")
    make_application(db, bin11, name="Els Wouters", street="Verre Dreef")
    make_application(db, bin11, name="Piet Nog", status="applied", email="piet@example.be")
    make_application(db, make_bin(db, code="12"), name="Ander Mens")
    html = _coordinator(app, bin11).get("/applications").get_data(as_text=True)
    assert "Jan Peeters" in html and "In de zone van BIN Centrum" in html
    assert "Els Wouters" in html and "Buiten elke zone" in html
    assert "Wachten op hun bevestiging per e-mail" in html and "Piet Nog" in html
    assert "Ander Mens" not in html


def test_approving_makes_a_member_and_mails_the_card_and_the_payment_once(app, mailbox):
    bin11 = make_bin(db, code="11", name="BIN Centrum", fee_cents=1000,
                     iban="BE68 5390 0754 7034", bic="GKCCBEBB")
    application = make_application(db, bin11, name="Jan Peeters", phone="+3236201122",
                                   phone_type="landline", phone2="+32477123456",
                                   phone2_type="mobile", email="jan@example.be", language="de")
    client = _coordinator(app, bin11)
    for _ in range(2):  # a double click
        response = post_form(client, f"/applications/{application.id}/approve",
                             token_from="/applications")
        assert response.status_code == 302
    member = db.session.scalar(select(Member))
    assert (member.name, member.phone, member.phone2, member.language) == (
        "Jan Peeters", "+3236201122", "+32477123456", "de")
    membership = db.session.scalar(select(Membership))
    assert membership.status == "approved"  # until the contribution is paid
    contribution = db.session.scalar(select(Contribution))
    assert contribution.amount_cents == 1000 and ogm_vcs.is_valid(contribution.reference)
    assert _count(Member) == 1 and _count(OutboundMail) == 1
    assert db.session.get(Application, application.id).status == "approved"
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "application.approve")) == 1
    deliver_mails()
    [mail] = mailbox.wait_for(1, to="jan@example.be")
    assert mail.subject == "Willkommen bei BIN Centrum"
    text = mail.text()
    assert "€ 10,00" in text and "BE68 5390 0754 7034" in text
    assert f"+++{ogm_vcs.format(contribution.reference)}+++" in text
    names = {name: kind for name, kind, _ in mail.attachments()}
    assert names["BIN-Centrum.vcf"] == "text/vcard"
    assert names["card.png"] == "image/png" and names["epc.png"] == "image/png"
    card = next(body for name, _, body in mail.attachments() if name.endswith(".vcf"))
    assert b"TEL;TYPE=VOICE:+32477777755" in card
    page = person(app).get(link_in(text))
    assert page.status_code == 200 and "Jan Peeters" in page.get_data(as_text=True)


def test_a_free_bin_makes_an_active_member_without_contribution(app, mailbox):
    bin11 = make_bin(db, code="11", name="BIN Centrum")
    application = make_application(db, bin11, email="an@example.be")
    post_form(_coordinator(app, bin11), f"/applications/{application.id}/approve",
              token_from="/applications")
    assert db.session.scalar(select(Membership.status)) == "active"
    assert _count(Contribution) == 0
    deliver_mails()
    [mail] = mailbox.wait_for(1, to="an@example.be")
    assert mail.subject == "Welkom bij BIN Centrum"
    assert "Bewaar het nummer" in mail.html() and "bijdrage" not in mail.text()


def test_a_person_known_in_another_bin_gets_this_membership_added(app):
    bin11, bin12 = make_bin(db, code="11"), make_bin(db, code="12")
    known = make_member(db, bins=[bin12], name="Jan Peeters", phone="+32477123456")
    application = make_application(db, bin11, name="Jan Peeters", phone="+32477123456")
    post_form(_coordinator(app, bin11), f"/applications/{application.id}/approve",
              token_from="/applications")
    assert _count(Member) == 1
    assert sorted(ms.bin_id for ms in db.session.get(Member, known.id).memberships) == sorted(
        [bin11.id, bin12.id])


def test_declining_needs_a_reason_and_mails_it(app, mailbox):
    bin11 = make_bin(db, code="11", name="BIN Centrum")
    application = make_application(db, bin11, email="els@example.be", language="fr")
    client = _coordinator(app, bin11)
    path = f"/applications/{application.id}/decline"
    html = post_form(client, path, {"reason": "  "}, token_from=path).get_data(as_text=True)
    assert 'id="reason-error"' in html
    assert db.session.get(Application, application.id).status == "confirmed"
    response = post_form(client, path, {"reason": "Uw adres ligt buiten onze zone."},
                         token_from=path)
    assert response.status_code == 302
    post_form(client, path, {"reason": "nog eens"}, token_from="/applications")
    db.session.expire_all()
    assert db.session.get(Application, application.id).decline_reason == \
        "Uw adres ligt buiten onze zone."
    assert _count(Member) == 0 and _count(OutboundMail) == 1
    deliver_mails()
    [mail] = mailbox.wait_for(1, to="els@example.be")
    assert mail.subject == "Votre demande d'adhésion à BIN Centrum"
    assert "Uw adres ligt buiten onze zone." in mail.text()


def test_another_bins_application_is_404_and_unchanged(app):
    bin11, bin12 = make_bin(db, code="11"), make_bin(db, code="12")
    application = make_application(db, bin12)
    client = _coordinator(app, bin11)
    assert post_form(client, f"/applications/{application.id}/approve",
                     token_from="/applications").status_code == 404
    assert client.get(f"/applications/{application.id}/decline").status_code == 404
    assert client.get(f"/applications/settings/{bin12.id}").status_code == 404
    assert db.session.get(Application, application.id).status == "confirmed"
    assert _count(Member) == 0


def test_the_coordinator_sets_the_texts_the_join_form_shows(app):
    bin11 = make_bin(db, code="11", name="BIN Centrum")
    zone_street(bin11)
    client = _coordinator(app, bin11)
    path = f"/applications/settings/{bin11.id}"
    post_form(client, path, {"privacy_statement": "Wij bewaren alleen wat nodig is.",
                             "house_rules": "Bel altijd eerst 101."}, token_from=path)
    html = person(app).get("/join?postcode=2990&street=Kerkstraat&house_number=3").get_data(
        as_text=True)
    assert "Wij bewaren alleen wat nodig is." in html and "Bel altijd eerst 101." in html
    assert "Dit adres ligt in de zone van BIN Centrum." in html
