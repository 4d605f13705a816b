"""Creating a member call at the carrier, and finding one whose creation went unanswered.

The create-call request has no idempotency key, so after a timeout or a 5xx the only safe
question is "does a call to this number from our caller ID, started since this attempt was
written, already exist?" — asked before anything is dialled again.
"""

from __future__ import annotations

import uuid
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
from domain.status import AttemptStatus

CLOCK_SKEW = timedelta(seconds=5)
DIALING_LEASE = "buurtlijn:dialing:{}"
STATUS_EVENTS = ["completed"]
RESOLVING_S = 120  # the reconciler's hold: its look at the carrier and its write, with room

# The dialing lease is a fence, not a flag: whoever holds it (a dialler, or the reconciler
# deciding) is the only one who may act on the attempt. Returns 1: renewed, it was ours;
# 2: taken, nobody held it; 0: someone else holds it.
_TAKE = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if held then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 2
"""


def create_lease_s() -> float:
    """How long a create request sent now may still land: its connect and its bytes in
    flight are each cut off after CARRIER_TIMEOUT_S (domain.carrier), plus a margin."""
    return 2 * current_app.config["CARRIER_TIMEOUT_S"] + 2


def take_dialing_lease(attempt_id: int, owner: str, seconds: float) -> bool:
    """Hold the attempt for the dialler `owner` for `seconds`; False if it may not act.

    A dialler held up between its claim and its request (a stalled database connection,
    a starved thread) can find that its lease ran out and that the reconciler has since
    decided "no call was made" and dialled the member again: sending now would call them
    twice. So the lease is taken or renewed atomically right before each request, and
    when it was not ours any more, SQL must still say the attempt is unsent (the
    reconciler writes its decision before its hold runs out)."""
    taken = redis_conn.client.eval(_TAKE, 1, DIALING_LEASE.format(attempt_id), owner,
                                   max(1000, int(seconds * 1000)))
    if taken == 0:
        return False
    return taken == 1 or _still_unsent(attempt_id)


def _still_unsent(attempt_id: int) -> bool:
    unsent = db.session.scalar(select(CallAttempt.id).where(
        CallAttempt.id == attempt_id, CallAttempt.status == AttemptStatus.DIALING,
        CallAttempt.call_sid.is_(None))) is not None
    db.session.rollback()  # no snapshot or lock held across the request
    return unsent


def take_for_resolving(attempt_id: int) -> bool:
    """The reconciler's turn: True if no dialler holds the attempt, which is now held
    against any dialler that comes back, for as long as deciding can take."""
    return bool(redis_conn.client.set(DIALING_LEASE.format(attempt_id),
                                      f"reconciler:{uuid.uuid4().hex}", nx=True,
                                      ex=RESOLVING_S))


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
