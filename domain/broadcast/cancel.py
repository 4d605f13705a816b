"""Cancelling a broadcast: pending deliveries stop, live calls are ended at the carrier."""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from twilio.base.exceptions import TwilioRestException

from domain import carrier
from domain.broadcast import outcomes
from domain.db import db
from domain.models import CallAttempt, Delivery, Message, audit, utcnow
from domain.status import ATTEMPT, AttemptStatus, DeliveryStatus, MessageStatus, Outcome

log = logging.getLogger(__name__)


def cancel_broadcast(message_id: int, actor: str) -> tuple[int, int]:
    """Cancel `message_id`; returns (deliveries stopped, live calls ended)."""
    message = db.session.get(Message, message_id)
    if message is None:
        raise LookupError(f"no broadcast {message_id}")
    if message.status in (MessageStatus.COMPLETED, MessageStatus.CANCELLED):
        return 0, 0
    message.status = MessageStatus.CANCELLED
    message.cancelled_at, message.cancelled_by = utcnow(), actor
    stopped = db.session.execute(
        update(Delivery).where(Delivery.message_id == message_id,
                               Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.CANCELLED, outcome=Outcome.CANCELLED)).rowcount
    audit(actor, "broadcast.cancel", f"message:{message_id}", stopped=stopped)
    db.session.commit()

    live = db.session.scalars(
        select(CallAttempt).join(Delivery).where(
            Delivery.message_id == message_id, CallAttempt.call_sid.is_not(None),
            CallAttempt.status.not_in(ATTEMPT.final))).all()
    ended = 0
    for attempt in live:
        try:
            end_call(attempt)
            ended += 1
        except TwilioRestException as exc:
            log.info("ending %s: %s (it may have ended already)", attempt.call_sid, exc.msg)
    outcomes.complete_if_done(message_id)
    db.session.commit()
    return stopped, ended


def end_call(attempt: CallAttempt) -> None:
    """Twilio: `canceled` ends a call not yet answered and leaves an answered one alone;
    `completed` hangs up one in progress. Our attempt may not know yet that the call was
    answered (detection reports a few seconds later), so the carrier's answer decides."""
    call = carrier.client().calls(attempt.call_sid)
    live = AttemptStatus.IN_PROGRESS
    if attempt.status != live and call.update(status="canceled").status != live:
        return
    call.update(status="completed")  # the carrier's verbs for "hang up", not our statuses
