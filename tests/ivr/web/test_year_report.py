"""The yearly report: a BIN's members, messages, reach, costs and contributions of one
year, as a printable page and a CSV, counted from what is stored; nothing of another BIN."""

from __future__ import annotations

import csv
import io

from domain.db import db
from tests.factories import make_bin, make_web_user
from tests.ivr.web.report_support import make_year_of_bin
from tests.web_support import person, sign_in


def _reader(app, *bins, role="coordinator"):
    client = person(app)
    sign_in(client, make_web_user(db, role, bins=list(bins), language="en"))
    return client


def _csv(response) -> dict[tuple[str, str], tuple[str, str]]:
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["section", "item", "value", "unit"]
    return {(section, item): (value, unit) for section, item, value, unit in rows[1:]}


def test_the_csv_counts_the_bins_year_and_nothing_of_its_neighbour(app):
    bin11, _ = make_year_of_bin(db)
    response = _reader(app, bin11).get(f"/reports/{bin11.id}/2026.csv")
    assert response.status_code == 200
    assert "jaarverslag-bin-11-2026.csv" in response.headers["Content-Disposition"]
    figures = _csv(response)
    expected = {
        ("members", "at_year_end"): ("3", "members"), ("members", "joined"): ("3", "members"),
        ("members", "left"): ("1", "members"), ("members", "with_email"): ("1", "members"),
        ("members", "mobile_number"): ("2", "members"),
        ("members", "landline_number"): ("1", "members"),
        ("messages", "urgent_phone"): ("1", "messages"),
        ("messages", "feedback_phone"): ("1", "messages"),
        ("messages", "cold_phone"): ("0", "messages"),
        ("reach", "people_to_reach"): ("4", "deliveries"),
        ("reach", "answered"): ("2", "deliveries"), ("reach", "voicemail"): ("1", "deliveries"),
        ("reach", "reached_rate"): ("75.0", "%"), ("reach", "confirmed"): ("1", "deliveries"),
        ("reach", "confirmed_rate"): ("25.0", "%"),
        ("costs", "calls"): ("5", "calls"), ("costs", "billed_minutes"): ("4", "minutes"),
        ("costs", "total"): ("0.48", "EUR"),
        ("costs", "month_03"): ("0.33", "EUR"), ("costs", "month_05"): ("0.15", "EUR"),
        ("contributions", "asked"): ("2", "members"),
        ("contributions", "asked_amount"): ("10.00", "EUR"),
        ("contributions", "paid"): ("1", "members"),
        ("contributions", "received"): ("5.00", "EUR"),
    }
    assert {key: figures.get(key) for key in expected} == expected


def test_the_page_shows_the_figures_with_units_and_a_picture_of_the_reach(app):
    bin11, _ = make_year_of_bin(db)
    page = _reader(app, bin11).get(f"/reports/{bin11.id}/2026").get_data(as_text=True)
    assert "Year report 2026" in page
    assert "€\u00a00,48" in page and "€\u00a010,00" in page and "€\u00a05,00" in page
    assert "4&nbsp;min" in page and "75&nbsp;%" in page
    assert 'aria-label="2 answered, 1 voicemail, 1 not reached"' in page
    assert "data-print" in page and "onclick" not in page


def test_a_coordinator_gets_no_report_of_another_bin_and_the_police_get_every_one(app):
    bin11, bin12 = make_year_of_bin(db)
    neighbour = _reader(app, bin12)
    assert neighbour.get(f"/reports/{bin11.id}/2026").status_code == 404
    assert neighbour.get(f"/reports/{bin11.id}/2026.csv").status_code == 404
    index = neighbour.get("/reports")
    assert index.status_code == 302 and f"/reports/{bin12.id}/" in index.headers["Location"]
    police = _reader(app, role="dispatcher")
    assert police.get(f"/reports/{bin11.id}/2026").status_code == 200
    assert _csv(police.get(f"/reports/{bin12.id}/2026.csv"))[("reach", "people_to_reach")] \
        == ("1", "deliveries")


def test_a_year_without_messages_says_so(app):
    bin11 = make_bin(db, code="11", name="BIN Centrum")
    page = _reader(app, bin11).get(f"/reports/{bin11.id}/2026").get_data(as_text=True)
    assert "No messages were sent to this BIN in 2026." in page
    assert "€\u00a00,00" in page
