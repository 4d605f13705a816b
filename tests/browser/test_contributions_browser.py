"""A coordinator's contributions in a real browser: the page with its totals, a payment
marked by hand, a CODA statement previewed (its unmatched lines by number) and applied,
and a member's payment instructions with the QR code."""

from __future__ import annotations

from domain import contributions
from domain.db import db
from domain.models import Contribution
from tests.browser.support import screenshot, sign_in
from tests.factories import make_contribution, make_member, make_paying_bin, make_web_user
from tests.statements import coda, coda_21, coda_23


def _paid(row_id: int) -> bool:
    db.session.expire_all()
    paid = db.session.get(Contribution, row_id).paid_at is not None
    db.session.commit()
    return paid


def test_a_coordinator_marks_by_hand_and_from_a_coda_statement(page):
    year = contributions.this_year()
    bin11 = make_paying_bin(db, code="11", name="BIN Centrum")
    rows = {name: make_contribution(db, make_member(db, bins=[bin11], name=name), bin11,
                                    year=year)
            for name in ("Ann Claes", "Bart Smet", "Cor Peeters")}
    make_member(db, bins=[bin11], name="Dirk Wouters")  # imported, not asked
    sign_in(page, make_web_user(db, "coordinator", bins=[bin11]))
    page.goto("/contributions")
    assert page.get_by_role("heading", name=f"Bijdragen {year}").is_visible()
    assert page.locator(".totals").inner_text().split()[:2] == ["4", "leden"]
    assert page.get_by_role("img", name="0 betaald, 3 open, 1 nog niet gevraagd").is_visible()
    screenshot(page, "contributions")

    ann = page.get_by_role("row", name="Ann Claes")
    ann.get_by_label("Notitie (niet verplicht)").fill("cash")
    with page.expect_navigation():
        ann.get_by_role("button", name="Betaald").click()
    assert "Ann Claes: betaald op" in page.locator(".flashes").inner_text()
    assert _paid(rows["Ann Claes"].id)

    bart = rows["Bart Smet"].reference
    statement = coda(coda_21(1, 500, bart, True), coda_23(1, "BART SMET"),
                     coda_21(2, 500, "lidgeld", False), coda_23(2, "ONBEKEND"))
    page.get_by_role("link", name="Rekeninguittreksel opladen").click()
    page.set_input_files("input[name=file]", {"name": "uittreksel.cod",
                                              "mimeType": "text/plain", "buffer": statement})
    with page.expect_navigation():
        page.get_by_role("button", name="Bestand controleren").click()
    matches = page.locator("table.statement-matches")
    assert "Bart Smet" in matches.inner_text()
    problems = page.locator("table.statement-problems")
    assert problems.locator("td.num").first.inner_text() == "5"  # the record of "lidgeld"
    assert "geen gestructureerde mededeling" in problems.inner_text()
    assert not _paid(rows["Bart Smet"].id)  # a preview marks nothing
    screenshot(page, "contributions-statement")
    with page.expect_navigation():
        page.get_by_role("button", name="1 betaling als betaald aanduiden").click()
    assert _paid(rows["Bart Smet"].id)
    assert page.get_by_role("img", name="2 betaald, 1 open, 1 nog niet gevraagd").is_visible()

    page.get_by_role("row", name="Cor Peeters").get_by_role(
        "link", name="Betalingsgegevens").click()
    cor = rows["Cor Peeters"].reference
    assert f"+++{cor[:3]}/{cor[3:7]}/{cor[7:]}+++" in page.locator("main").inner_text()
    qr = page.get_by_role("img", name="QR-code om € 5,00 te betalen met een bankapp")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")
