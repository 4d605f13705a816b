"""Shared steps of the broadcast end-to-end tests: set up members, run, check invariants."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from domain.db import db
from domain.models import CallAttempt, Delivery, Message
from tests.factories import make_bin, make_member, make_message
from tests.support import wait_for

FINAL = {"completed", "busy", "no-answer", "failed", "canceled"}


def members_with_message(count: int, first: int = 200001, **message_fields):
    """`count` members of one BIN, each with their own mobile number, and a message."""
    bin_ = make_bin(db)
    members = [make_member(db, bins=[bin_], phone=f"+32470{first + i:06d}")
               for i in range(count)]
    return members, make_message(db, bins=[bin_], **message_fields)


def settled(message_id: int, timeout: float = 40.0, workers=None) -> Message:
    def done():
        db.session.expire_all()
        message = db.session.get(Message, message_id)
        return message if message.status in ("completed", "cancelled", "refused") else None

    try:
        return wait_for(done, timeout=timeout)
    except AssertionError:
        if workers is not None:
            print(workers.logs())
        raise


def outbound_calls(sandbox) -> list[dict]:
    return [c for c in sandbox.calls() if c["direction"].startswith("outbound")]


def calls_per_number(sandbox) -> Counter:
    return Counter(c["to"] for c in outbound_calls(sandbox))


def assert_one_call_per_attempt(sandbox, message_id: int) -> None:
    """Every carrier call belongs to exactly one attempt and every attempt to one call."""
    sandbox.wait_idle(10)
    db.session.expire_all()
    attempts = db.session.scalars(
        select(CallAttempt).join(Delivery).where(Delivery.message_id == message_id)).all()
    carrier_sids = sorted(c["sid"] for c in outbound_calls(sandbox))
    attempt_sids = sorted(a.call_sid for a in attempts if a.call_sid)
    assert attempt_sids == carrier_sids
    assert all(a.status in FINAL for a in attempts), [(a.id, a.status) for a in attempts]
    deliveries = db.session.scalars(
        select(Delivery).where(Delivery.message_id == message_id)).all()
    assert all(d.status in ("done", "cancelled") for d in deliveries)
