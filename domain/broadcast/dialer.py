"""The dialler: claims due deliveries from SQL and creates one carrier call per attempt.

A `dispatch(slot)` job holds a Redis lock for its slot and runs `DIAL_THREADS` threads,
so the carrier's request latency never limits throughput; the pacing in Redis does. Each
thread repeatedly:

1. waits for its start time and a concurrency slot (domain.broadcast.pacing);
2. claims the most urgent due delivery (UPDATE ... WHERE status='pending' RETURNING, so
   two threads or workers never claim the same one) and writes its call attempt as
   `dialing`, in one transaction, *before* the request;
3. passes the CPS gate, then takes the attempt's dialing lease in Redis (a fence: a
   dialler held up until the reconciler took the attempt over sends nothing), creates
   the call, stores the SID.
   429: back off and retry the same attempt. Timeout or 5xx: ask the carrier whether the
   call exists before dialling again.

Urgent messages are claimed before feedback, test and cold ones. The job returns when no
delivery is due, or yields when other urgent work (a recording to process) is waiting.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import redis
import requests
from flask import Flask, current_app
from rq import Queue
from sqlalchemy import (
    Connection,
    Insert,
    Select,
    Update,
    bindparam,
    case,
    func,
    insert,
    select,
    update,
)
from twilio.base.exceptions import TwilioRestException

from domain.broadcast import calls, outcomes
from domain.broadcast.kick import (
    DISPATCH_JOB_PREFIX,
    SLOT_LOCK,
    kick_dispatchers,
    kick_dispatchers_at,
)
from domain.broadcast.pacing import Limits, Pacer
from domain.broadcast.rules import delivery_due, longest_call_s, message_dialling
from domain.db import db
from domain.metrics import CALLS_CREATED, CARRIER_ERRORS, carrier_error_kind
from domain.models import CallAttempt, Delivery, Message, utcnow
from domain.models.messages import PRIORITY
from domain.numbers import is_dialable
from domain.redis_conn import redis_conn
from domain.status import AttemptStatus, DeliveryStatus, MessageStatus, Outcome

log = logging.getLogger(__name__)

CLAIM_RETRIES = 5
CLAIM_WINDOW = 8
SLOT_TTL_S = 120
MAX_CREATE_TRIES = 6
LEASE_TAKE_SLACK_S = 1.0  # calls.create_lease_s() leaves 2 s beyond the request's timeouts
# Urgent alerts go before feedback, test and cold messages (domain.models.messages.PRIORITY).
BY_KIND = case(PRIORITY, value=Message.kind, else_=max(PRIORITY.values()))


def dispatch(slot: int = 0) -> int:
    """Dial every due delivery (one job per slot at a time); returns calls created."""
    app = current_app._get_current_object()
    lock = redis_conn.client.lock(SLOT_LOCK.format(slot), timeout=SLOT_TTL_S, blocking=False,
                                  thread_local=False)
    if not lock.acquire():
        return 0
    try:
        pacer = make_pacer(app)
        stop = threading.Event()
        created = [0] * app.config["DIAL_THREADS"]
        errors: list[BaseException] = []
        threads = [
            threading.Thread(target=_dial_loop,
                             args=(app, pacer, stop, created, i, lock, errors),
                             name=f"dialler-{slot}-{i}", daemon=True)
            for i in range(len(created))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        with contextlib.suppress(redis.RedisError):
            lock.release()
    if errors:
        raise errors[0]  # let RQ record the failure; the reconciler finishes the work
    _schedule_next()
    return sum(created)


def make_pacer(app: Flask) -> Pacer:
    config = app.config
    lease = longest_call_s()
    headroom = config["PACING_HEADROOM"]
    cps = config["CARRIER_CPS"] / (1 + headroom)
    # Half the headroom lets a thread that woke late catch up without the gate holding
    # the next; the other half is the gate's allowance for request latency
    # (domain.broadcast.pacing; measured in bench/headroom.py, docs/headroom.md).
    return Pacer(redis_conn.client, Limits(cps, config["CARRIER_MAX_CONCURRENT"], lease,
                                           window_limit=int(config["CARRIER_CPS"]),
                                           window_s=1.0 + headroom / 2))


def _dial_loop(app: Flask, pacer: Pacer, stop: threading.Event, created: list[int], index: int,
               lock, errors: list[BaseException]) -> None:
    with app.app_context():
        try:
            while not stop.is_set():
                # The start time and slot come first, the claim right before the request:
                # a delivery is never held claimed while its dialler waits for capacity.
                ticket = f"t{uuid.uuid4().hex}"
                _wait_for_start(pacer, ticket)
                attempt = claim_next_attempt()
                if attempt is None:
                    pacer.release(ticket)
                    break
                pacer.transfer(ticket, f"a{attempt.id}")
                created[index] += create_call(attempt, pacer)
                if index == 0:
                    lock.extend(SLOT_TTL_S, replace_ttl=True)
                    if _other_urgent_work_waiting():
                        stop.set()
        except BaseException as exc:  # noqa: BLE001  (handed to the job's thread, re-raised)
            errors.append(exc)
            stop.set()
        finally:
            db.session.remove()


def _other_urgent_work_waiting() -> bool:
    """A recording waiting to be processed must not sit behind a long cold broadcast."""
    waiting = Queue("urgent", connection=redis_conn.client).get_job_ids(0, 20)
    return any(not job_id.startswith(DISPATCH_JOB_PREFIX) for job_id in waiting)


# The claim runs once per call at the full carrier rate, so its statements are built once
# per process (building one costs more CPU than running it) and run on the connection.

@functools.cache
def _most_urgent_message() -> Select:
    now = bindparam("p_now")
    return (
        select(Message.id).where(
            message_dialling(now),
            select(Delivery.id).where(Delivery.message_id == Message.id,
                                      delivery_due(now)).exists(),
        ).order_by(BY_KIND, Message.confirmed_at, Message.id).limit(1)
    )


@functools.cache
def _candidates_queries() -> tuple[Select, Select]:
    """Up to CLAIM_WINDOW due deliveries of the message: first calls before retries, each
    in id order. Two queries that walk ix_deliveries_message_status and stop after a few
    rows; one ORDER BY over both kinds sorted every pending delivery on every claim."""
    pending = ((Delivery.message_id == bindparam("p_message"))
               & (Delivery.status == DeliveryStatus.PENDING))
    return tuple(
        select(Delivery.id).where(pending, due).order_by(Delivery.id).limit(CLAIM_WINDOW)
        .with_for_update(skip_locked=True)
        for due in (Delivery.next_attempt_at.is_(None),
                    Delivery.next_attempt_at <= bindparam("p_now"))
    )


@functools.cache
def _claim() -> Update:
    now = bindparam("p_now")
    return (
        update(Delivery).where(Delivery.id == bindparam("p_id"), delivery_due(now))
        .values(status=DeliveryStatus.CALLING, attempts=Delivery.attempts + 1, updated_at=now)
        .returning(Delivery.id, Delivery.attempts, Delivery.phone, Delivery.phone2)
    )


@functools.cache
def _new_attempt() -> Insert:
    return insert(CallAttempt).returning(CallAttempt.id)


def _candidates(connection: Connection, message_id: int, now) -> list[int]:
    for query in _candidates_queries():
        ids = connection.scalars(query, {"p_message": message_id, "p_now": now}).all()
        if ids:
            return list(ids)
    return []


def claim_next_attempt() -> CallAttempt | None:
    """Claim the most urgent due delivery and write its attempt as `dialing`, in one
    transaction: a delivery being called always has its attempt row.

    The attempt returned is a snapshot of the row just written, outside the session:
    what changes it later does so by id, in SQL."""
    for _ in range(CLAIM_RETRIES):
        now = utcnow()
        connection = db.session.connection()
        message_id = connection.scalar(_most_urgent_message(), {"p_now": now})
        if message_id is None:
            db.session.rollback()
            return None
        candidates = _candidates(connection, message_id, now)
        if not candidates:
            db.session.rollback()
            continue
        row = connection.execute(_claim(), {"p_id": random.choice(candidates),
                                            "p_now": now}).first()
        if row is None:
            db.session.rollback()  # another dialler was quicker
            continue
        delivery_id, attempt_no, phone, phone2 = row
        number = _number_to_dial(attempt_no, phone, phone2)
        fields = {"delivery_id": delivery_id, "attempt_no": attempt_no,
                  "to_number": number or phone, "status": AttemptStatus.DIALING, "created_at": now}
        if number is None:
            fields.update(status=AttemptStatus.FAILED, error="number not allowed for dialling")
        attempt = CallAttempt(id=connection.scalar(_new_attempt(), fields), **fields)
        if number is None:
            outcomes.close_delivery(db.session.get(Delivery, delivery_id), Outcome.FAILED)
            db.session.commit()
            continue
        db.session.commit()  # the attempt exists before the carrier hears of it
        return attempt
    return None


def _number_to_dial(attempt_no: int, phone: str, phone2: str | None) -> str | None:
    """Odd attempts ring the main number, even ones the second (when there is one); a
    number outside ALLOWED_COUNTRIES or of a refused type is never dialled."""
    allowed = current_app.config["ALLOWED_COUNTRIES"]
    order = [phone2, phone] if phone2 and attempt_no % 2 == 0 else [phone, phone2]
    return next((n for n in order if n and is_dialable(n, allowed)), None)


def create_call(attempt: CallAttempt, pacer: Pacer) -> int:
    """Create the attempt's call at most once; returns 1 if we know the call exists.

    429 is a clear "not created": back off and send again. A 5xx or a timeout is not clear:
    the request may still be on its way and create the call later, so one look at the
    carrier's call list can't prove it wasn't made. Such an attempt is adopted if its call
    is already listed; otherwise it is left to the reconciler, which looks again after
    RECONCILE_GRACE_S, when a late request has landed or is lost for good. Each request
    goes out only under this dialler's dialing lease (domain.broadcast.calls): one held up
    until the reconciler took the attempt over is dropped, not sent.
    """
    key = f"a{attempt.id}"
    owner = f"dialler:{uuid.uuid4().hex}"
    for try_no in range(MAX_CREATE_TRIES):
        if try_no:
            _wait_for_start(pacer, key)  # a retried request needs a start of its own
        sent_at = datetime.fromtimestamp(pacer.gate(f"{key}:{try_no}"), UTC)
        # The lease is taken after the gate, right before the request: the gate may wait
        # (a full window, or a Redis reply held up by a network cut for longer than the
        # lease), and a request sent after such a wait could follow the reconciler's redial.
        if not _hold_for_request(attempt.id, owner):
            pacer.release(key)
            log.warning("attempt %s: taken over by the reconciler; not sent", attempt.id)
            return 0
        try:
            call = calls.create(attempt)
        except TwilioRestException as exc:
            if exc.status == 429 or exc.status >= 500:
                CARRIER_ERRORS.labels(carrier_error_kind(exc.status)).inc()
            if exc.status == 429:
                time.sleep(min(0.25 * 2 ** try_no, 4.0))
                continue
            if exc.status >= 500:
                return _unclear(attempt, owner, f"HTTP {exc.status}")
            pacer.release(key)
            outcomes.attempt_refused(attempt, f"{exc.code}: {exc.msg}")
            return 0
        except requests.RequestException as exc:
            CARRIER_ERRORS.labels(carrier_error_kind(None)).inc()
            return _unclear(attempt, owner, exc.__class__.__name__)
        outcomes.call_created(attempt, call.sid, call.status, dialed_at=sent_at)
        CALLS_CREATED.inc()
        log.info("call created", extra={"delivery_id": attempt.delivery_id,
                                        "attempt_id": attempt.id, "call_sid": call.sid})
        return 1
    return _unclear(attempt, owner, f"{MAX_CREATE_TRIES} times 429")


def _hold_for_request(attempt_id: int, owner: str) -> bool:
    """Take the dialing lease with nearly all of its time left for the request.

    The lease runs from when Redis ran the take, which may be long before its reply
    arrives here (a network cut holds both); a take that took over a second is taken again,
    so the request, bounded by domain.carrier's timeouts, always ends inside the lease."""
    while True:
        asked = time.monotonic()
        if not calls.take_dialing_lease(attempt_id, owner, calls.create_lease_s()):
            return False
        if time.monotonic() - asked < LEASE_TAKE_SLACK_S:
            return True


def _unclear(attempt: CallAttempt, owner: str, why: str) -> int:
    if calls.adopt_existing(attempt):
        return 1
    # Kept off the reconciler a while longer, while ours: a late request may still land.
    calls.take_dialing_lease(attempt.id, owner, current_app.config["RECONCILE_GRACE_S"])
    log.warning("create for attempt %s unclear (%s): left to the reconciler", attempt.id, why)
    return 0


def _wait_for_start(pacer: Pacer, key: str) -> None:
    while True:
        wait = pacer.reserve(key)
        if wait is not None:
            if wait > 0:
                time.sleep(wait)
            return
        time.sleep(0.05)  # every concurrent slot is taken


def _schedule_next() -> None:
    """After a run: wake up again now if work is due (a yield, or work that came due
    meanwhile), else when the next retry or the end of the quiet hours is due."""
    now = utcnow()
    pending = (select(func.min(func.coalesce(Delivery.next_attempt_at, Message.not_before, now)))
               .join(Message).where(Delivery.status == DeliveryStatus.PENDING,
                                    Message.status == MessageStatus.SENDING))
    next_due = db.session.scalar(pending)
    db.session.remove()
    if next_due is None:
        return
    if next_due <= now + timedelta(seconds=0.5):
        kick_dispatchers()
    else:
        kick_dispatchers_at(next_due)
