"""The public join form: the zone check, the import's number checks, consent, the
double opt-in link, the honeypot and the rate limit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from domain.db import db
from domain.models import Application
from tests.factories import make_bin
from tests.ivr.web.join_support import FORM, deliver_mails, link_in, zone_street
from tests.web_support import person, post_form


def _applications() -> list[Application]:
    db.session.expire_all()
    return list(db.session.scalars(select(Application).order_by(Application.id)))


def _apply(client, follow: bool = False, **changes):
    return post_form(client, "/join", {**FORM, **changes}, token_from="/join",
                     follow_redirects=follow)


def test_the_form_is_prefilled_and_shows_the_generic_texts(app):
    client = person(app)
    html = client.get("/join?postcode=2990&street=Kerkstraat&house_number=12").get_data(
        as_text=True)
    for name in ("name", "street", "house_number", "postcode", "municipality", "phone",
                 "phone2", "language", "email", "consent"):
        assert f'name="{name}"' in html, name
    assert 'value="Kerkstraat"' in html and 'value="12"' in html
    assert "Privacyverklaring" in html and "Huisregels" in html
    assert "alleen om u te verwittigen" in html  # the generic Dutch privacy text


def test_an_application_with_email_waits_for_its_link_then_lands_in_the_inbox(app, mailbox):
    bin11 = make_bin(db, code="11", name="BIN Centrum")
    zone_street(bin11)
    client = person(app)
    response = _apply(client, language="fr", email="marie@example.be")
    assert response.status_code == 302
    assert "Controleer uw mailbox" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    [application] = _applications()
    assert (application.status, application.phone, application.phone_type,
            application.phone2_type) == ("applied", "+3236201122", "landline", "mobile")
    assert application.confirm_token_hash and len(application.confirm_token_hash) == 64
    assert deliver_mails() == 1
    [received] = mailbox.wait_for(1, to="marie@example.be")
    assert received.subject == "Confirmez votre demande d'adhésion à BIN Centrum"
    assert "Confirmer ma demande" in received.html()
    path = link_in(received.text())
    assert application.confirm_token_hash not in path  # the mail has the token, not its hash
    page = client.get(path)
    assert page.status_code == 200 and "BIN Centrum" in page.get_data(as_text=True)
    assert _applications()[0].status == "confirmed"
    again = client.get(path).get_data(as_text=True)
    assert "al bevestigd" in again  # a second click: already done, nothing moves


def test_a_dutch_confirmation_mail(app, mailbox):
    zone_street(make_bin(db, code="11", name="BIN Centrum"))
    _apply(person(app))
    deliver_mails()
    [received] = mailbox.wait_for(1, to="mieke@example.be")
    assert received.subject == "Bevestig uw aanvraag bij BIN Centrum"
    assert "Beste Mieke Janssens," in received.text()
    assert "7 dagen" in received.text()


def test_an_expired_or_unknown_link_gets_a_clear_page(app):
    zone_street(make_bin(db, code="11"))
    client = person(app)
    _apply(client)
    application = _applications()[0]
    from domain.applications import hash_token

    application.confirm_token_hash = hash_token("old-token-0123456789")
    application.confirm_expires_at = application.created_at - timedelta(days=1)
    db.session.commit()
    response = client.get("/join/confirm/old-token-0123456789")
    assert response.status_code == 410
    assert "Deze link werkt niet meer" in response.get_data(as_text=True)
    assert _applications()[0].status == "applied"
    assert client.get("/join/confirm/never-made-token").status_code == 404


def test_without_email_the_application_is_in_the_inbox_at_once_and_the_card_shown(app):
    zone_street(make_bin(db, code="11", name="BIN Centrum"))
    client = person(app)
    response = _apply(client, follow=True, email="")
    html = response.get_data(as_text=True)
    assert "Bewaar het nummer" in html and "BIN-Centrum.vcf" not in html
    assert "/join/card/11.vcf" in html and "<svg" in html
    assert _applications()[0].status == "confirmed"


def test_outside_every_zone_the_applicant_is_told_and_nothing_is_stored(app):
    zone_street(make_bin(db, code="11"))
    response = _apply(person(app), street="Onbekende Dreef")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Er is nog geen BIN op dit adres." in html
    assert "Politiezone Grens" in html and "+32 3 620 29 29" in html
    assert _applications() == []


def test_numbers_are_checked_as_the_import_checks_them(app):
    zone_street(make_bin(db, code="11"))
    client = person(app)
    for field, bad in (("phone", "+31 20 123 4567"), ("phone", "0900 12 345"),
                       ("phone2", "0800 12 345")):
        html = _apply(client, **{field: bad}).get_data(as_text=True)
        assert f'id="{field}-error"' in html, (field, bad)
    assert _applications() == []


def test_consent_and_the_address_are_required(app):
    zone_street(make_bin(db, code="11"))
    html = _apply(person(app), consent="", house_number="").get_data(as_text=True)
    assert 'id="consent-error"' in html and 'id="house_number-error"' in html
    assert _applications() == []


def test_a_bins_own_texts_must_be_seen_before_agreeing(app):
    bin11 = make_bin(db, code="11", privacy_statement="Wij delen niets met derden.",
                     house_rules="Geen eigen patrouilles.")
    zone_street(bin11)
    client = person(app)
    html = _apply(client).get_data(as_text=True)  # texts not on the page it was sent from
    assert "Wij delen niets met derden." in html and 'id="consent-error"' in html
    assert _applications() == []
    assert _apply(client, shown="11").status_code == 302
    assert len(_applications()) == 1


def test_on_a_street_two_bins_share_the_applicant_picks_one(app):
    bin11, bin12 = make_bin(db, code="11", name="BIN Centrum"), make_bin(db, code="12",
                                                                          name="BIN Heide")
    zone_street(bin11, "Grensweg")
    zone_street(bin12, "Grensweg")
    client = person(app)
    html = _apply(client, street="Grensweg").get_data(as_text=True)
    assert 'id="bin-error"' in html and "BIN Heide" in html
    assert _applications() == []
    assert _apply(client, street="Grensweg", bin="12", shown="11,12").status_code == 302
    assert _applications()[0].bin_id == bin12.id


def test_the_honeypot_looks_like_success_and_stores_nothing(app, mailbox):
    zone_street(make_bin(db, code="11"))
    response = _apply(person(app), website="http://spam.example")
    assert response.status_code == 302 and response.headers["Location"].endswith("/join/sent")
    assert _applications() == []
    assert deliver_mails() == 0


def test_a_sixth_application_from_one_address_within_the_hour_is_refused(app):
    zone_street(make_bin(db, code="11"))
    client = person(app)
    for n in range(5):
        assert _apply(client, name=f"Buur {n}", email="").status_code == 302
    response = _apply(client, name="Buur 6", email="")
    assert response.status_code == 429
    assert len(_applications()) == 5
    assert _apply(person(app), name="Andere buur", email="").status_code == 302


def test_a_form_without_csrf_token_is_400(app):
    zone_street(make_bin(db, code="11"))
    assert person(app).post("/join", data=FORM).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0


def test_the_vcard_is_named_after_the_bin_and_cannot_be_called_back(app):
    make_bin(db, code="11", name="BIN Centrum")
    response = person(app).get("/join/card/11.vcf")
    assert response.mimetype == "text/vcard"
    assert response.headers["Content-Disposition"] == 'attachment; filename="BIN-Centrum.vcf"'
    card = response.get_data(as_text=True)
    assert "FN:BIN Centrum\r\n" in card and "TEL;TYPE=VOICE:+32477777755\r\n" in card
    assert "112" in card and "101" in card
    assert person(app).get("/join/card/99.vcf").status_code == 404


def test_a_french_visitor_coming_from_the_address_check_outside_every_zone(app):
    zone_street(make_bin(db, code="11"))
    client = person(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-BE,fr;q=0.9"
    html = client.get("/join?postcode=2990&street=Nergensdreef&house_number=1").get_data(
        as_text=True)
    assert "Il n'y a pas encore de PLP à cette adresse." in html
    assert '<option selected value="fr">' in html or 'value="fr" selected' in html
