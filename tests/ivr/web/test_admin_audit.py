"""The admin's audit log: newest first, readable, paginated, and each filter's rows."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from domain.db import db
from domain.models import AuditLog
from tests.factories import make_bin
from tests.ivr.web.admin_support import page_text, signed_in


def _entry(at: datetime, actor: str, action: str, subject: str, **details) -> AuditLog:
    row = AuditLog(at=at, actor=actor, action=action, subject=subject, details=details or None)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def log(app):
    """Five entries over three days (times in UTC; Brussels is UTC+1 in December)."""
    _entry(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), "cli", "bin.add", "bin:12", name="Heide")
    _entry(datetime(2026, 12, 1, 22, 30, tzinfo=UTC), "caller:+32470555111", "auth.failure",
           "officer:4711", reason="wrong_pin")  # 23:30 in Brussels: still 1 December
    _entry(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), "chef@politie.example", "bin.edit",
           "bin:12", callback_replay=False)  # 00:30 on 2 December in Brussels
    _entry(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), "chef@politie.example", "web_user.bins",
           "an@buurt.example", bins=["11", "12"])
    _entry(datetime(2026, 12, 3, 9, 0, tzinfo=UTC), "an@buurt.example", "web.sign_in",
           "an@buurt.example", role="coordinator")


def _rows(html: str) -> list[str]:
    """The action of each row shown, top to bottom."""
    return re.findall(r'<td class="action"><code>([a-z_.]+)</code></td>', html)


def test_the_log_is_newest_first_readable_and_masks_numbers(app, log):
    client, _ = signed_in(app)
    html = page_text(client.get("/admin/audit"))
    # The admin's own sign-in of this test is the newest entry.
    assert _rows(html) == ["web.sign_in", "web.sign_in", "web_user.bins", "bin.edit",
                           "auth.failure", "bin.add"]
    assert "2026-12-02 00:30" in html  # Brussels time
    assert "<dt>callback replay</dt><dd>uit</dd>" in html
    assert "<dt>bins</dt><dd>11, 12</dd>" in html
    assert "+32470555111" not in html and "caller:+3247•••••11" in html


@pytest.mark.parametrize(("query", "expected"), [
    ("action=bin.edit", ["bin.edit"]),
    ("actor=CHEF@politie", ["web_user.bins", "bin.edit"]),
    ("subject=bin:12", ["bin.edit", "bin.add"]),
    ("date_from=2026-12-01&date_to=2026-12-01", ["auth.failure", "bin.add"]),
    ("date_from=2026-12-02&date_to=2026-12-02", ["web_user.bins", "bin.edit"]),
    ("actor=chef&action=bin.edit&date_from=2026-12-02", ["bin.edit"]),
    ("actor=nobody", []),
])
def test_each_filter_returns_the_right_rows(app, log, query, expected):
    client, admin = signed_in(app)
    html = page_text(client.get(f"/admin/audit?{query}"))
    assert _rows(html) == expected
    assert f"Gevonden regels: {len(expected)}" in html


def test_the_action_filter_offers_known_and_stored_actions(app, log):
    _entry(datetime(2026, 12, 3, 10, 0, tzinfo=UTC), "cli", "future.action", "x")
    client, _ = signed_in(app)
    html = page_text(client.get("/admin/audit"))
    select = html.split('<select id="action"')[1].split("</select>")[0]
    assert 'value="officer.unlock"' in select and 'value="future.action"' in select


def test_pages_of_fifty_keep_the_filters(app):
    for n in range(120):
        _entry(datetime(2026, 11, 1, 8, n % 60, n // 60, tzinfo=UTC), "cli", "bin.add",
               f"bin:{n}")
    client, _ = signed_in(app)
    first = page_text(client.get("/admin/audit?action=bin.add"))
    assert len(_rows(first)) == 50 and "Pagina 1 van 3" in first
    assert "page=2" in first and "action=bin.add" in first.split('rel="next"')[0][-200:]
    last = page_text(client.get("/admin/audit?action=bin.add&page=3"))
    assert len(_rows(last)) == 20 and "Pagina 3 van 3" in last


def test_a_bad_date_is_an_error_and_filters_nothing(app, log):
    client, _ = signed_in(app)
    html = page_text(client.get("/admin/audit?date_from=gisteren"))
    assert 'id="date_from-error"' in html and len(_rows(html)) >= 5


@pytest.mark.parametrize("role", ["dispatcher", "coordinator"])
def test_dispatchers_and_coordinators_are_refused(app, log, role):
    client, _ = signed_in(app, role, bins=[make_bin(db)] if role == "coordinator" else [])
    assert client.get("/admin/audit").status_code == 403
