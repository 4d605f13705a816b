"""Retries as the carrier sees them: how many calls, to which number, and when."""

from __future__ import annotations

from sqlalchemy import select

from domain.broadcast.start import message_confirmed
from domain.db import db
from domain.models import CallAttempt, Delivery
from tests.e2e.broadcast_support import assert_one_call_per_attempt, outbound_calls, settled
from tests.factories import make_bin, make_member, make_message


def _at(call: dict, status: str) -> float:
    """When the carrier's call reached `status` (its own clock, from its timeline)."""
    return next(e["ts"] for e in call["timeline"] if e["status"] == status)


def test_busy_member_gets_max_attempts_calls_spaced_by_the_retry_delay(app, sandbox, workers):
    """Busy on every attempt: exactly MAX_ATTEMPTS calls, phone, phone2, phone (a member
    without phone2: phone each time), each created no sooner than RETRY_DELAY_S after the
    carrier ended the one before."""
    app.config["RETRY_DELAY_S"] = 2
    delay, tries = 2, app.config["MAX_ATTEMPTS"]
    bin_ = make_bin(db)
    two_numbers = make_member(db, bins=[bin_], phone="+32470300001", phone2="+3236300001",
                              phone2_type="landline")
    one_number = make_member(db, bins=[bin_], phone="+32470300002")
    message = make_message(db, bins=[bin_])
    sandbox.set_scenario({"default": {"answer": "busy", "after_s": 1}})
    workers.start(1)
    message_confirmed(message.id)
    assert settled(message.id, timeout=60, workers=workers).status == "completed"
    assert_one_call_per_attempt(sandbox, message.id)

    calls = sorted(outbound_calls(sandbox), key=lambda c: _at(c, "queued"))
    expected = {
        two_numbers.id: [two_numbers.phone, two_numbers.phone2, two_numbers.phone],
        one_number.id: [one_number.phone] * tries,
    }
    for member in (two_numbers, one_number):
        mine = [c for c in calls if c["to"] in (member.phone, member.phone2)]
        assert [c["to"] for c in mine] == expected[member.id]
        assert [c["status"] for c in mine] == ["busy"] * tries
        for before, after in zip(mine, mine[1:], strict=False):
            gap = _at(after, "queued") - _at(before, "busy")
            assert gap >= delay, f"retry {gap:.3f} s after the busy call ended, < {delay} s"

        delivery = db.session.scalars(select(Delivery).where(
            Delivery.message_id == message.id, Delivery.member_id == member.id)).one()
        assert (delivery.status, delivery.outcome, delivery.attempts) == ("done", "busy", tries)
        attempts = db.session.scalars(select(CallAttempt).where(
            CallAttempt.delivery_id == delivery.id).order_by(CallAttempt.attempt_no)).all()
        assert [a.attempt_no for a in attempts] == list(range(1, tries + 1))
        assert [a.to_number for a in attempts] == expected[member.id]
        assert [a.call_sid for a in attempts] == [c["sid"] for c in mine]
        assert {a.status for a in attempts} == {"busy"}
        for before, after in zip(attempts, attempts[1:], strict=False):
            assert (after.created_at - before.ended_at).total_seconds() >= delay
