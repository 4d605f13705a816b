"""A coordinator's yearly report in a real browser: found in the menu, read in Dutch with
its reach picture, printed with the Print button and downloaded as CSV."""

from __future__ import annotations

import csv

from domain.db import db
from tests.browser.support import screenshot, sign_in
from tests.factories import make_web_user
from tests.ivr.web.report_support import make_year_of_bin

# window.print() opens no dialog in a headless browser: count the calls instead.
COUNT_PRINTS = "window.__prints = 0; window.print = () => { window.__prints += 1; };"


def test_a_coordinator_reads_prints_and_downloads_the_year_report(page):
    bin11, _ = make_year_of_bin(db)
    sign_in(page, make_web_user(db, "coordinator", bins=[bin11]))
    page.add_init_script(COUNT_PRINTS)
    page.get_by_role("link", name="Jaarverslagen").click()
    page.get_by_label("Jaar").select_option("2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Tonen").click()
    assert page.get_by_role("heading", name="Jaarverslag 2026").is_visible()
    assert page.get_by_role("img", name="2 opgenomen, 1 voicemail, 1 niet bereikt").is_visible()
    costs = page.locator(".totals", has_text="aangerekende minuten").inner_text()
    assert "€\u00a00,48" in costs and "4\u00a0min" in costs
    screenshot(page, "year-report")

    page.get_by_role("button", name="Afdrukken").click()
    assert page.evaluate("window.__prints") == 1

    with page.expect_download() as download:
        page.get_by_role("link", name="Downloaden als CSV").click()
    assert download.value.suggested_filename == "jaarverslag-bin-11-2026.csv"
    with open(download.value.path(), encoding="utf-8") as downloaded:
        rows = list(csv.reader(downloaded))
    assert ["costs", "total", "0.48", "EUR"] in rows
