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


def sent_at_gate() -> dict[str, float]:
    """When our send gate let each call's create request go (Redis's clock, as dialed_at),
    by call SID. A call whose create response never reached its dialler (a cut, a crash)
    has its SID from a callback and no such time."""
    from datetime import UTC
    return {sid: (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()  # SQLite: naive
            for sid, at in db.session.execute(select(CallAttempt.call_sid, CallAttempt.dialed_at)
                                              .where(CallAttempt.call_sid.is_not(None),
                                                     CallAttempt.dialed_at.is_not(None))).all()}


def _windows(times: dict[str, float], width: float):
    """Every window [t, t + width) that starts at one of `times`, as the SIDs in it."""
    ordered = sorted(times.items(), key=lambda item: item[1])
    end = 0
    for start, (_, t) in enumerate(ordered):
        while end < len(ordered) and ordered[end][1] < t + width:
            end += 1
        yield [sid for sid, _ in ordered[start:end]]


def assert_paced(received: dict[str, float], sent: dict[str, float], cps: int,
                 headroom: float) -> int:
    """The pacing as the design promises it (domain.broadcast.pacing, docs/headroom.md),
    checked on both clocks; returns how many requests took longer than the allowance.

    At our gate: never more than `cps` sends in any 1 + headroom/2 seconds; exact, on the
    shared clock. At the carrier (`received`, the sandbox's own create times): never more
    than `cps` in any one second, unless a request in that second took longer from the
    gate to the carrier than the gate allows for (headroom/2): a request held up on a
    loaded machine lands in the next second, which no client-side pacing can prevent,
    and which the real carrier queues rather than refuses. A call with no known send
    time (`sent_at_gate`) counts as held up."""
    allowance = headroom / 2
    gate_window = 1.0 + allowance - 1e-5  # the gate's window, less the stored precision
    for window in _windows({sid: sent[sid] for sid in received if sid in sent}, gate_window):
        assert len(window) <= cps, f"{len(window)} sends within {gate_window:.3f} s at the gate"
    late = {sid for sid, t in received.items() if sid not in sent or t - sent[sid] > allowance}
    for window in _windows(received, 1.0):
        if len(window) > cps:
            transit = sorted(round((received[s] - sent[s]) * 1000, 1) for s in window
                             if s in sent)
            assert late.intersection(window), (
                f"{len(window)} creates in 1 s at the carrier, each within the gate's "
                f"{allowance * 1000:.0f} ms allowance (ms from gate to carrier: {transit})")
    return len(late)
