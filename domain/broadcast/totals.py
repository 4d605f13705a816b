"""A broadcast's totals, counted in SQL: who was reached, how, and how many calls it took.

For `broadcast show`, the demo, and (next) the web app's broadcast page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from domain.db import db
from domain.models import CallAttempt, Delivery
from domain.status import DELIVERY, Outcome


@dataclass(frozen=True)
class Totals:
    deliveries: int
    human: int
    machine: int
    confirmed: int
    busy: int
    no_answer: int
    failed: int
    cancelled: int
    pending: int  # not settled yet (waiting, calling or due for a retry)
    calls: int
    first_call_at: datetime | None
    last_call_at: datetime | None

    @property
    def settled(self) -> int:
        return self.deliveries - self.pending


def totals(message_id: int) -> Totals:
    outcome_counts = dict(db.session.execute(
        select(Delivery.outcome, func.count()).where(
            Delivery.message_id == message_id, Delivery.status.in_(DELIVERY.final))
        .group_by(Delivery.outcome)).all())
    deliveries = db.session.scalar(select(func.count()).where(Delivery.message_id == message_id))
    confirmed = db.session.scalar(select(func.count()).where(
        Delivery.message_id == message_id, Delivery.confirmed_at.is_not(None)))
    calls, first, last = db.session.execute(
        select(func.count(CallAttempt.call_sid), func.min(CallAttempt.dialed_at),
               func.max(CallAttempt.dialed_at))
        .join(Delivery).where(Delivery.message_id == message_id)).one()
    settled = sum(outcome_counts.values())
    count = {outcome: outcome_counts.get(outcome, 0) for outcome in Outcome}
    return Totals(
        deliveries=deliveries, human=count[Outcome.HUMAN], machine=count[Outcome.MACHINE],
        confirmed=confirmed, busy=count[Outcome.BUSY], no_answer=count[Outcome.NO_ANSWER],
        failed=count[Outcome.FAILED], cancelled=count[Outcome.CANCELLED],
        pending=deliveries - settled, calls=calls, first_call_at=first, last_call_at=last,
    )
