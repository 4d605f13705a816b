"""Signing in through the real form, as a person at a browser does."""

from __future__ import annotations

import pyotp

from tests.factories import WEB_PASSWORD


def sign_in(page, user, password: str = WEB_PASSWORD) -> None:
    """Fill /login (with a current TOTP code for police) and wait for the next page."""
    page.goto("/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", password)
    if user.totp_secret:
        code = page.locator("input[name=totp]")
        if not code.is_visible():  # folded away under "Police account?" on the first visit
            page.click("form.sign-in summary")
        page.fill("input[name=totp]", pyotp.TOTP(user.totp_secret).now())
    with page.expect_navigation():
        page.click("form.sign-in button[type=submit]")
