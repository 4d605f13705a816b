"""The whole join journey in a real browser, with real mail: a resident in the zone
applies, follows the confirmation link from the mail, the coordinator approves, and the
welcome mail carries the caller ID's vCard and an EPC QR code that an independent
decoder (zxing-cpp) reads back as the BIN's IBAN, the amount and a valid structured
communication. An address outside every zone is told so; the honeypot and the rate
limit refuse robots."""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image
from sqlalchemy import func, select
from stdnum.be import ogm_vcs

from domain.db import db
from domain.models import Application, Member, Membership
from tests.browser.support import screenshot, sign_in
from tests.factories import make_bin, make_web_user
from tests.ivr.web.join_support import LINK, zone_street

IBAN = "BE68539007547034"
RESIDENT = "mieke@example.be"


def _count(model) -> int:
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(model))
    db.session.commit()
    return count


def _decode(png: bytes) -> str:
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


def _fill(page, name: str, street: str = "Kerkstraat", email: str = "") -> None:
    page.goto(f"/join?postcode=2990&street={street}&house_number=12")
    page.get_by_label("Naam").fill(name)
    page.get_by_label("Gemeente").fill("Grensdorp")
    page.get_by_label("Nummer dat we eerst bellen").fill("03 620 11 22")
    page.get_by_label("Tweede nummer (niet verplicht)").fill("0477 12 34 56")
    page.get_by_label("E-mailadres (niet verplicht)").fill(email)
    page.get_by_label("Ik heb de privacyverklaring en de huisregels gelezen").check()


def _send(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Verstuur mijn aanvraag").click()


def test_a_resident_applies_confirms_is_approved_and_gets_card_and_payment(
        page, mailbox, workers):
    workers.start(1)
    bin11 = make_bin(db, code="11", name="BIN Centrum", fee_cents=1500, iban=IBAN,
                     bic="GKCCBEBB", coordinator_name="Karel Claes")
    zone_street(bin11)
    coordinator = make_web_user(db, "coordinator", bins=[bin11])

    _fill(page, "Mieke Janssens", email=RESIDENT)
    assert page.get_by_text("Dit adres ligt in de zone van BIN Centrum.").is_visible()
    assert page.get_by_role("heading", name="Privacyverklaring").first.is_visible()
    screenshot(page, "join-form")
    _send(page)
    assert page.get_by_role("heading", name="Controleer uw mailbox").is_visible()

    [confirm] = mailbox.wait_for(1, to=RESIDENT)
    assert confirm.subject == "Bevestig uw aanvraag bij BIN Centrum"
    page.goto(LINK.search(confirm.text()).group())
    assert page.get_by_role("heading", name="Bedankt: uw aanvraag is bevestigd").is_visible()
    assert page.get_by_text("+32 477 77 77 55").first.is_visible()
    assert page.get_by_role("link", name="Download de contactkaart (.vcf)").is_visible()

    sign_in(page, coordinator)
    page.goto("/applications")
    row = page.locator("tr", has_text="Mieke Janssens")
    assert "In de zone van BIN Centrum" in row.inner_text()
    screenshot(page, "applications")
    with page.expect_navigation():
        row.get_by_role("button", name="Mieke Janssens goedkeuren").click()
    assert "Mieke Janssens is nu lid van BIN Centrum." in page.locator(".flashes").inner_text()
    assert db.session.scalar(select(Membership.status)) == "approved"

    welcome = next(m for m in mailbox.wait_for(2, to=RESIDENT)
                   if m.subject == "Welkom bij BIN Centrum")
    files = {name: body for name, _, body in welcome.attachments()}
    card = files["BIN-Centrum.vcf"].decode()
    assert "FN:BIN Centrum" in card and "TEL;TYPE=VOICE:+32477777755" in card
    assert "TEL;TYPE=VOICE:+32477777755" in _decode(files["card.png"])
    epc = _decode(files["epc.png"]).split("\n")
    assert epc[:4] == ["BCD", "002", "1", "SCT"]
    assert (epc[4], epc[5], epc[6], epc[7]) == ("GKCCBEBB", "BIN Centrum", IBAN, "EUR15.00")
    assert ogm_vcs.is_valid(epc[9])
    assert f"+++{ogm_vcs.format(epc[9])}+++" in welcome.text()
    assert "Tip: sla dit nummer op" in welcome.text()
    page.goto(LINK.search(welcome.text()).group())
    assert page.get_by_role("heading", name="Mijn pagina: Mieke Janssens").is_visible()


def test_outside_every_zone_the_honeypot_and_the_rate_limit(page):
    zone_street(make_bin(db, code="11", name="BIN Centrum"))

    _fill(page, "Ver Weg", street="Nergensdreef")
    _send(page)
    assert page.get_by_text("Er is nog geen BIN op dit adres.").is_visible()
    assert page.get_by_text("Politiezone Grens").is_visible()
    assert _count(Application) == 0

    _fill(page, "Robot")
    page.locator("input[name=website]").fill("http://spam.example", force=True)
    _send(page)
    assert page.url.endswith("/join/sent")
    assert _count(Application) == 0

    for n in range(4):  # the honeypot's try counted: four more, then the limit
        _fill(page, f"Buur {n}")
        _send(page)
        assert re.search(r"/join/sent$", page.url), page.url
    _fill(page, "Buur te veel")
    _send(page)
    assert page.get_by_role("heading", name="Te veel pogingen").is_visible()
    assert _count(Application) == 4 and _count(Member) == 0
