"""What the web app shows of broadcasts: the history, one broadcast's totals, its members'
attempts and its time-to-reach curve, each counted in SQL and limited to a BIN scope.

A scope is a set of BIN ids (a coordinator's) or None (the police: everything). A
coordinator sees a broadcast when it targeted one of their BINs, and of that broadcast
only the deliveries of members of their BINs: the other BIN's members, and their counts,
stay invisible. Every query here reads a page or an aggregate, never a whole broadcast's
rows into Python, except the curve's reach times (one timestamp per member reached).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import selectinload

from domain.broadcast.totals import Totals
from domain.db import db
from domain.models import CallAttempt, Delivery, Member, Membership, Message, MessageBin
from domain.status import DELIVERY, DeliveryStatus, MessageStatus, Outcome

Scope = set[int] | None
REACHED = (Outcome.HUMAN, Outcome.MACHINE)
NOT_REACHED = (Outcome.BUSY, Outcome.NO_ANSWER, Outcome.FAILED)
# The member table's filters: name -> condition on Delivery.
FILTERS: dict[str, ColumnElement[bool]] = {
    "all": true(),
    "reached": Delivery.outcome.in_(REACHED),
    "confirmed": Delivery.confirmed_at.is_not(None),
    "not-reached": Delivery.outcome.in_(NOT_REACHED),
    "open": Delivery.status.in_(DELIVERY.open()),
    "cancelled": Delivery.status == DeliveryStatus.CANCELLED,
}


@dataclass(frozen=True)
class Summary:
    """One line of the history."""

    message: Message
    bin_codes: list[str]
    deliveries: int
    reached: int
    confirmed: int
    open: int


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    pages: int
    total: int


def running(message: Message) -> bool:
    """Still changing: the page keeps polling its live part."""
    return message.status in (MessageStatus.CONFIRMED, MessageStatus.SENDING)


def finished(message: Message) -> bool:
    """Nothing left to cancel."""
    return message.status in (MessageStatus.COMPLETED, MessageStatus.CANCELLED,
                              MessageStatus.REFUSED)


def _visible_messages(scope: Scope) -> ColumnElement[bool]:
    """Sent messages (drafts on the recording line are not broadcasts), in the scope."""
    sent = Message.confirmed_at.is_not(None)
    if scope is None:
        return sent
    return and_(sent, select(MessageBin.id).where(
        MessageBin.message_id == Message.id, MessageBin.bin_id.in_(scope)).exists())


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    """Deliveries of members of the scope's BINs (the police: every delivery).

    A lookup per delivery on the (member_id, bin_id) index, written so that the planner
    cannot flatten it into a join: right after a broadcast is planned PostgreSQL's
    statistics still say the message has a handful of deliveries, and the join it then
    picks compares every delivery with every membership (1,000 members: 240 ms instead
    of 3 ms)."""
    if scope is None:
        return true()
    membership = (select(Membership.id)
                  .where(Membership.member_id == Delivery.member_id,
                         Membership.bin_id.in_(scope))
                  .limit(1).correlate(Delivery).scalar_subquery())
    return membership.is_not(None)


def history(scope: Scope, page: int = 1, per_page: int = 25) -> Page:
    """The broadcasts the scope may see, newest first, with their totals."""
    total = db.session.scalar(select(func.count(Message.id)).where(_visible_messages(scope)))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    messages = db.session.scalars(
        select(Message).where(_visible_messages(scope))
        .options(selectinload(Message.officer),
                 selectinload(Message.targets).selectinload(MessageBin.bin))
        .order_by(Message.confirmed_at.desc(), Message.id.desc())
        .offset((page - 1) * per_page).limit(per_page)).all()
    counts = _counts([m.id for m in messages], scope)
    items = []
    for message in messages:
        c = counts.get(message.id, {})
        items.append(Summary(
            message=message, bin_codes=bin_codes(message, scope),
            deliveries=c.get("deliveries", 0), reached=c.get("reached", 0),
            confirmed=c.get("confirmed", 0), open=c.get("open", 0)))
    return Page(items, page, pages, total)


def _counts(message_ids: list[int], scope: Scope) -> dict[int, dict[str, int]]:
    """Per message: deliveries, reached, confirmed and still open, in one grouped query."""
    if not message_ids:
        return {}
    rows = db.session.execute(
        select(Delivery.message_id, func.count(Delivery.id),
               func.count(Delivery.id).filter(Delivery.outcome.in_(REACHED)),
               func.count(Delivery.confirmed_at),
               func.count(Delivery.id).filter(Delivery.status.in_(DELIVERY.open())))
        .where(Delivery.message_id.in_(message_ids), _in_scope(scope))
        .group_by(Delivery.message_id)).all()
    return {mid: {"deliveries": n, "reached": r, "confirmed": c, "open": o}
            for mid, n, r, c, o in rows}


def bin_codes(message: Message, scope: Scope) -> list[str]:
    """The targeted BINs' codes; a coordinator is told only of their own BINs."""
    codes = [t.bin.code for t in message.targets if scope is None or t.bin_id in scope]
    return sorted(codes, key=lambda code: code.zfill(4))


def visible_message(message_id: int, scope: Scope) -> Message | None:
    """The broadcast if the scope may see it; None is a 404 for the caller."""
    return db.session.scalar(
        select(Message).where(Message.id == message_id, _visible_messages(scope))
        .options(selectinload(Message.officer),
                 selectinload(Message.targets).selectinload(MessageBin.bin)))


def scoped_totals(message_id: int, scope: Scope) -> Totals:
    """domain.broadcast.totals.totals, counting only the scope's deliveries."""
    where = and_(Delivery.message_id == message_id, _in_scope(scope))
    rows = db.session.execute(
        select(Delivery.status, Delivery.outcome, func.count(Delivery.id),
               func.count(Delivery.confirmed_at))
        .where(where).group_by(Delivery.status, Delivery.outcome)).all()
    count = dict.fromkeys(Outcome, 0)
    deliveries = confirmed = settled = 0
    for status, outcome, n, n_confirmed in rows:
        deliveries += n
        confirmed += n_confirmed
        if status in DELIVERY.final:
            settled += n
            if outcome in count:
                count[Outcome(outcome)] += n
    calls, first, last = db.session.execute(
        select(func.count(CallAttempt.call_sid), func.min(CallAttempt.dialed_at),
               func.max(CallAttempt.dialed_at))
        .join(Delivery, Delivery.id == CallAttempt.delivery_id).where(where)).one()
    return Totals(
        deliveries=deliveries, human=count[Outcome.HUMAN], machine=count[Outcome.MACHINE],
        confirmed=confirmed, busy=count[Outcome.BUSY], no_answer=count[Outcome.NO_ANSWER],
        failed=count[Outcome.FAILED], cancelled=count[Outcome.CANCELLED],
        pending=deliveries - settled, calls=calls, first_call_at=first, last_call_at=last)


@dataclass(frozen=True)
class MemberRow:
    delivery: Delivery
    name: str | None
    attempts: list[CallAttempt]


def member_rows(message_id: int, scope: Scope, show: str = "all", page: int = 1,
                per_page: int = 50) -> Page:
    """One page of the scope's deliveries (filtered by `show`, see FILTERS), each with
    every attempt, in the order the dialler took them."""
    where = and_(Delivery.message_id == message_id, _in_scope(scope),
                 FILTERS.get(show, FILTERS["all"]))
    total = db.session.scalar(select(func.count(Delivery.id)).where(where))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.execute(
        select(Delivery, Member.name).outerjoin(Member, Member.id == Delivery.member_id)
        .where(where).order_by(Delivery.id)
        .offset((page - 1) * per_page).limit(per_page)).all()
    attempts: dict[int, list[CallAttempt]] = {}
    ids = [delivery.id for delivery, _ in rows]
    if ids:
        for attempt in db.session.scalars(
                select(CallAttempt).where(CallAttempt.delivery_id.in_(ids))
                .order_by(CallAttempt.delivery_id, CallAttempt.attempt_no)):
            attempts.setdefault(attempt.delivery_id, []).append(attempt)
    items = [MemberRow(d, name, attempts.get(d.id, [])) for d, name in rows]
    return Page(items, page, pages, total)


def reach_times(message: Message, scope: Scope) -> list[float]:
    """Seconds from send (the officer's confirm) to each member's answer, ascending:
    the time-to-reach curve. An answered call counts from its answer, before it ends.
    Counted in SQL as plain numbers: converting 1,000 timestamps is half a poll's time."""
    start = message.confirmed_at or message.planned_at
    if start is None:
        return []
    answered = (select(func.min(_epoch_s(CallAttempt.answered_at)))
                .join(Delivery, Delivery.id == CallAttempt.delivery_id)
                .where(Delivery.message_id == message.id, _in_scope(scope),
                       CallAttempt.answered_at.is_not(None))
                .group_by(CallAttempt.delivery_id))
    origin = start.timestamp()
    return sorted(max(0.0, float(t) - origin) for t in db.session.scalars(answered)
                  if t is not None)


def _epoch_s(column: ColumnElement) -> ColumnElement[float]:
    """A stored UTC time as seconds since 1970 (SQLite keeps it as ISO text)."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(column) - 2440587.5) * 86400.0
    return func.extract("epoch", column)
