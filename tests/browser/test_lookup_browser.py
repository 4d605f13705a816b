"""The public address check in a real browser: an address in a zone, one outside every
zone, and the coordinator's zone page where the street was added."""

from __future__ import annotations

from domain.db import db
from tests.browser.support import screenshot, sign_in
from tests.factories import make_bin, make_web_user, make_zone


def _check(page, postcode: str, street: str, number: str) -> str:
    page.fill("input[name=postcode]", postcode)
    page.fill("input[name=street]", street)
    page.fill("input[name=number]", number)
    with page.expect_navigation():
        page.get_by_role("button", name="Mijn adres controleren").click()
    return page.locator("section.answer").inner_text()


def test_a_resident_checks_an_address_inside_and_one_outside_every_zone(page, app):
    centrum = make_bin(db, code="11", name="BIN Centrum", coordinator_name="Marleen Peeters",
                       coordinator_email="marleen.peeters@example.be")
    make_zone(db, centrum, [("2990", "Sint-Jansstraat", 1, 49, "all")])
    page.goto("/zone")
    assert page.get_by_role("heading", name="Ligt mijn adres in een buurtinformatienetwerk?"
                            ).is_visible()
    answer = _check(page, "2990", "St.-Jansstr.", "12 bus 3")
    assert "BIN Centrum" in answer and "Coördinator: Marleen Peeters" in answer
    assert "marleen.peeters@example.be" not in page.content()
    join = page.get_by_role("link", name="Lid worden van BIN Centrum")
    assert join.get_attribute("href") == ("/join?postcode=2990&street=St.-Jansstr.&"
                                          "house_number=12+bus+3")
    screenshot(page, "zone-check")

    answer = _check(page, "2990", "Sint-Jansstraat", "51")
    assert "Er is nog geen BIN op Sint-Jansstraat 51, 2990" in answer
    assert "Politiezone Grens" in answer and "+32 3 620 29 29" in answer

    page.fill("input[name=number]", "")
    with page.expect_navigation():
        page.get_by_role("button", name="Mijn adres controleren").click()
    assert "Vul uw huisnummer in" in page.locator("#number-error").inner_text()


def test_a_coordinator_adds_a_street_and_residents_find_it(page, app):
    centrum = make_bin(db, code="11", name="BIN Centrum")
    sign_in(page, make_web_user(db, "coordinator", bins=[centrum]))
    page.goto("/zones")
    assert page.get_by_role("heading", name="Zone van BIN Centrum").is_visible()
    page.fill("input[name=street]", "Kortrijksesteenweg")
    page.fill("input[name=postcode]", "9000")
    page.fill("input[name=house_from]", "2")
    page.fill("input[name=house_to]", "120")
    page.select_option("select[name=parity]", "even")
    with page.expect_navigation():
        page.get_by_role("button", name="Toevoegen").click()
    row = page.locator("table.zone-table tbody tr").first
    assert "Kortrijksesteenweg" in row.inner_text() and "2–120 even" in row.inner_text()
    screenshot(page, "zone")
    page.goto("/zone?postcode=9000&street=Kortrijksestwg&number=118")
    assert "BIN Centrum" in page.locator("section.answer").inner_text()
