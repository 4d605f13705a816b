"""The reconciler: finishes from SQL whatever a dead worker or a lost Redis left behind.

It runs every few seconds in each worker process (`ReconcilerThread`), independent of
the RQ queues being intact; a Redis lock lets one run at a time when Redis is up, and
every step is safe to run twice when it is not. Each pass:

1. plans confirmed messages whose audio is ready but that were never planned;
2. asks the carrier about attempts left in `dialing` without a SID by a dialler that is
   gone (no dialing lease in Redis): adopts the call if it exists, otherwise records that
   no call was made and makes the delivery due again;
3. asks the carrier for the status of calls whose final callback never came;
4. completes messages whose deliveries are all settled, cancels deliveries that a race
   with a cancel made due again, and wakes the dialler if
   deliveries are due (a flushed Redis lost the jobs that would have).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import timedelta

import redis
from flask import Flask, current_app
from sqlalchemy import and_, select, update

from domain import carrier
from domain.broadcast import calls, outcomes
from domain.broadcast.kick import kick_dispatchers
from domain.broadcast.plan import plan_broadcast
from domain.db import db
from domain.models import CallAttempt, Delivery, Message, utcnow
from domain.models.messages import FINAL_ATTEMPT_STATES
from domain.redis_conn import redis_conn

log = logging.getLogger(__name__)
LOCK = "buurtlijn:reconciler"


def reconcile() -> dict[str, int]:
    """One pass; returns what it did, for logs and tests."""
    done = {"planned": 0, "adopted": 0, "not_created": 0, "fetched": 0, "cancelled": 0,
            "settled": 0}
    now = utcnow()
    # Longer than any create request may take (CARRIER_TIMEOUT_S and its retries): what
    # is older than this and still unfinished was left behind by a dead dialler.
    grace = timedelta(seconds=current_app.config["RECONCILE_GRACE_S"])
    for message_id in db.session.scalars(select(Message.id).where(
            Message.status == "confirmed", Message.planned_at.is_(None),
            Message.audio_status == "ready")).all():
        done["planned"] += bool(plan_broadcast(message_id))

    # 2. written as dialing, no SID, and no live dialler holds it: was it created?
    for attempt in db.session.scalars(select(CallAttempt).where(
            CallAttempt.status == "dialing", CallAttempt.call_sid.is_(None),
            CallAttempt.created_at < now - grace)).all():
        if _dialler_alive(attempt.id):
            continue
        if calls.adopt_existing(attempt):
            done["adopted"] += 1
        else:
            done["not_created"] += _no_call_was_made(attempt)

    # 2b. a final attempt whose delivery was never settled (belt and braces: settling
    # shares the attempt's transaction, so this finds nothing unless something is wrong)
    unsettled = db.session.scalars(select(CallAttempt).join(Delivery, and_(
        Delivery.id == CallAttempt.delivery_id, Delivery.attempts == CallAttempt.attempt_no))
        .where(Delivery.status == "calling", CallAttempt.status.in_(FINAL_ATTEMPT_STATES),
               CallAttempt.created_at < now - grace)).all()
    for attempt in unsettled:
        outcomes.settle(attempt.id)
        done["settled"] += 1
    db.session.commit()

    # 3. calls whose final status never arrived
    for attempt in db.session.scalars(select(CallAttempt).where(
            CallAttempt.call_sid.is_not(None),
            CallAttempt.status.not_in(FINAL_ATTEMPT_STATES),
            CallAttempt.created_at < now - asked_after())).all():
        done["fetched"] += _refresh_from_carrier(attempt)

    # 4. complete, and wake the dialler; a delivery made due again in the instant its
    # broadcast was cancelled (a retry or a redial racing the cancel) is cancelled too
    for message_id in db.session.scalars(select(Message.id).where(
            Message.status == "sending")).all():
        outcomes.complete_if_done(message_id)
    cancelled = select(Message.id).where(Message.status == "cancelled")
    done["cancelled"] = db.session.execute(update(Delivery).where(
        Delivery.status == "pending", Delivery.message_id.in_(cancelled))
        .values(status="cancelled", outcome="cancelled")).rowcount
    db.session.commit()
    if _due_work_exists():
        kick_dispatchers()
    return done


def _dialler_alive(attempt_id: int) -> bool:
    """True if a dialler holds the attempt's lease, or if Redis cannot tell (then wait:
    deciding "no call was made" while a request may be in flight could dial twice)."""
    try:
        return calls.dialing_lease_held(attempt_id)
    except redis.RedisError:
        return True


def asked_after() -> timedelta:
    """A call with no final status this long after its attempt was written is asked about:
    ring time and a typical message, or the longest call possible if that is shorter."""
    config = current_app.config
    longest = config["RING_TIMEOUT_S"] + config["CALL_TIME_LIMIT_S"] + 60
    return timedelta(seconds=min(longest, config["RING_TIMEOUT_S"] + 180))


def _no_call_was_made(attempt: CallAttempt) -> int:
    """The carrier has no call for this attempt: it never happened; dial it again."""
    if not outcomes.advance(attempt.id, "failed", error="not created at the carrier",
                            ended_at=utcnow()):
        return 0
    moved = db.session.execute(update(Delivery).where(
        Delivery.id == attempt.delivery_id, Delivery.status == "calling",
        Delivery.attempts == attempt.attempt_no)
        .values(status="pending", next_attempt_at=None)).rowcount
    db.session.commit()
    outcomes.release_slot(attempt.id)
    return moved


def _refresh_from_carrier(attempt: CallAttempt) -> int:
    call = carrier.client().calls(attempt.call_sid).fetch()
    if call.status not in FINAL_ATTEMPT_STATES:
        return 0
    finished = outcomes.record_call_status(attempt.id, attempt.call_sid, call.status,
                                           answered_by=call.answered_by,
                                           duration_s=int(call.duration or 0))
    if finished:
        outcomes.release_slot(attempt.id)
    return 1


def _due_work_exists() -> bool:
    now = utcnow()
    return db.session.scalar(select(Delivery.id).join(Message).where(
        Message.status == "sending", Delivery.status == "pending",
        (Delivery.next_attempt_at.is_(None)) | (Delivery.next_attempt_at <= now),
        (Message.not_before.is_(None)) | (Message.not_before <= now)).limit(1)) is not None


class ReconcilerThread(threading.Thread):
    """Runs `reconcile()` every RECONCILE_INTERVAL_S inside a worker process."""

    def __init__(self, app: Flask) -> None:
        super().__init__(name="reconciler", daemon=True)
        self.app = app
        self.stopping = threading.Event()

    def run(self) -> None:
        interval = self.app.config["RECONCILE_INTERVAL_S"]
        while not self.stopping.wait(interval):
            with self.app.app_context():
                try:
                    self._pass()
                finally:
                    db.session.remove()

    def _pass(self) -> None:
        lock = None
        try:
            lock = redis_conn.client.lock(LOCK, timeout=60, blocking=False)
            if not lock.acquire():
                return
        except redis.RedisError:
            lock = None  # Redis is away: reconcile anyway, every step is idempotent
        try:
            done = reconcile()
            if any(done.values()):
                log.info("reconciler: %s", done)
        except Exception:
            # A failed pass must not kill the thread that protects every broadcast;
            # it is logged with its traceback and the next pass tries again.
            log.exception("reconciler pass failed")
            db.session.rollback()
        finally:
            if lock is not None:
                with contextlib.suppress(redis.RedisError):
                    lock.release()
