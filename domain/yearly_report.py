"""A BIN's year in figures, for its treasurer and its members: who joined and left, what
was sent and how many it reached, what the calls cost and what contributions came in.

Only counts and sums: the report holds no personal data, so it may be printed, mailed to
every member and kept as long as the BIN's accounts are. It is counted from the rows that
outlive retention and erasure (a delivery keeps its outcome, an attempt its price when the
person's details are gone), so a report of last year reads the same this year."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from domain import costs
from domain.audit_log import LEAVING_ACTIONS
from domain.db import db
from domain.models import (
    AuditLog,
    Bin,
    Contribution,
    Delivery,
    Member,
    Membership,
    Message,
    MessageBin,
)
from domain.status import MessageStatus, Outcome

ZONE = ZoneInfo("Europe/Brussels")  # a BIN's year runs from midnight in Belgium
KINDS = ("urgent", "feedback", "cold", "test")
# Audit actions that end a membership; their details name the BINs left (domain.member_admin).


@dataclass(frozen=True)
class Reach:
    """What became of the people a BIN's messages were for."""

    people: int = 0       # deliveries: one per person per message
    answered: int = 0     # a person picked up
    voicemail: int = 0    # the whole message was left after the beep
    confirmed: int = 0    # pressed 1

    @property
    def reached(self) -> int:
        return self.answered + self.voicemail

    def rate(self, part: int) -> float | None:
        return part / self.people if self.people else None


@dataclass
class YearReport:
    bin: Bin
    year: int
    members_at_end: int = 0
    joined: int = 0
    left: int = 0
    with_email: int = 0
    mobile: int = 0
    landline: int = 0
    messages: Counter = field(default_factory=Counter)  # by kind, phone channel
    reach: Reach = Reach()
    calls: int = 0
    billed_minutes: int = 0
    costs: dict[str, Decimal] = field(default_factory=dict)  # unit -> amount
    costs_by_month: dict[int, dict[str, Decimal]] = field(default_factory=dict)
    unpriced_calls: int = 0
    contributions_asked: int = 0
    contributions_asked_cents: int = 0
    contributions_paid: int = 0
    contributions_received_cents: int = 0

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The report as (section, item, value, unit) rows: the CSV, one figure a line."""
        r = self.reach
        rows = [
            ("members", "at_year_end", str(self.members_at_end), "members"),
            ("members", "joined", str(self.joined), "members"),
            ("members", "left", str(self.left), "members"),
            ("members", "with_email", str(self.with_email), "members"),
            ("members", "mobile_number", str(self.mobile), "members"),
            ("members", "landline_number", str(self.landline), "members"),
        ]
        rows += [("messages", f"{kind}_phone", str(self.messages[kind]), "messages")
                 for kind in KINDS]
        rows += [
            ("reach", "people_to_reach", str(r.people), "deliveries"),
            ("reach", "answered", str(r.answered), "deliveries"),
            ("reach", "voicemail", str(r.voicemail), "deliveries"),
            ("reach", "reached_rate", _percent(r.rate(r.reached)), "%"),
            ("reach", "confirmed", str(r.confirmed), "deliveries"),
            ("reach", "confirmed_rate", _percent(r.rate(r.confirmed)), "%"),
            ("costs", "calls", str(self.calls), "calls"),
            ("costs", "billed_minutes", str(self.billed_minutes), "minutes"),
            ("costs", "calls_not_priced_yet", str(self.unpriced_calls), "calls"),
        ]
        rows += [("costs", "total", f"{amount:.2f}", unit)
                 for unit, amount in sorted(self.costs.items())]
        rows += [("costs", f"month_{month:02d}", f"{amount:.2f}", unit)
                 for month, by_unit in sorted(self.costs_by_month.items())
                 for unit, amount in sorted(by_unit.items())]
        rows += [
            ("contributions", "asked", str(self.contributions_asked), "members"),
            ("contributions", "asked_amount", _euros(self.contributions_asked_cents), "EUR"),
            ("contributions", "paid", str(self.contributions_paid), "members"),
            ("contributions", "received", _euros(self.contributions_received_cents), "EUR"),
        ]
        return rows


def _percent(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.1f}"


def _euros(cents: int) -> str:
    return f"{cents / 100:.2f}"


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year's first and next year's first moment in Belgium, in UTC."""
    return (datetime(year, 1, 1, tzinfo=ZONE).astimezone(UTC),
            datetime(year + 1, 1, 1, tzinfo=ZONE).astimezone(UTC))


def years(bin_id: int) -> list[int]:
    """The years a report can be made of: since the BIN began, newest first."""
    bin_ = db.session.get(Bin, bin_id)
    first = bin_.created_at.astimezone(ZONE).year if bin_ and bin_.created_at else None
    now = datetime.now(ZONE).year
    return list(range(now, min(first or now, now) - 1, -1))


def build(bin_id: int, year: int) -> YearReport:
    """Count the BIN's `year` from SQL."""
    start, end = year_bounds(year)
    report = YearReport(bin=db.session.get(Bin, bin_id), year=year)
    _members(report, bin_id, start, end)
    messages = _messages_of(bin_id, start, end)
    report.messages = Counter(kind for _, kind in messages)
    deliveries = _deliveries_of(bin_id, [message_id for message_id, _ in messages])
    _reach(report, deliveries)
    _costs(report, bin_id)
    _contributions(report, bin_id, year)
    return report


def _members(report: YearReport, bin_id: int, start: datetime, end: datetime) -> None:
    in_bin = select(Membership.member_id).where(Membership.bin_id == bin_id,
                                                Membership.joined_at < end)
    report.members_at_end = db.session.scalar(select(func.count()).select_from(
        in_bin.subquery())) or 0
    report.joined = db.session.scalar(select(func.count(Membership.id)).where(
        Membership.bin_id == bin_id, Membership.joined_at >= start,
        Membership.joined_at < end)) or 0
    kinds = dict(db.session.execute(
        select(Member.phone_type, func.count()).where(Member.id.in_(in_bin))
        .group_by(Member.phone_type)).all())
    report.mobile = kinds.get("mobile", 0)
    report.landline = sum(n for kind, n in kinds.items() if kind != "mobile")
    report.with_email = db.session.scalar(select(func.count(Member.id)).where(
        Member.id.in_(in_bin), Member.email.is_not(None), Member.email != "")) or 0
    leaving = db.session.scalars(select(AuditLog.details).where(
        AuditLog.action.in_(LEAVING_ACTIONS), AuditLog.at >= start, AuditLog.at < end))
    # The member who left is gone; the audit entry keeps which BINs they left.
    report.left = sum(1 for details in leaving if bin_id in ((details or {}).get("bins") or []))


def _messages_of(bin_id: int, start: datetime, end: datetime) -> list[tuple[int, str]]:
    """Messages sent to the BIN in the year: confirmed then, and not cancelled unsent."""
    return list(db.session.execute(
        select(Message.id, Message.kind).join(MessageBin, MessageBin.message_id == Message.id)
        .where(MessageBin.bin_id == bin_id, Message.confirmed_at >= start,
               Message.confirmed_at < end,
               Message.status.in_((MessageStatus.SENDING, MessageStatus.COMPLETED,
                                   MessageStatus.CANCELLED)))
        .distinct()).all())


def _deliveries_of(bin_id: int, message_ids: list[int]):
    """The BIN's share of those messages' deliveries: those made for it, and (from before
    deliveries named their BIN) every delivery of a message to this BIN alone."""
    if not message_ids:
        return None
    single = (select(MessageBin.message_id).group_by(MessageBin.message_id)
              .having(func.count(MessageBin.id) == 1))
    return and_(Delivery.message_id.in_(message_ids),
                or_(Delivery.bin_id == bin_id,
                    and_(Delivery.bin_id.is_(None), Delivery.message_id.in_(single))))


def _reach(report: YearReport, deliveries) -> None:
    if deliveries is None:
        return
    outcomes = dict(db.session.execute(select(Delivery.outcome, func.count()).where(deliveries)
                                       .group_by(Delivery.outcome)).all())
    report.reach = Reach(
        people=sum(outcomes.values()), answered=outcomes.get(Outcome.HUMAN, 0),
        voicemail=outcomes.get(Outcome.MACHINE, 0),
        confirmed=db.session.scalar(select(func.count(Delivery.id)).where(
            deliveries, Delivery.confirmed_at.is_not(None))) or 0)


def _costs(report: YearReport, bin_id: int) -> None:
    """The calls dialled in the year for this BIN, month by month (domain.costs)."""
    unit = costs.unit()
    for month in range(1, 13):
        cost = costs.by_bin(f"{report.year:04d}-{month:02d}", {bin_id}).get(bin_id)
        if cost is None or not cost.calls:
            continue
        report.calls += cost.calls
        report.billed_minutes += cost.minutes
        report.unpriced_calls += cost.unpriced
        if cost.calls > cost.unpriced:
            report.costs[unit] = report.costs.get(unit, Decimal(0)) + cost.amount
            report.costs_by_month[month] = {unit: cost.amount}


def _contributions(report: YearReport, bin_id: int, year: int) -> None:
    asked, asked_cents, paid, received = db.session.execute(
        select(func.count(Contribution.id), func.coalesce(func.sum(Contribution.amount_cents), 0),
               func.count(Contribution.paid_at),
               func.coalesce(func.sum(Contribution.paid_cents), 0))
        .join(Membership, Membership.id == Contribution.membership_id)
        .where(Membership.bin_id == bin_id, Contribution.year == year)).one()
    # Contributions of members who left: their rows went with the membership, their
    # amounts stayed in the leaving audit entry (domain.member_admin, domain.erasure).
    for details in db.session.scalars(select(AuditLog.details).where(
            AuditLog.action.in_(LEAVING_ACTIONS))):
        for c_bin, c_year, c_asked, c_paid in (details or {}).get("contributions") or []:
            if c_bin == bin_id and c_year == year:
                asked, asked_cents = asked + 1, asked_cents + c_asked
                if c_paid is not None:
                    paid, received = paid + 1, received + c_paid
    report.contributions_asked, report.contributions_asked_cents = asked, int(asked_cents)
    report.contributions_paid, report.contributions_received_cents = paid, int(received)
