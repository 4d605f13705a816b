"""The rules the dialler and the reconciler share, named once.

When a delivery is due, and how long a call may live: the dialler claims by the first and
leases a concurrency slot for the second; the reconciler wakes the dialler by the first
and asks the carrier about a call once the second says it should be over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_

from domain.models import Delivery, Message
from domain.status import DeliveryStatus, MessageStatus


def delivery_due(now: datetime | ColumnElement) -> ColumnElement[bool]:
    """A pending delivery whose retry time (if any) has come."""
    return and_(Delivery.status == DeliveryStatus.PENDING,
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))


def message_dialling(now: datetime | ColumnElement) -> ColumnElement[bool]:
    """A message being sent and outside its quiet hours (`not_before`)."""
    return and_(Message.status == MessageStatus.SENDING,
                or_(Message.not_before.is_(None), Message.not_before <= now))


def longest_call_s() -> int:
    """The longest a member call can live: ringing, the call's time limit, and a minute
    for the final status to arrive. A concurrency slot is leased for this long."""
    config = current_app.config
    return config["RING_TIMEOUT_S"] + config["CALL_TIME_LIMIT_S"] + 60


def asked_after() -> timedelta:
    """A call with no final status this long after its attempt was written is asked about:
    ring time and a typical message, or the longest call possible if that is shorter."""
    ring = current_app.config["RING_TIMEOUT_S"]
    return timedelta(seconds=min(longest_call_s(), ring + 180))


def left_behind_after() -> timedelta:
    """Longer than any create request may take (CARRIER_TIMEOUT_S and its retries): work
    older than this and still unfinished was left behind by a dead dialler."""
    return timedelta(seconds=current_app.config["RECONCILE_GRACE_S"])
