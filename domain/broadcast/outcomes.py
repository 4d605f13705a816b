"""What the carrier said about a call, applied to SQL: attempts only move forward.

Status callbacks come late, twice, out of order, or for SIDs we never saw. Every change
here is a conditional UPDATE (`... WHERE status IN (earlier states)`), so a duplicate or a
late callback changes nothing, and only the one request that moves an attempt to its
final state goes on to settle the delivery (done, or a retry scheduled).
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

import redis
from flask import current_app
from sqlalchemy import String, Update, bindparam, case, func, or_, select, update

from domain.broadcast.kick import kick_dispatchers_at
from domain.broadcast.pacing import INFLIGHT_KEY
from domain.db import db
from domain.metrics import CALL_OUTCOMES
from domain.models import CallAttempt, Delivery, Message, run_alone, utcnow
from domain.price_checks import price_fields
from domain.redis_conn import redis_conn
from domain.status import (
    ATTEMPT,
    DELIVERY,
    AttemptStatus,
    DeliveryStatus,
    MessageStatus,
    Outcome,
)

log = logging.getLogger(__name__)
MACHINE = ("machine", "fax")


def _attempt_status(status: str) -> AttemptStatus | None:
    try:
        return AttemptStatus(status)
    except ValueError:
        return None  # a status we do not know moves nothing


def advance(attempt_id: int, status: str, **fields) -> bool:
    """Move an attempt to `status` if that is forward; True when this call moved it."""
    new = _attempt_status(status)
    if new is None:
        return False
    earlier = ATTEMPT.sources(new)
    moved = db.session.execute(
        update(CallAttempt).where(CallAttempt.id == attempt_id, CallAttempt.status.in_(earlier))
        .values(status=new, **fields)
    ).rowcount
    return moved == 1


def call_created(attempt: CallAttempt, sid: str, status: str | None,
                 dialed_at: datetime | None = None) -> None:
    """The carrier accepted the call: store its SID (a callback may have done so first)
    and when the create request that made it was sent, in one statement."""
    early = (AttemptStatus.QUEUED, AttemptStatus.INITIATED, AttemptStatus.RINGING)
    status = AttemptStatus(status) if status in early else AttemptStatus.QUEUED
    earlier = ATTEMPT.sources(status)
    # In the session, not run_alone: the reconciler and the dialler call this with their
    # session in use, and on SQLite a second connection would wait on their write lock.
    db.session.connection().execute(_created(), {
        "p_id": attempt.id, "p_sid": sid, "p_status": status, "p_earlier": earlier,
        "p_dialed_at": dialed_at})
    db.session.commit()


@functools.cache
def _created() -> Update:
    return (
        update(CallAttempt).where(CallAttempt.id == bindparam("p_id"))
        .values(dialed_at=bindparam("p_dialed_at"),
                call_sid=func.coalesce(CallAttempt.call_sid, bindparam("p_sid", type_=String)),
                status=case((CallAttempt.status.in_(bindparam("p_earlier", expanding=True)),
                             bindparam("p_status")), else_=CallAttempt.status))
    )


def record_call_status(attempt_id: int, sid: str | None, status: str,
                       answered_by: str | None = None, duration_s: int | None = None) -> bool:
    """Apply a status callback; True when it finished the attempt (the caller releases
    the concurrency slot)."""
    if status in ATTEMPT.final:
        return _record_final(attempt_id, sid, status, answered_by, duration_s)
    attempt = db.session.get(CallAttempt, attempt_id)
    if attempt is None or (sid and attempt.call_sid not in (None, sid)):
        _log_ignored(attempt_id, sid, status, attempt)
        return False
    if sid and attempt.call_sid is None:
        db.session.execute(update(CallAttempt).where(
            CallAttempt.id == attempt.id, CallAttempt.call_sid.is_(None)).values(call_sid=sid))
    fields = {"answered_at": utcnow()} if status == AttemptStatus.IN_PROGRESS else {}
    if answered_by:
        fields["answered_by"] = answered_by
    advance(attempt.id, status, **fields)
    db.session.commit()
    return False


def _record_final(attempt_id: int, sid: str | None, status: str, answered_by: str | None,
                  duration_s: int | None) -> bool:
    """The final status callback of a call, at the peak of a broadcast once per call: one
    conditional UPDATE finishes the attempt, and an answered call closes its delivery with
    one more. Only a call that was not answered takes the general path (retry or close).
    A final status without a SID can only finish an attempt that has none either: for one
    with a SID, nothing says the news is about its call."""
    now = utcnow()
    finished = db.session.connection().execute(_finish_attempt(), {
        "p_id": attempt_id, "p_sid": sid, "p_status": status, "p_now": now,
        "p_duration": duration_s, "p_answered_by": answered_by,
        **price_fields(status, now),
    }).first()
    if finished is None:
        db.session.rollback()
        _log_ignored(attempt_id, sid, status, db.session.get(CallAttempt, attempt_id))
        return False
    if status == AttemptStatus.COMPLETED:  # what settle() would do, without reading the rows again
        _close_answered(finished.delivery_id, finished.attempt_no, finished.answered_by)
    else:
        settle(attempt_id)
    db.session.commit()
    return True


@functools.cache
def _finish_attempt() -> Update:
    """Built once per process: building a statement costs more CPU than running it. Moves
    a not yet final attempt of this SID (or of no SID yet) to its final state."""
    not_final = ATTEMPT.open()
    sid = bindparam("p_sid", type_=String)
    return (
        update(CallAttempt)
        .where(CallAttempt.id == bindparam("p_id"), CallAttempt.status.in_(not_final),
               or_(CallAttempt.call_sid.is_(None), CallAttempt.call_sid == sid))
        .values(status=bindparam("p_status"), ended_at=bindparam("p_now"),
                duration_s=bindparam("p_duration"),
                price=bindparam("p_price"), price_unit=bindparam("p_price_unit"),
                price_check_at=bindparam("p_price_check_at"),
                call_sid=func.coalesce(CallAttempt.call_sid, sid),
                answered_by=func.coalesce(bindparam("p_answered_by", type_=String),
                                          CallAttempt.answered_by))
        .returning(CallAttempt.delivery_id, CallAttempt.attempt_no, CallAttempt.answered_by)
    )


def _close_answered(delivery_id: int, attempt_no: int, answered_by: str | None) -> None:
    """An answered call closes its delivery (reached in person, or by voicemail), if it is
    that delivery's latest attempt."""
    outcome = Outcome.MACHINE if (answered_by or "").startswith(MACHINE) else Outcome.HUMAN
    closed = db.session.connection().execute(_close_answered_statement(), {
        "p_id": delivery_id, "p_attempt_no": attempt_no, "p_outcome": outcome}).first()
    if closed is not None:
        CALL_OUTCOMES.labels(outcome).inc()
        complete_if_done(closed.message_id)


@functools.cache
def _close_answered_statement() -> Update:
    return (
        update(Delivery)
        .where(Delivery.id == bindparam("p_id"), Delivery.status == DeliveryStatus.CALLING,
               Delivery.attempts == bindparam("p_attempt_no"))
        .values(status=DeliveryStatus.DONE, outcome=bindparam("p_outcome"))
        .returning(Delivery.message_id)
    )


def _log_ignored(attempt_id: int, sid: str | None, status: str,
                 attempt: CallAttempt | None) -> None:
    """Why a status changed nothing: a duplicate (normal, not logged), or a stranger
    (worth a line)."""
    if attempt is None:
        log.info("status %s for unknown attempt %s (%s) ignored", status, attempt_id, sid)
    elif attempt.call_sid not in (None, sid):
        log.warning("status for %s does not match attempt %s (%s); ignored", sid, attempt_id,
                    attempt.call_sid)


@functools.cache
def _answered() -> Update:
    """Detection's verdict, which only comes for an answered call: `in-progress` from
    here (unless a final status came first), answered when detection started."""
    before = ATTEMPT.sources(AttemptStatus.IN_PROGRESS)
    return (
        update(CallAttempt).where(CallAttempt.id == bindparam("p_id"))
        .values(answered_by=bindparam("p_answered_by"),
                answered_at=func.coalesce(CallAttempt.answered_at, bindparam("p_answered_at")),
                status=case((CallAttempt.status.in_(before), AttemptStatus.IN_PROGRESS),
                            else_=CallAttempt.status))
        .returning(CallAttempt.call_sid)
    )


def record_answered_by(attempt_id: int, answered_by: str,
                       detection_ms: int = 0) -> str | None:
    """Store who answered; returns the call's SID (None: unknown attempt or no SID yet)."""
    answered_at = utcnow() - timedelta(milliseconds=max(0, detection_ms))
    row = run_alone(_answered(), {"p_id": attempt_id, "p_answered_by": answered_by,
                                  "p_answered_at": answered_at})
    return row.call_sid if row else None


def attempt_refused(attempt: CallAttempt, error: str) -> None:
    """The carrier refused the create request (not 429/5xx): the attempt failed."""
    if advance(attempt.id, AttemptStatus.FAILED, error=error[:500], ended_at=utcnow()):
        settle(attempt.id)
    db.session.commit()


def settle(attempt_id: int) -> None:
    """The attempt is final: close its delivery, or schedule the next attempt. Takes an id
    and reads the rows afresh: a caller's session may hold them as they were before the
    UPDATE that made the attempt final (the reconciler's does)."""
    attempt = db.session.get(CallAttempt, attempt_id, populate_existing=True)
    if attempt.status == AttemptStatus.COMPLETED:
        _close_answered(attempt.delivery_id, attempt.attempt_no, attempt.answered_by)
        return
    delivery = db.session.get(Delivery, attempt.delivery_id, populate_existing=True)
    if delivery.status != DeliveryStatus.CALLING or delivery.attempts != attempt.attempt_no:
        return  # an older attempt's late news
    message = db.session.get(Message, delivery.message_id, populate_existing=True)
    if message.status == MessageStatus.CANCELLED:
        close_delivery(delivery, Outcome.CANCELLED)
    elif _may_retry(delivery):
        due = utcnow() + timedelta(seconds=current_app.config["RETRY_DELAY_S"])
        still_sending = select(Message.id).where(Message.id == delivery.message_id,
                                                 Message.status == MessageStatus.SENDING
                                                 ).exists()
        moved = db.session.execute(update(Delivery).where(
            Delivery.id == delivery.id, Delivery.status == DeliveryStatus.CALLING,
            still_sending)
            .values(status=DeliveryStatus.PENDING, next_attempt_at=due)).rowcount
        if not moved:  # cancelled since we looked
            close_delivery(delivery, Outcome.CANCELLED)
            return
        db.session.commit()
        kick_dispatchers_at(due)
    else:
        outcome = (Outcome.FAILED if attempt.status == AttemptStatus.CANCELED
                   else Outcome(attempt.status))
        close_delivery(delivery, outcome)


def _may_retry(delivery: Delivery) -> bool:
    """MAX_ATTEMPTS counts calls the member's phone could ring: attempts the carrier never
    created (an outage, a refused number) do not use one up, up to a hard cap."""
    limit = current_app.config["MAX_ATTEMPTS"]
    rang = db.session.scalar(select(func.count(CallAttempt.id)).where(
        CallAttempt.delivery_id == delivery.id, CallAttempt.call_sid.is_not(None)))
    return rang < limit and delivery.attempts < 2 * limit


def close_delivery(delivery: Delivery, outcome: str) -> None:
    status = DeliveryStatus.CANCELLED if outcome == Outcome.CANCELLED else DeliveryStatus.DONE
    closed = db.session.execute(update(Delivery).where(
        Delivery.id == delivery.id, Delivery.status.in_(DELIVERY.sources(status)))
        .values(status=status, outcome=outcome)).rowcount
    if closed:
        CALL_OUTCOMES.labels(str(outcome)).inc()
    complete_if_done(delivery.message_id)


def complete_if_done(message_id: int) -> None:
    """A message whose every delivery is settled is completed."""
    db.session.connection().execute(_complete_if_done(), {"p_id": message_id, "p_now": utcnow()})


@functools.cache
def _complete_if_done() -> Update:
    """Built once: it runs once per settled delivery."""
    message_id = bindparam("p_id")
    open_deliveries = select(Delivery.id).where(
        Delivery.message_id == message_id, Delivery.status.in_(DELIVERY.open())).exists()
    return (
        update(Message).where(Message.id == message_id,
                              Message.status == MessageStatus.SENDING, ~open_deliveries)
        .values(status=MessageStatus.COMPLETED, completed_at=bindparam("p_now"))
    )


def release_slot(attempt_id: int) -> None:
    """Free the attempt's concurrency slot; if Redis is away its lease expires instead."""
    try:
        redis_conn.client.zrem(INFLIGHT_KEY, f"a{attempt_id}")
    except redis.RedisError as exc:
        log.warning("slot of attempt %s not released (%s); its lease will expire", attempt_id,
                    exc.__class__.__name__)
