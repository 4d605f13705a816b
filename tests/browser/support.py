"""Signing in through the real form, as a person at a browser does."""

from __future__ import annotations

import os
from pathlib import Path

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


def screenshot(page, name: str) -> None:
    """The README's picture of this page, when `make screenshots` asks for them
    (SCREENSHOTS_DIR); a no-op in the normal test run. JPEG at a phone-friendly width
    keeps each under a few hundred KB."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.jpg"), type="jpeg", quality=70,
                        full_page=False)
