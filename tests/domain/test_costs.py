"""Cost totals per message, BIN and Belgian month; the estimate; the budget warning;
fetching prices that come late or never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain import costs
from domain.db import db
from domain.models import CallAttempt, utcnow
from domain.price_checks import fetch_prices
from tests.factories import make_bin, make_delivery, make_member, make_message

JAN_31_LATE = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)  # 1 February 00:30 in Brussels


def _call(price: str | None, dialed_at: datetime, duration_s: int = 50) -> dict:
    return {"dialed_at": dialed_at, "duration_s": duration_s,
            "price": None if price is None else Decimal(price),
            "price_unit": None if price is None else "EUR"}


def test_totals_per_message_bin_and_month_add_up(app):
    a, b = make_bin(db), make_bin(db)
    jan = datetime(2026, 1, 15, 10, tzinfo=UTC)
    alert = make_message(db, bins=[a, b], status="completed")
    for bin_, price, when in [(a, "0.15", jan), (a, "0.30", JAN_31_LATE), (b, "0.03", jan)]:
        make_delivery(db, alert, make_member(db, bins=[bin_]), outcome="human", bin_id=bin_.id,
                      attempts=[_call(price, when)])
    # a busy first try, then an answer for nothing yet priced
    make_delivery(db, alert, make_member(db, bins=[b]), outcome="human", bin_id=b.id,
                  attempts=[_call("0", jan, 0), _call(None, jan, 70)])
    single = make_message(db, bins=[a], status="completed")  # from before Delivery.bin_id
    make_delivery(db, single, make_member(db, bins=[a]), outcome="machine",
                  attempts=[_call("0.15", jan)])

    january = costs.by_bin("2026-01")
    assert {k: (c.calls, c.unpriced, c.amount, c.minutes) for k, c in january.items()} == {
        a.id: (2, 0, Decimal("0.30"), 2), b.id: (3, 1, Decimal("0.03"), 3)}
    february = costs.by_bin("2026-02")
    assert {k: c.amount for k, c in february.items()} == {a.id: Decimal("0.30")}
    assert costs.by_bin("2026-01", {b.id}).keys() == {b.id}

    assert costs.message_cost(alert.id).amount == Decimal("0.48")
    assert costs.message_cost(alert.id, {b.id}).amount == Decimal("0.03")
    assert costs.message_cost(alert.id).unpriced == 1
    per_message = {m.id: c.amount for m, c in costs.by_message("2026-01")}
    assert per_message == {alert.id: Decimal("0.18"), single.id: Decimal("0.15")}
    assert sum(per_message.values()) == sum(c.amount for c in january.values())
    months = costs.by_bin_and_month(["2026-01", "2026-02"], {a.id})
    assert sum(c.amount for m in months.values() for c in m.values()) == Decimal("0.60")


def test_months_are_belgian_months():
    assert costs.month_of(JAN_31_LATE) == "2026-02"
    start, end = costs.month_bounds("2026-12")
    assert (start, end) == (datetime(2026, 11, 30, 23, tzinfo=UTC),
                            datetime(2026, 12, 31, 23, tzinfo=UTC))
    assert costs.recent_months(3, datetime(2026, 2, 10, tzinfo=UTC)) == [
        "2025-12", "2026-01", "2026-02"]


def test_estimate_counts_each_number_once_by_type_and_first_bin(app):
    a, b = make_bin(db), make_bin(db)
    make_member(db, bins=[a, b], phone="+32470620001")  # mobile, in both: paid by a
    make_member(db, bins=[b], phone="+3236620002", phone_type="landline")
    make_member(db, bins=[b], name="Huisgenoot", phone="+3236620002", phone_type="landline")
    make_member(db, bins=[b], phone="+32470620004", status="left")
    est = costs.estimate([a.id, b.id], audio_duration_ms=50_000)  # 50 s + 15 s: 2 minutes
    assert (est.numbers, est.mobiles, est.landlines, est.minutes_per_call) == (2, 1, 1, 2)
    # 0.75 answer rate x 2 minutes x the tariff
    assert est.per_bin == {a.id: Decimal("0.225"), b.id: Decimal("0.045")}
    assert est.amount == Decimal("0.270")
    assert costs.billed_minutes(20_000) == 1
    assert costs.sms_cost(3) == Decimal("0.24")


def test_budget_warning_when_this_month_and_the_estimate_pass_the_budget(app):
    tight = make_bin(db, monthly_budget_cents=100)
    roomy = make_bin(db, monthly_budget_cents=10_000)
    free = make_bin(db)
    old = make_message(db, bins=[tight], status="completed")
    make_delivery(db, old, make_member(db, bins=[tight]), outcome="human", bin_id=tight.id,
                  attempts=[_call("0.90", utcnow())])
    for bin_ in (tight, roomy, free):
        make_member(db, bins=[bin_])
    est = costs.estimate([tight.id, roomy.id, free.id], 20_000)  # 0.1125 a member
    [warning] = costs.budget_warnings(est)
    assert warning.bin.id == tight.id
    assert (warning.spent, warning.expected, warning.budget) == (
        Decimal("0.90"), Decimal("0.225"), Decimal(1))  # tight has two members
    assert warning.over_by == Decimal("0.125")


def test_a_price_never_reported_is_given_up_after_the_last_check(app, sandbox):
    from domain import carrier

    app.config.update(PRICE_CHECK_MAX=3, PRICE_CHECK_DELAY_S=10)
    sandbox.set_tariff(delay_s=3600)  # the carrier takes an hour to bill
    member = make_member(db, bins=[make_bin(db)], phone="+32470620101")
    message = make_message(db, status="completed")
    call = carrier.client().calls.create(to=member.phone, from_=app.config["CALLER_ID"],
                                         url=app.config["PUBLIC_BASE_URL"] + "/nowhere")
    assert sandbox.wait_idle(10)
    now = utcnow()
    delivery = make_delivery(db, message, member, outcome="human", attempts=[
        {"call_sid": call.sid, "dialed_at": now, "price_check_at": now}])
    attempt = delivery.call_attempts[0]
    waits = []
    for _ in range(3):
        assert fetch_prices(now) == 0
        db.session.refresh(attempt)
        if attempt.price_check_at is not None:
            waits.append((attempt.price_check_at - now).total_seconds())
            now = attempt.price_check_at
    assert waits == [20, 40]  # 2 x and 4 x the delay
    assert (attempt.price_checks, attempt.price_check_at, attempt.price) == (3, None, None)
    assert costs.message_cost(message.id).unpriced == 1


def test_a_call_the_carrier_no_longer_knows_counts_as_a_check(app, sandbox):
    message = make_message(db, status="completed")
    now = utcnow()
    delivery = make_delivery(db, message, make_member(db), outcome="human", attempts=[
        {"call_sid": "CA" + "0" * 32, "dialed_at": now, "price_check_at": now}])
    assert fetch_prices(now + timedelta(seconds=1)) == 0
    attempt = db.session.get(CallAttempt, delivery.call_attempts[0].id)
    assert attempt.price_checks == 1 and attempt.price_check_at > now


def test_the_reconciler_stores_the_price_of_a_finished_call_once_due(app, sandbox):
    from domain import carrier
    from domain.broadcast.reconcile import reconcile

    sandbox.set_scenario({"default": {"answer": "human", "hangup_after_s": 61}})
    member = make_member(db, bins=[make_bin(db)], phone="+32470620201")
    call = carrier.client().calls.create(to=member.phone, from_=app.config["CALLER_ID"],
                                         twiml="<Response><Pause length='120'/></Response>")
    assert sandbox.wait_idle(10)
    now = utcnow()
    later = make_delivery(db, make_message(db, status="completed"), member, outcome="human",
                          attempts=[{"call_sid": call.sid, "dialed_at": now,
                                     "price_check_at": now + timedelta(minutes=1)}])
    assert reconcile()["prices"] == 0  # not due yet
    attempt = db.session.get(CallAttempt, later.call_attempts[0].id)
    attempt.price_check_at = now
    db.session.commit()
    assert reconcile()["prices"] == 1
    db.session.refresh(attempt)
    assert (attempt.price, attempt.price_unit, attempt.price_check_at) == (
        Decimal("0.30"), "EUR", None)  # 61 s on a mobile: two started minutes
