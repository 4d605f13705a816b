"""A real headless Chromium (Debian's `chromium`) driven by Playwright, against the app
served over HTTP (`live_server`). Playwright's own browser download does not work here,
so the executable is the system one; `.ci/run` installs it when missing. Without it the
browser tests skip, saying so, except in CI (CI=true), where that is a failure."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def _browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("CI (CI=true) runs the browser tests, but chromium is not installed")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(_browser, app, live_server):
    """A fresh browser profile (no cookies) on the test's app, Dutch unless told."""
    context = _browser.new_context(base_url=live_server, locale="nl-BE",
                                   viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
