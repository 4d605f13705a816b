"""The reconciler: finishes from SQL whatever a dead worker or a lost Redis left behind.

It runs every few seconds in each worker process (`ReconcilerThread`), independent of
the RQ queues being intact; a Redis lock lets one run at a time when Redis is up, and
every pass is safe to run twice when it is not. `reconcile()` runs the passes in `PASSES`,
in order, one function per repair:

1. `plan_forgotten`: confirmed messages whose audio is ready but that were never planned;
2. `resolve_unsent_dials`: attempts left in `dialing` without a SID by a dialler that is
   gone (no dialing lease in Redis): adopt the call if the carrier has it, otherwise
   record that no call was made and make the delivery due again;
3. `settle_unsettled`: a final attempt whose delivery was never settled;
4. `fetch_lost_statuses`: ask the carrier about calls whose final callback never came;
5. `complete_finished`: messages whose deliveries are all settled are completed;
6. `cancel_raced`: deliveries a race with a cancel made due again are cancelled;
7. `wake_dialler`: kick the dialler if deliveries are due (a flushed Redis lost the
   jobs that would have);
8. `mails`, `carrier_recordings`, `retention`: queue lost mails, the carrier deletions
   of processed recordings, and the daily retention run (domain.retention);
9. `prices`: the carrier's price of finished calls, fetched once due (domain.price_checks).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime

import redis
from flask import Flask
from sqlalchemy import and_, select, update

from domain import carrier, carrier_recordings, mail, price_checks, retention
from domain.broadcast import calls, outcomes
from domain.broadcast.kick import kick_dispatchers
from domain.broadcast.plan import plan_broadcast
from domain.broadcast.rules import asked_after, delivery_due, left_behind_after, message_dialling
from domain.db import db
from domain.metrics import RECONCILER_REPAIRS
from domain.models import CallAttempt, Delivery, Message, utcnow
from domain.redis_conn import redis_conn
from domain.status import (
    ATTEMPT,
    AttemptStatus,
    AudioStatus,
    DeliveryStatus,
    MessageStatus,
    Outcome,
)

log = logging.getLogger(__name__)
LOCK = "buurtlijn:reconciler"


def plan_forgotten(now: datetime) -> int:
    """Plan confirmed messages with ready audio whose plan job was lost."""
    planned = 0
    for message_id in db.session.scalars(select(Message.id).where(
            Message.status == MessageStatus.CONFIRMED, Message.planned_at.is_(None),
            Message.audio_status == AudioStatus.READY)).all():
        planned += bool(plan_broadcast(message_id))
    return planned


def resolve_unsent_dials(now: datetime) -> int:
    """Written as dialing, no SID, and no live dialler holds it: was it created?"""
    resolved = 0
    for attempt in db.session.scalars(select(CallAttempt).where(
            CallAttempt.status == AttemptStatus.DIALING, CallAttempt.call_sid.is_(None),
            CallAttempt.created_at < now - left_behind_after())).all():
        if _dialler_alive(attempt.id):
            continue
        if calls.adopt_existing(attempt):
            log.info("attempt %s: its call was made unseen; adopted", attempt.id)
            resolved += 1
        else:
            log.warning("attempt %s: no call at the carrier; dialling again", attempt.id)
            resolved += _no_call_was_made(attempt)
    return resolved


def settle_unsettled(now: datetime) -> int:
    """A final attempt whose delivery is still calling (belt and braces: settling shares
    the attempt's transaction, so this finds nothing unless something is wrong)."""
    unsettled = db.session.scalars(select(CallAttempt).join(Delivery, and_(
        Delivery.id == CallAttempt.delivery_id, Delivery.attempts == CallAttempt.attempt_no))
        .where(Delivery.status == DeliveryStatus.CALLING, CallAttempt.status.in_(ATTEMPT.final),
               CallAttempt.created_at < now - left_behind_after())).all()
    for attempt in unsettled:
        outcomes.settle(attempt.id)
    db.session.commit()
    return len(unsettled)


def fetch_lost_statuses(now: datetime) -> int:
    """Calls whose final status never arrived: ask the carrier."""
    fetched = 0
    for attempt in db.session.scalars(select(CallAttempt).where(
            CallAttempt.call_sid.is_not(None), CallAttempt.status.not_in(ATTEMPT.final),
            CallAttempt.created_at < now - asked_after())).all():
        fetched += _refresh_from_carrier(attempt)
    return fetched


def complete_finished(now: datetime) -> int:
    """Complete messages whose every delivery is settled."""
    sending = db.session.scalars(select(Message.id).where(
        Message.status == MessageStatus.SENDING)).all()
    for message_id in sending:
        outcomes.complete_if_done(message_id)
    db.session.commit()
    return 0  # completing is routine, not a repair worth counting


def cancel_raced(now: datetime) -> int:
    """A delivery made due again in the instant its broadcast was cancelled (a retry or a
    redial racing the cancel) is cancelled too."""
    cancelled = select(Message.id).where(Message.status == MessageStatus.CANCELLED)
    count = db.session.execute(update(Delivery).where(
        Delivery.status == DeliveryStatus.PENDING, Delivery.message_id.in_(cancelled))
        .values(status=DeliveryStatus.CANCELLED, outcome=Outcome.CANCELLED)).rowcount
    db.session.commit()
    return count


def wake_dialler(now: datetime) -> int:
    """Kick the dialler when deliveries are due: the jobs that would have may be lost."""
    due = db.session.scalar(select(Delivery.id).join(Message).where(
        delivery_due(now), message_dialling(now)).limit(1)) is not None
    if due:
        kick_dispatchers()
    return 0  # a kick is cheap and routine


PASSES: dict[str, Callable[[datetime], int]] = {
    "planned": plan_forgotten,
    "dials_resolved": resolve_unsent_dials,
    "settled": settle_unsettled,
    "fetched": fetch_lost_statuses,
    "completed": complete_finished,
    "cancelled": cancel_raced,
    "kicked": wake_dialler,
    "mails": mail.requeue_forgotten,
    "carrier_recordings": carrier_recordings.enqueue_due_deletions,
    "retention": retention.schedule,
    "prices": price_checks.fetch_prices,
}


def reconcile() -> dict[str, int]:
    """One round of every pass; returns what each repaired, for logs and tests."""
    now = utcnow()
    return {name: repair(now) for name, repair in PASSES.items()}


def _dialler_alive(attempt_id: int) -> bool:
    """True if a dialler holds the attempt's lease, or if Redis cannot tell (then wait:
    deciding "no call was made" while a request may be in flight could dial twice).
    Otherwise the reconciler now holds it: a dialler that comes back may not send."""
    try:
        return not calls.take_for_resolving(attempt_id)
    except redis.RedisError:
        return True


def _no_call_was_made(attempt: CallAttempt) -> int:
    """The carrier has no call for this attempt: it never happened; dial it again."""
    if not outcomes.advance(attempt.id, AttemptStatus.FAILED, error="not created at the carrier",
                            ended_at=utcnow()):
        return 0
    moved = db.session.execute(update(Delivery).where(
        Delivery.id == attempt.delivery_id, Delivery.status == DeliveryStatus.CALLING,
        Delivery.attempts == attempt.attempt_no)
        .values(status=DeliveryStatus.PENDING, next_attempt_at=None)).rowcount
    db.session.commit()
    outcomes.release_slot(attempt.id)
    return moved


def _refresh_from_carrier(attempt: CallAttempt) -> int:
    call = carrier.client().calls(attempt.call_sid).fetch()
    if call.status not in ATTEMPT.final:
        return 0
    finished = outcomes.record_call_status(attempt.id, attempt.call_sid, call.status,
                                           answered_by=call.answered_by,
                                           duration_s=int(call.duration or 0))
    if finished:
        outcomes.release_slot(attempt.id)
    return 1


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
            for repair, count in done.items():
                if count:
                    RECONCILER_REPAIRS.labels(repair).inc(count)
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
