"""What a broadcast cost, end to end: the sandbox bills every call from its tariff, the
app fetches the prices after the calls, and its totals add up and match the estimate."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from domain import costs
from domain.broadcast.start import message_confirmed
from domain.db import db
from domain.models import CallAttempt, Delivery, utcnow
from domain.price_checks import fetch_prices
from tests.e2e.broadcast_support import outbound_calls, settled
from tests.factories import make_bin, make_member, make_message

LANDLINE, MOBILE = Decimal("0.03"), Decimal("0.15")


def _attempts(message_id: int) -> list[CallAttempt]:
    db.session.expire_all()
    return db.session.scalars(select(CallAttempt).join(Delivery)
                              .where(Delivery.message_id == message_id)).all()


@pytest.mark.parametrize("audio_s", [20, 45])  # calls of about 50 s and 75 s
def test_a_broadcast_ends_with_prices_that_match_the_tariff_and_the_estimate(
        app, sandbox, workers, audio_s):
    app.config["MAX_ATTEMPTS"] = 1
    centrum = make_bin(db)
    for i in range(4):  # people who answer, listen to the end and press 1
        make_member(db, bins=[centrum], phone=f"+32470{610001 + i:06d}")
    make_member(db, bins=[centrum], phone="+3236610005", phone_type="landline")
    machine = make_member(db, bins=[centrum], phone="+32470610006")
    busy = make_member(db, bins=[centrum], phone="+32470610007")
    silent = make_member(db, bins=[centrum], phone="+32470610008")
    # A typical mix: 6 of 8 reached (the default ESTIMATE_ANSWER_RATE of 0.75), one of
    # them by voicemail.
    sandbox.set_scenario({
        "default": {"answer": "human", "after_s": 3, "digits": "1"},
        "numbers": {machine.phone: {"answer": "machine", "greeting_s": 8},
                    busy.phone: {"answer": "busy"}, silent.phone: {"answer": "no-answer"}}})
    sandbox.set_tariff(landline=LANDLINE, mobile=MOBILE, delay_s=1.0)
    message = make_message(db, bins=[centrum], audio_s=audio_s)
    estimate = costs.message_estimate(message)
    assert (estimate.numbers, estimate.mobiles, estimate.landlines) == (8, 7, 1)

    workers.start(1)
    message_confirmed(message.id)
    settled(message.id, workers=workers)
    assert sandbox.wait_idle(10)
    attempts = _attempts(message.id)
    assert len(attempts) == 8
    # Unanswered calls cost nothing at once; answered ones wait for the carrier's price.
    assert {a.to_number: a.price for a in attempts if a.status != "completed"} == {
        busy.phone: 0, silent.phone: 0}
    assert all(a.price is None and a.price_check_at is not None
               for a in attempts if a.status == "completed")
    assert costs.message_cost(message.id).unpriced == 6

    later = utcnow() + timedelta(minutes=5)  # past PRICE_CHECK_DELAY_S
    assert fetch_prices(later) == 0  # the carrier has not billed them yet (delay_s)
    assert {a.price_checks for a in _attempts(message.id) if a.status == "completed"} == {1}
    time.sleep(1.1)
    assert fetch_prices(later + timedelta(hours=1)) == 6

    billed = {c["sid"]: c for c in outbound_calls(sandbox)}
    for a in _attempts(message.id):
        call = billed[a.call_sid]
        per_min = MOBILE if a.to_number.startswith("+324") else LANDLINE
        expected = per_min * math.ceil(call["duration_s"] / 60) if a.status == "completed" \
            else Decimal(0)
        assert (a.price, a.price_unit) == (expected, "EUR"), (a.to_number, call["duration_s"])
    actual = sum(a.price for a in _attempts(message.id))
    assert actual > 0

    total = costs.message_cost(message.id)
    assert (total.calls, total.unpriced, total.amount) == (8, 0, actual)
    month = costs.month_of(utcnow())
    assert costs.by_bin(month)[centrum.id].amount == actual
    assert [(m.id, c.amount) for m, c in costs.by_message(month, {centrum.id})] == [
        (message.id, actual)]
    assert abs(estimate.amount - actual) <= Decimal("0.2") * actual, (estimate.amount, actual)
