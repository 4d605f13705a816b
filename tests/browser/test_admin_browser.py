"""The police admin in a real browser: a coordinator added for a BIN, callback replay
turned off, and both found in the audit log filtered by action."""

from __future__ import annotations

from domain.db import db
from domain.web_users import find_user
from tests.browser.support import screenshot, sign_in
from tests.factories import make_bin, make_member, make_web_user


def test_an_admin_adds_a_coordinator_turns_replay_off_and_finds_both_in_the_audit(page):
    heide = make_bin(db, code="12", name="BIN Heide", municipality="Grensdorp")
    make_bin(db, code="11", name="BIN Centrum", municipality="Grensdorp")
    for _ in range(3):
        make_member(db, bins=[heide])
    admin = make_web_user(db, "admin", email="chef@politie.example", name="Chef Wouters")
    sign_in(page, admin)  # with a TOTP code: police roles need one
    menu = page.get_by_role("navigation", name="Hoofdmenu")

    menu.get_by_role("link", name="Webgebruikers").click()
    page.get_by_role("link", name="Webgebruiker toevoegen").click()
    page.get_by_label("E-mailadres").fill("an@buurt.example")
    page.get_by_label("Naam").fill("An Peeters")
    page.get_by_label("Rol").select_option("coordinator")
    page.get_by_label("12 BIN Heide").check()
    page.get_by_label("Eerste wachtwoord").fill("lang genoeg wachtwoord")
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("Webgebruiker an@buurt.example toegevoegd.").is_visible()

    menu.get_by_role("link", name="BIN's").click()
    row = page.locator("#bin-12")
    assert "an@buurt.example" in row.inner_text() and "3" in row.inner_text()
    row.get_by_role("link", name="Wijzigen").click()
    page.get_by_label("Naam van de coördinator").fill("An Peeters")
    replay = page.get_by_label("Herbeluisteren bij terugbellen", exact=False)
    assert replay.is_checked()
    replay.uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("BIN 12 opgeslagen.").is_visible()
    assert "uit" in page.locator("#bin-12").inner_text()
    screenshot(page, "admin-bins")

    menu.get_by_role("link", name="Auditlog").click()
    page.get_by_label("Actie").select_option("web_user.add")
    with page.expect_navigation():
        page.get_by_role("button", name="Filteren").click()
    table = page.locator("table.admin-audit tbody")
    assert table.locator("tr").count() == 1
    assert "an@buurt.example" in table.inner_text() and "chef@politie.example" in \
        table.inner_text()

    page.get_by_label("Actie").select_option("bin.edit")
    with page.expect_navigation():
        page.get_by_role("button", name="Filteren").click()
    assert table.locator("tr").count() == 1
    text = table.inner_text()
    assert "bin:12" in text and "callback replay" in text and "uit" in text
    screenshot(page, "audit")

    db.session.expire_all()
    assert find_user("an@buurt.example").bin_ids == {heide.id}
    db.session.refresh(heide)
    assert heide.callback_replay is False and heide.coordinator_name == "An Peeters"
