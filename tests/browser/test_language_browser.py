"""The language switch, in a real browser: the pages change and the choice stays."""

from __future__ import annotations

from domain.db import db
from tests.browser.support import sign_in
from tests.factories import make_bin, make_web_user


def test_a_coordinator_switches_to_french_and_the_pages_stay_french(page):
    user = make_web_user(db, "coordinator", bins=[make_bin(db)])
    sign_in(page, user)
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("button", name="Afmelden").is_visible()

    page.select_option("#language-switch", "fr")
    with page.expect_navigation():
        page.get_by_role("button", name="Taal wijzigen").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("button", name="Se déconnecter").is_visible()

    page.goto("/")  # another page, the same language: it was stored with the account
    assert page.locator("html").get_attribute("lang") == "fr"
    db.session.refresh(user)
    assert user.language == "fr"
