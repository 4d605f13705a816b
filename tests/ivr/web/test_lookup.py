"""The public address check and the contact form, as a resident uses them."""

from __future__ import annotations

import re

from domain.db import db
from domain.models import OutboundMail
from tests.factories import make_bin, make_web_user, make_zone
from tests.web_support import person


def _text(response) -> str:
    html = response.get_data(as_text=True)
    main = html.split("<main", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def _two_bins():
    centrum = make_bin(db, code="11", name="BIN Centrum", coordinator_name="Marleen Peeters",
                       coordinator_email="marleen.peeters@example.be",
                       coordinator_phone="+32470112233")
    heide = make_bin(db, code="12", name="BIN Heide", coordinator_name="Luc Janssens",
                     coordinator_email="luc@example.be")
    make_zone(db, centrum, [("2990", "Kerkstraat", 1, 49, "all"),
                            ("2990", "Molenweg", None, None, "all")])
    make_zone(db, heide, [("2990", "Kerkstraat", 50, None, "all"),
                          ("2990", "Molenweg", None, None, "all")])
    return centrum, heide


def test_an_address_in_a_zone_names_the_bin_its_coordinator_and_how_to_join(app):
    _two_bins()
    response = person(app).get("/zone?postcode=2990&street=Kerkstr.&number=12 bus 3")
    text = _text(response)
    assert response.status_code == 200
    assert "Kerkstr. 12 bus 3, 2990 ligt in een BIN" in text
    assert "BIN Centrum" in text and "Marleen Peeters" in text and "BIN Heide" not in text
    html = response.get_data(as_text=True)
    assert 'href="/join?postcode=2990&amp;street=Kerkstr.&amp;house_number=12+bus+3"' in html
    assert "marleen.peeters@example.be" not in html and "470" not in html
    assert 'href="/bins/11/contact"' in html


def test_a_buffer_street_names_both_bins_and_a_split_street_one(app):
    _two_bins()
    both = _text(person(app).get("/zone?postcode=2990&street=molenweg&number=7"))
    assert "BIN Centrum" in both and "BIN Heide" in both
    high = _text(person(app).get("/zone?postcode=2990&street=Kerkstraat&number=50"))
    assert "BIN Heide" in high and "BIN Centrum" not in high


def test_outside_every_zone_the_page_says_so_and_how_to_reach_the_police(app):
    _two_bins()
    text = _text(person(app).get("/zone?postcode=2990&street=Dorpsplein&number=1"))
    assert "BIN Centrum" not in text and "BIN Heide" not in text
    assert app.config["POLICE_ZONE_NAME"] in text and "+32 3 620 29 29" in text


def test_bad_input_is_told_next_to_its_field(app):
    response = person(app).get("/zone?postcode=29&street=&number=nul")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for field in ("postcode", "street", "number"):
        assert f'id="{field}-error"' in html
    assert "Traceback" not in html


def test_json_answers_the_bin_code_or_null(app):
    _two_bins()
    client = person(app)
    json = {"Accept": "application/json"}
    assert client.get("/zone?postcode=2990&street=Kerkstraat&number=3",
                      headers=json).json == {"bin": "11", "bins": ["11"]}
    assert client.get("/zone?postcode=2990&street=Molenweg&number=3",
                      headers=json).json == {"bin": "11", "bins": ["11", "12"]}
    assert client.get("/zone?postcode=2990&street=Heirbaan&number=3",
                      headers=json).json == {"bin": None, "bins": []}
    bad = client.get("/zone?postcode=2990&street=Kerkstraat&number=x", headers=json)
    assert bad.status_code == 400 and bad.json["bin"] is None and "number" in bad.json["errors"]


def test_the_lookup_is_rate_limited_per_address_with_a_clear_page(app):
    _two_bins()
    scraper, neighbour = person(app), person(app)
    codes = [scraper.get(f"/zone?postcode=2990&street=Kerkstraat&number={n}").status_code
             for n in range(1, 32)]
    assert codes[:30] == [200] * 30 and codes[30] == 429
    refused = scraper.get("/zone?postcode=2990&street=Kerkstraat&number=1")
    assert refused.status_code == 429 and "Te veel pogingen" in _text(refused)
    assert neighbour.get("/zone?postcode=2990&street=Kerkstraat&number=1").status_code == 200


def _contact(client, code: str, **fields):
    page = client.get(f"/bins/{code}/contact").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "name": "An Claes", "email": "an.claes@example.be",
            "message": "Mag ik aansluiten? Ik woon in de Kerkstraat.", "website": ""}
    form.update(fields)
    return client.post(f"/bins/{code}/contact", data=form)


def test_the_contact_form_mails_the_coordinator_who_can_reply_to_the_resident(
        app, mailbox, workers):
    _two_bins()
    make_web_user(db, "coordinator", email="luc@example.be", language="fr")
    workers.start(1)
    client = person(app)
    form_page = client.get("/bins/11/contact").get_data(as_text=True)
    assert "marleen.peeters@example.be" not in form_page and "Marleen Peeters" in form_page
    sent = _contact(client, "11")
    assert sent.status_code == 200 and "verstuurd" in _text(sent)
    assert "marleen.peeters@example.be" not in sent.get_data(as_text=True)
    (mail,) = mailbox.wait_for(1, to="marleen.peeters@example.be")
    assert mail.message["Reply-To"] == "An Claes <an.claes@example.be>"
    assert "Ik woon in de Kerkstraat" in mail.text() and "An Claes" in mail.subject
    assert "Ik woon in de Kerkstraat" in mail.html()
    _contact(person(app), "12")  # Luc chose French for his account
    (french,) = mailbox.wait_for(1, to="luc@example.be")
    assert french.subject == "An Claes écrit à BIN Heide"


def test_a_filled_honeypot_is_thanked_and_nothing_is_sent(app):
    _two_bins()
    response = _contact(person(app), "11", website="http://spam.example")
    assert response.status_code == 200 and "verstuurd" in _text(response)
    assert db.session.query(OutboundMail).count() == 0


def test_a_bin_without_coordinator_address_sends_residents_to_the_police(app):
    make_bin(db, code="13", name="BIN Veld", coordinator_email=None)
    text = _text(person(app).get("/bins/13/contact"))
    assert app.config["POLICE_ZONE_NAME"] in text and "<textarea" not in text
    assert person(app).get("/bins/99/contact").status_code == 404


def test_the_contact_form_is_rate_limited_and_checks_its_fields(app):
    _two_bins()
    client = person(app)
    bad = _contact(client, "11", email="geen-adres", message="")
    html = bad.get_data(as_text=True)
    assert 'id="email-error"' in html and 'id="message-error"' in html
    codes = [_contact(client, "11").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    assert client.post("/bins/11/contact", data={"name": "x"}).status_code in (400, 429)
