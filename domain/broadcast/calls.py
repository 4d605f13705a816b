"""Creating a member call at the carrier, and finding one whose creation went unanswered.

The create-call request has no idempotency key, so after a timeout or a 5xx the only safe
question is "does a call to this number from our caller ID, started since this attempt was
written, already exist?" — asked before anything is dialled again.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from twilio.rest.api.v2010.account.call import CallInstance

from domain import carrier
from domain.broadcast import outcomes
from domain.db import db
from domain.metrics import CALLS_CREATED
from domain.models import CallAttempt
from domain.public_urls import public_url
from domain.redis_conn import redis_conn

CLOCK_SKEW = timedelta(seconds=5)
DIALING_LEASE = "buurtlijn:dialing:{}"
STATUS_EVENTS = ["completed"]


def hold_dialing_lease(attempt: CallAttempt, seconds: float | None = None) -> None:
    """Keep the reconciler off this attempt: a live dialler owns its create request (by
    default for one request's timeout), or a request of unclear fate may still land."""
    timeout = seconds if seconds is not None else current_app.config["CARRIER_TIMEOUT_S"] + 2
    redis_conn.client.set(DIALING_LEASE.format(attempt.id), 1, ex=max(1, int(timeout)))


def dialing_lease_held(attempt_id: int) -> bool:
    return bool(redis_conn.client.exists(DIALING_LEASE.format(attempt_id)))


def webhook_url(path: str, attempt: CallAttempt) -> str:
    """The member call's webhooks carry the attempt id (see ivr.member_calls)."""
    return public_url(f"/voice/member/{path}", attempt=attempt.id)


def create(attempt: CallAttempt) -> CallInstance:
    """One create-call request for `attempt`, with answering-machine detection."""
    config = current_app.config
    return carrier.client().calls.create(
        to=attempt.to_number,
        from_=config["CALLER_ID"],
        url=webhook_url("answer", attempt),
        method="POST",
        status_callback=webhook_url("status", attempt),
        status_callback_method="POST",
        # Only the final status: the detection callback already says the call was answered
        # (and when), so "answered" (like "initiated" and "ringing") would be one more
        # webhook per call at the peak of a broadcast that changes nothing we act on.
        status_callback_event=STATUS_EVENTS,
        machine_detection="DetectMessageEnd",
        async_amd="true",
        async_amd_status_callback=webhook_url("amd", attempt),
        async_amd_status_callback_method="POST",
        timeout=config["RING_TIMEOUT_S"],
        time_limit=config["CALL_TIME_LIMIT_S"],
    )


def find_existing(attempt: CallAttempt) -> CallInstance | None:
    """The carrier's call for this attempt, if the create went through unseen."""
    since = attempt.created_at - CLOCK_SKEW
    known = set(db.session.scalars(
        select(CallAttempt.call_sid).where(CallAttempt.to_number == attempt.to_number,
                                           CallAttempt.call_sid.is_not(None))
    ))
    # No StartTime filter: a call still queued at the carrier (CPS queue) has no start
    # time yet, and it is exactly the one a timed-out create may have left behind.
    candidates = carrier.client().calls.list(
        to=attempt.to_number, from_=current_app.config["CALLER_ID"], limit=50,
    )
    for call in sorted(candidates, key=lambda c: c.date_created or since):
        if call.sid in known:
            continue
        if call.date_created is None or call.date_created >= since:
            return call
    return None


def adopt_existing(attempt: CallAttempt) -> bool:
    """If the carrier has this attempt's call, record it and return True."""
    call = find_existing(attempt)
    if call is None:
        return False
    outcomes.call_created(attempt, call.sid, call.status,
                          dialed_at=call.date_created or attempt.created_at)
    CALLS_CREATED.inc()
    return True
