"""What the carrier said about a call, applied to SQL: attempts only move forward.

Status callbacks come late, twice, out of order, or for SIDs we never saw. Every change
here is a conditional UPDATE (`... WHERE status IN (earlier states)`), so a duplicate or a
late callback changes nothing, and only the one request that moves an attempt to its
final state goes on to settle the delivery (done, or a retry scheduled).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import redis
from flask import current_app
from sqlalchemy import func, select, update

from ivr.extensions import db, redis_conn
from ivr.models import CallAttempt, Delivery, Message, utcnow
from ivr.models.messages import ATTEMPT_ORDER, FINAL_ATTEMPT_STATES
from jobs.kick import kick_dispatchers_at
from jobs.pacing import INFLIGHT_KEY

log = logging.getLogger(__name__)
MACHINE = ("machine", "fax")


def advance(attempt_id: int, status: str, **fields) -> bool:
    """Move an attempt to `status` if that is forward; True when this call moved it."""
    rank = ATTEMPT_ORDER.get(status)
    if rank is None:
        return False
    earlier = [s for s, r in ATTEMPT_ORDER.items() if r < rank]
    moved = db.session.execute(
        update(CallAttempt).where(CallAttempt.id == attempt_id, CallAttempt.status.in_(earlier))
        .values(status=status, **fields)
    ).rowcount
    return moved == 1


def call_created(attempt: CallAttempt, sid: str, status: str | None,
                 dialed_at: datetime | None = None) -> None:
    """The carrier accepted the call: store its SID (a callback may have done so first)
    and when the create request that made it was sent."""
    db.session.execute(
        update(CallAttempt).where(CallAttempt.id == attempt.id).values(dialed_at=dialed_at))
    db.session.execute(
        update(CallAttempt).where(CallAttempt.id == attempt.id, CallAttempt.call_sid.is_(None))
        .values(call_sid=sid)
    )
    advance(attempt.id, status if status in ("queued", "initiated", "ringing") else "queued")
    db.session.commit()


def record_call_status(attempt_id: int, sid: str | None, status: str,
                       answered_by: str | None = None, duration_s: int | None = None) -> bool:
    """Apply a status callback; True when it finished the attempt (the caller releases
    the concurrency slot)."""
    attempt = db.session.get(CallAttempt, attempt_id)
    if attempt is None:
        log.info("status %s for unknown attempt %s (%s) ignored", status, attempt_id, sid)
        return False
    if sid and attempt.call_sid is None:
        db.session.execute(update(CallAttempt).where(
            CallAttempt.id == attempt.id, CallAttempt.call_sid.is_(None)).values(call_sid=sid))
    elif sid and attempt.call_sid != sid:
        log.warning("status for %s does not match attempt %s (%s); ignored", sid, attempt.id,
                    attempt.call_sid)
        return False
    now = utcnow()
    fields: dict = {}
    if status == "in-progress":
        fields["answered_at"] = now
    if status in FINAL_ATTEMPT_STATES:
        fields.update(ended_at=now, duration_s=duration_s)
    if answered_by:
        fields["answered_by"] = answered_by
    moved = advance(attempt.id, status, **fields)
    if moved and status in FINAL_ATTEMPT_STATES:
        db.session.refresh(attempt)
        settle(attempt)
    db.session.commit()
    return moved and status in FINAL_ATTEMPT_STATES


def record_answered_by(attempt_id: int, answered_by: str) -> CallAttempt | None:
    attempt = db.session.get(CallAttempt, attempt_id)
    if attempt is not None:
        attempt.answered_by = answered_by
        db.session.commit()
    return attempt


def attempt_refused(attempt: CallAttempt, error: str) -> None:
    """The carrier refused the create request (not 429/5xx): the attempt failed."""
    if advance(attempt.id, "failed", error=error[:500], ended_at=utcnow()):
        db.session.refresh(attempt)
        settle(attempt)
    db.session.commit()


def settle(attempt: CallAttempt) -> None:
    """The attempt is final: close its delivery, or schedule the next attempt."""
    delivery = db.session.get(Delivery, attempt.delivery_id)
    db.session.refresh(delivery)
    if delivery.status != "calling" or delivery.attempts != attempt.attempt_no:
        return  # an older attempt's late news
    message = delivery.message
    if attempt.status == "completed":
        machine = (attempt.answered_by or "").startswith(MACHINE)
        close_delivery(delivery, "machine" if machine else "human")
    elif message.status == "cancelled":
        close_delivery(delivery, "cancelled")
    elif _may_retry(delivery):
        due = utcnow() + timedelta(seconds=current_app.config["RETRY_DELAY_S"])
        still_sending = select(Message.id).where(Message.id == delivery.message_id,
                                                 Message.status == "sending").exists()
        moved = db.session.execute(update(Delivery).where(
            Delivery.id == delivery.id, Delivery.status == "calling", still_sending)
            .values(status="pending", next_attempt_at=due)).rowcount
        if not moved:  # cancelled since we looked
            close_delivery(delivery, "cancelled")
            return
        db.session.commit()
        kick_dispatchers_at(due)
    else:
        outcome = "failed" if attempt.status == "canceled" else attempt.status
        close_delivery(delivery, outcome)


def _may_retry(delivery: Delivery) -> bool:
    """MAX_ATTEMPTS counts calls the member's phone could ring: attempts the carrier never
    created (an outage, a refused number) do not use one up, up to a hard cap."""
    limit = current_app.config["MAX_ATTEMPTS"]
    rang = db.session.scalar(select(func.count(CallAttempt.id)).where(
        CallAttempt.delivery_id == delivery.id, CallAttempt.call_sid.is_not(None)))
    return rang < limit and delivery.attempts < 2 * limit


def close_delivery(delivery: Delivery, outcome: str) -> None:
    status = "cancelled" if outcome == "cancelled" else "done"
    db.session.execute(update(Delivery).where(
        Delivery.id == delivery.id, Delivery.status.in_(("pending", "calling")))
        .values(status=status, outcome=outcome))
    complete_if_done(delivery.message_id)


def complete_if_done(message_id: int) -> None:
    """A message whose every delivery is settled is completed."""
    open_deliveries = select(Delivery.id).where(
        Delivery.message_id == message_id, Delivery.status.in_(("pending", "calling"))).exists()
    db.session.execute(
        update(Message).where(Message.id == message_id, Message.status == "sending",
                              ~open_deliveries)
        .values(status="completed", completed_at=utcnow()))


def release_slot(attempt_id: int) -> None:
    """Free the attempt's concurrency slot; if Redis is away its lease expires instead."""
    try:
        redis_conn.client.zrem(INFLIGHT_KEY, f"a{attempt_id}")
    except redis.RedisError as exc:
        log.warning("slot of attempt %s not released (%s); its lease will expire", attempt_id,
                    exc.__class__.__name__)
