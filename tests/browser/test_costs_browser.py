"""A coordinator's costs in a real browser: found in the menu, each month a bar as long as
its share of the dearest month, the total in euro as Belgians write it."""

from __future__ import annotations

from domain.db import db
from tests.browser.support import screenshot, sign_in
from tests.factories import make_web_user
from tests.ivr.web.report_support import make_year_of_bin


def test_a_coordinator_sees_each_months_cost_as_a_bar(page):
    bin11, _ = make_year_of_bin(db)  # March €0,33 (alert), May €0,15 (feedback)
    sign_in(page, make_web_user(db, "coordinator", bins=[bin11]))
    page.get_by_role("link", name="Kosten").click()
    assert page.get_by_role("heading", name="Kosten").is_visible()
    march = page.get_by_role("img", name="maart 2026: €\u00a00,33")
    may = page.get_by_role("img", name="mei 2026: €\u00a00,15")
    assert march.is_visible() and may.is_visible()
    # Bars as long as their share: May's cost part is 15/33 of March's.
    widths = [bar.locator("rect").first.evaluate("r => r.getBBox().width")
              for bar in (march, may)]
    assert abs(widths[1] / widths[0] - 15 / 33) < 0.05
    assert page.locator(".total-cost").inner_text() == "€\u00a00,48"
    screenshot(page, "costs")
