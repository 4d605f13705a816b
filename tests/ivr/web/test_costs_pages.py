"""The costs page and the costs on a broadcast page: what a coordinator or dispatcher
sees of what calls cost and will cost; nothing of another BIN."""

from __future__ import annotations

import re
from decimal import Decimal

from domain.db import db
from domain.models import utcnow
from tests.factories import make_bin, make_delivery, make_member, make_message, make_web_user
from tests.web_support import person, sign_in


def _reader(app, *bins, role="coordinator"):
    client = person(app)
    sign_in(client, make_web_user(db, role, bins=list(bins), language="en"))
    return client


def _sent(bin_, *prices: str):
    """A finished broadcast to `bin_` with one answered call per price."""
    message = make_message(db, bins=[bin_], status="completed")
    for price in prices:
        make_delivery(db, message, make_member(db, bins=[bin_]), outcome="human",
                      bin_id=bin_.id, attempts=[{"dialed_at": utcnow(), "duration_s": 45,
                                                 "price": Decimal(price), "price_unit": "EUR"}])
    return message


def _cells(page: str, css: str) -> list[list[str]]:
    table = page.split(f'class="report-table {css}"')[1].split("</table>")[0]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]


def test_a_coordinator_sees_their_bins_costs_per_month_and_message(app):
    centrum, heide = make_bin(db, code="11", name="Centrum"), make_bin(db, code="12", name="Heide")
    alert = _sent(centrum, "0.15", "0.30")
    _sent(heide, "0.45")
    client = _reader(app, centrum)
    page = client.get("/costs").get_data(as_text=True)
    assert [row[1:] for row in _cells(page, "per-bin")] == [
        ["11 Centrum", "2", "2", "0", "€\u00a00,45"]]
    [row] = _cells(page, "per-message")
    assert (row[0], row[2:]) == (f"broadcast {alert.id}", ["2", "2", "€\u00a00,45"])
    assert "Heide" not in page and "0,90" not in page
    # this month's bar carries its figures for those who cannot see it
    assert re.search(r'<svg class="paid-bar" role="img"[^>]*aria-label="[A-Za-z]+ \d{4}: '
                     r'€\u00a00,45"', page)
    assert client.get(f"/costs?bin={heide.id}").status_code == 404


def test_the_police_see_every_bin_and_can_pick_one(app):
    centrum, heide = make_bin(db, code="11", name="Centrum"), make_bin(db, code="12", name="Heide")
    _sent(centrum, "0.15")
    _sent(heide, "0.45")
    client = _reader(app, role="dispatcher")
    page = client.get("/costs").get_data(as_text=True)
    assert [row[1] for row in _cells(page, "per-bin")] == ["11 Centrum", "12 Heide"]
    assert '<td class="num total-cost">€\u00a00,60</td>' in page
    one = client.get(f"/costs?bin={heide.id}").get_data(as_text=True)
    assert [row[1] for row in _cells(one, "per-bin")] == ["12 Heide"]
    assert 'href="/costs"' in client.get("/broadcasts").get_data(as_text=True)  # the menu


def test_a_planned_broadcast_shows_its_estimate_and_the_budget_warning(app):
    tight = make_bin(db, code="11", name="Centrum", monthly_budget_cents=50)
    _sent(tight, "0.40")
    for _ in range(4):
        make_member(db, bins=[tight])  # with the one called above: 5 mobiles
    waiting = make_message(db, bins=[tight], audio_s=20)  # confirmed, not planned yet
    for client in (_reader(app, tight), _reader(app, role="dispatcher")):
        page = client.get(f"/broadcasts/{waiting.id}").get_data(as_text=True)
        # 5 numbers x 0.75 x 1 minute x 0.15
        assert '<strong class="c-estimate">€\u00a00,56</strong> expected cost' in page
        assert "BIN 11 would go over its monthly budget of €\u00a00,50" in page
        assert "€\u00a00,40 spent this month" in page
        assert "5 numbers × 75 % answered × 1 min" in page


def test_a_finished_broadcast_shows_what_it_cost_and_no_estimate(app):
    centrum = make_bin(db, code="11", monthly_budget_cents=10)
    message = _sent(centrum, "0.15", "0.03")
    page = _reader(app, centrum).get(f"/broadcasts/{message.id}").get_data(as_text=True)
    assert '<strong class="c-spent">€\u00a00,18</strong> cost so far' in page
    assert '<strong class="c-calls">2</strong>' in page
    assert "expected cost" not in page and "monthly budget" not in page


def test_a_coordinator_sees_only_their_share_of_a_message_to_two_bins(app):
    centrum, heide = make_bin(db, code="11"), make_bin(db, code="12")
    message = make_message(db, bins=[centrum, heide], status="sending")
    for bin_, price in ((centrum, "0.15"), (heide, "0.30"), (heide, "0.30")):
        make_delivery(db, message, make_member(db, bins=[bin_]), outcome="human",
                      bin_id=bin_.id, attempts=[{"dialed_at": utcnow(), "duration_s": 45,
                                                 "price": Decimal(price), "price_unit": "EUR"}])
    page = _reader(app, centrum).get(f"/broadcasts/{message.id}").get_data(as_text=True)
    assert '<strong class="c-spent">€\u00a00,15</strong>' in page
    assert "1 numbers × 75 % answered" in page
    police = _reader(app, role="admin").get(f"/broadcasts/{message.id}").get_data(as_text=True)
    assert '<strong class="c-spent">€\u00a00,75</strong>' in police


def test_an_admin_sets_a_bins_monthly_budget_in_euro(app):
    from tests.ivr.web.admin_support import audited, page_text, signed_in
    from tests.web_support import post_form

    row = make_bin(db, code="12", name="BIN Heide")
    client, _admin = signed_in(app, language="en")
    assert 'name="monthly_budget_cents"' in page_text(client.get(f"/admin/bins/{row.id}/edit"))
    post = {"name": "BIN Heide", "callback_replay": "y", "monthly_budget_cents": "12,50"}
    assert post_form(client, f"/admin/bins/{row.id}/edit", post).status_code == 302
    db.session.refresh(row)
    assert row.monthly_budget_cents == 1250
    assert audited("bin.edit")[0].details == {"monthly_budget_cents": 1250}
    assert 'value="12,50"' in page_text(client.get(f"/admin/bins/{row.id}/edit"))
    refused = post_form(client, f"/admin/bins/{row.id}/edit",
                        {**post, "monthly_budget_cents": "-3"}).get_data(as_text=True)
    assert "A budget cannot be negative." in refused
