"""A coordinator's member list in a real browser: an import with a bad row (its line is
shown, nothing stored), the corrected file imported, a member edited and removed."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.db import db
from domain.models import Member
from tests.browser.support import screenshot, sign_in
from tests.factories import make_bin, make_member, make_web_user

HEADER = "bin_code,name,street,house_number,postcode,municipality,phone,phone2,language,email"
ROWS = ["11,Ann Claes,Molenstraat,4,2990,Grensdorp,0477 12 34 56,,nl,",
        "11,Bart Smet,Kerkstraat,7,2990,Grensdorp,03 620 29 29,,fr,bart@example.be",
        "11,Cor Peeters,Dorpsstraat,12,2990,Grensdorp,0900 12 34 5,,nl,",
        "11,Dirk Wouters,Heidestraat,1,2990,Grensdorp,0470 11 22 33,,nl,"]


def _members() -> int:
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(Member))
    db.session.commit()
    return count


def _file(rows: list[str]) -> dict:
    return {"name": "leden.csv", "mimeType": "text/csv",
            "buffer": "\n".join([HEADER, *rows]).encode()}


def test_a_coordinator_imports_fixes_edits_and_removes(page):
    bin11 = make_bin(db, code="11", name="BIN Centrum")
    make_member(db, bins=[bin11], name="Els Janssens", phone="+32470555666")
    sign_in(page, make_web_user(db, "coordinator", bins=[bin11]))
    page.goto("/members")
    assert page.get_by_role("heading", name="Leden").is_visible()
    screenshot(page, "members")

    page.get_by_role("link", name="Lijst importeren").click()
    page.set_input_files("input[name=file]", _file(ROWS))
    with page.expect_navigation():
        page.get_by_role("button", name="Bestand controleren").click()
    problems = page.locator("section.import-errors")
    assert "1 probleem in leden.csv: er is niets geïmporteerd" in problems.inner_text()
    assert problems.locator("td.num").inner_text() == "4"  # the line of the 0900 number
    assert _members() == 1
    screenshot(page, "member-import")

    fixed = [*ROWS[:2], ROWS[2].replace("0900 12 34 5", "0471 22 33 44"), ROWS[3]]
    page.set_input_files("input[name=file]", _file(fixed))
    with page.expect_navigation():
        page.get_by_role("button", name="Bestand controleren").click()
    assert page.locator(".totals").inner_text().startswith("4")
    with page.expect_navigation():
        page.get_by_role("button", name="4 rijen importeren").click()
    assert "4 rijen van leden.csv geïmporteerd" in page.locator(".flashes").inner_text()
    assert _members() == 5

    page.get_by_role("row", name="Cor Peeters").get_by_role("link", name="Wijzigen").click()
    page.fill("input[name=street]", "Nieuwstraat")
    page.fill("input[name=phone]", "0900 11 22 33")
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan").click()
    assert page.locator("#phone-error").is_visible()  # refused, shown at the field
    page.fill("input[name=phone]", "0471 22 33 44")
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan").click()
    assert "De gegevens van Cor Peeters zijn opgeslagen." in page.locator(".flashes").inner_text()
    assert db.session.scalar(select(Member.street).where(Member.name == "Cor Peeters")) == \
        "Nieuwstraat"

    page.goto("/members")
    page.get_by_role("row", name="Dirk Wouters").get_by_role("link", name="Verwijderen").click()
    assert page.get_by_role("heading", name="Dirk Wouters verwijderen?").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Verwijderen").click()
    assert "Dirk Wouters is verwijderd." in page.locator(".flashes").inner_text()
    assert page.get_by_role("row", name="Dirk Wouters").count() == 0
    assert _members() == 4
