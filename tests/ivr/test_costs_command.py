"""`flask --app ivr costs` and `bin edit --budget`, as a treasurer or admin uses them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from domain.db import db
from domain.models import AuditLog, Bin
from tests.factories import make_bin, make_delivery, make_member, make_message


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args), env={"COLUMNS": "200"})


def rows(output: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in output.splitlines() if line.count("│") >= 4]


def _priced(bin_, when: datetime, price: str, duration_s: int = 40, message=None):
    message = message or make_message(db, bins=[bin_], status="completed", confirmed_at=when)
    make_delivery(db, message, make_member(db, bins=[bin_]), outcome="human", bin_id=bin_.id,
                  attempts=[{"dialed_at": when, "duration_s": duration_s,
                             "price": None if price is None else Decimal(price),
                             "price_unit": "EUR"}])
    return message


def test_costs_per_bin_and_month_then_per_message(app):
    centrum = make_bin(db, code="11", name="Centrum")
    heide = make_bin(db, code="12", name="Heide")
    march = datetime(2026, 3, 10, 9, tzinfo=UTC)
    alert = _priced(centrum, march, "0.15")
    _priced(centrum, march, "0.30", 70, message=alert)
    _priced(heide, march, "0.03")
    _priced(heide, march, None)  # not priced yet
    _priced(centrum, datetime(2026, 4, 2, tzinfo=UTC), "0.15")

    result = cli(app, "costs", "--month", "2026-03")
    assert result.exit_code == 0, result.output
    table = rows(result.output)
    assert ["2026-03", "11 Centrum", "2", "3", "0", "0.45"] in table
    assert ["2026-03", "12 Heide", "2", "2", "1", "0.03"] in table
    assert ["total", "", "4", "5", "1", "0.48"] in table
    assert "cost (EUR)" in result.output
    assert [str(alert.id), "urgent", "2026-03-10 10:00", "2", "3", "0", "0.45"] in table
    assert "1 calls have no price yet" in result.output

    only = rows(cli(app, "costs", "--month", "2026-03", "--bin", "12").output)
    assert ["total", "", "2", "2", "1", "0.03"] in only
    assert not [r for r in only if "Centrum" in r]


def test_costs_refuses_a_bad_month_or_bin(app):
    result = cli(app, "costs", "--month", "2026-13")
    assert result.exit_code != 0 and "YYYY-MM" in result.output
    result = cli(app, "costs", "--bin", "99")
    assert result.exit_code != 0 and "no BIN with code 99" in result.output


def test_bin_edit_sets_and_removes_the_monthly_budget(app):
    make_bin(db, code="13", name="Veld")
    result = cli(app, "bin", "edit", "13", "--budget", "25,50")
    assert result.exit_code == 0, result.output
    assert "monthly budget €25.50" in result.output
    db.session.expire_all()
    assert db.session.scalars(select(Bin.monthly_budget_cents)).one() == 2550
    assert db.session.scalars(select(AuditLog).where(AuditLog.action == "bin.edit")).one()
    assert "must not be negative" in cli(app, "bin", "edit", "13", "--budget", "-1").output
    assert "monthly budget none" in cli(app, "bin", "edit", "13", "--budget", "").output
    db.session.expire_all()
    assert db.session.scalars(select(Bin.monthly_budget_cents)).one() is None
