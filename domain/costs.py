"""What calls cost: per message, per BIN and per month, and an estimate before sending.

The carrier's price of each call is stored on its attempt (domain.price_checks). A call's
cost goes to the BIN its delivery was made for (`Delivery.bin_id`, the first targeted BIN
of the member); deliveries from before that column, of a message to a single BIN, go to
that BIN. A month is a month in Belgium (Europe/Brussels), counted from when the call was
dialled. Calls still without a price are counted apart ("unpriced"), never as free.

The estimate is members x ESTIMATE_ANSWER_RATE x billed minutes x the tariff of each
member's number type: what a coordinator or dispatcher sees before a message goes out,
with a warning when this month's cost plus the estimate passes the BIN's monthly budget.
SMS (issue 14) is not sent yet: `sms_cost` prices segments for when it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, func, select

from domain.db import db
from domain.models import Bin, CallAttempt, Delivery, Member, Membership, Message, MessageBin
from domain.status import MemberStatus

ZONE = ZoneInfo("Europe/Brussels")
# Seconds of an answered call besides the message: the greeting before it, the menu and
# the closing words after it. Measured in the sandbox with the app's own prompts: 29-30 s
# for a person who presses 1; voicemail (greeting, beep, then the message) about 27 s.
CALL_OVERHEAD_S = 30
CENT = Decimal("0.01")


@dataclass
class Cost:
    """Calls made, those still without a price, and what the priced ones cost."""

    calls: int = 0
    unpriced: int = 0
    amount: Decimal = Decimal(0)
    minutes: int = 0

    def add(self, other: Cost) -> None:
        self.calls += other.calls
        self.unpriced += other.unpriced
        self.amount += other.amount
        self.minutes += other.minutes

    @property
    def cents(self) -> int:
        return int((self.amount * 100).quantize(Decimal(1), ROUND_HALF_UP))


def unit() -> str:
    return current_app.config["COST_UNIT"]


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """'2026-03' -> its first and next month's first instant in Belgium, in UTC."""
    year, mon = (int(part) for part in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=ZONE)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=ZONE)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_of(when: datetime) -> str:
    return when.astimezone(ZONE).strftime("%Y-%m")


def recent_months(count: int = 12, now: datetime | None = None) -> list[str]:
    """The last `count` months up to this one, oldest first."""
    local = (now or datetime.now(UTC)).astimezone(ZONE)
    index = local.year * 12 + local.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def _bin_column() -> ColumnElement:
    """The BIN that pays for a delivery (see the module docstring)."""
    single = (select(func.min(MessageBin.bin_id))
              .where(MessageBin.message_id == Delivery.message_id)
              .group_by(MessageBin.message_id).having(func.count(MessageBin.id) == 1)
              .scalar_subquery())
    return func.coalesce(Delivery.bin_id, single)


def _aggregates() -> tuple:
    return (func.count(CallAttempt.id),
            func.count(CallAttempt.id) - func.count(CallAttempt.price),
            func.coalesce(func.sum(CallAttempt.price), 0),
            func.coalesce(func.sum((CallAttempt.duration_s + 59) // 60), 0))


def _cost(row) -> Cost:
    calls, unpriced, amount, minutes = row
    return Cost(int(calls or 0), int(unpriced or 0), Decimal(str(amount or 0)), int(minutes or 0))


def _calls(*where: ColumnElement):
    return (select().select_from(CallAttempt)
            .join(Delivery, Delivery.id == CallAttempt.delivery_id)
            .where(CallAttempt.dialed_at.is_not(None), *where))


def message_cost(message_id: int, bin_ids: set[int] | None = None) -> Cost:
    """One message's calls; with `bin_ids`, only the share of those BINs."""
    query = _calls(Delivery.message_id == message_id).add_columns(*_aggregates())
    if bin_ids is not None:
        query = query.where(_bin_column().in_(bin_ids))
    return _cost(db.session.execute(query).one())


def by_bin(month: str, bin_ids: set[int] | None = None) -> dict[int | None, Cost]:
    """Each BIN's calls in one month (None: calls for no BIN, e.g. officers' tests)."""
    start, end = month_bounds(month)
    bin_col = _bin_column().label("bin_id")
    query = (_calls(CallAttempt.dialed_at >= start, CallAttempt.dialed_at < end)
             .add_columns(bin_col, *_aggregates()).group_by(bin_col))
    if bin_ids is not None:
        query = query.where(_bin_column().in_(bin_ids))
    return {row[0]: _cost(row[1:]) for row in db.session.execute(query)}


def by_bin_and_month(months: Iterable[str],
                     bin_ids: set[int] | None = None) -> dict[str, dict[int | None, Cost]]:
    """`by_bin` for each month: one grouped query a month, whatever the number of calls."""
    return {month: by_bin(month, bin_ids) for month in months}


def by_message(month: str, bin_ids: set[int] | None = None) -> list[tuple[Message, Cost]]:
    """The messages with calls dialled in `month`, newest first, with their cost."""
    start, end = month_bounds(month)
    query = (_calls(CallAttempt.dialed_at >= start, CallAttempt.dialed_at < end)
             .add_columns(Delivery.message_id, *_aggregates()).group_by(Delivery.message_id)
             .order_by(Delivery.message_id.desc()))
    if bin_ids is not None:
        query = query.where(_bin_column().in_(bin_ids))
    rows = db.session.execute(query).all()
    messages = {m.id: m for m in db.session.scalars(
        select(Message).where(Message.id.in_([r[0] for r in rows])))}
    return [(messages[r[0]], _cost(r[1:])) for r in rows]


# -- before sending -------------------------------------------------------------------------

def tariff(phone_type: str | None) -> Decimal:
    """Price per billed minute of a call to a number of that type."""
    config = current_app.config
    return Decimal(str(config["TARIFF_MOBILE_PER_MIN"] if phone_type == "mobile"
                       else config["TARIFF_LANDLINE_PER_MIN"]))


def sms_cost(segments: int) -> Decimal:
    """What `segments` SMS segments cost (SMS itself comes with issue 14)."""
    return Decimal(str(current_app.config["TARIFF_SMS_PER_SEGMENT"])) * segments


def billed_minutes(audio_duration_ms: int | None) -> int:
    """Minutes billed for one answered call: the message plus greeting and menu, every
    started minute counted."""
    seconds = (audio_duration_ms or 0) / 1000 + CALL_OVERHEAD_S
    return max(1, math.ceil(seconds / 60))


@dataclass
class Estimate:
    """The expected cost of sending a message now, and what each BIN would pay."""

    numbers: int = 0
    mobiles: int = 0
    landlines: int = 0
    minutes_per_call: int = 1
    answer_rate: float = 0.0
    amount: Decimal = Decimal(0)
    per_bin: dict[int, Decimal] = field(default_factory=dict)
    numbers_per_bin: dict[int, int] = field(default_factory=dict)

    def only(self, bin_ids: set[int]) -> Estimate:
        """The share of these BINs (a coordinator's view of a message to several BINs)."""
        per_bin = {k: v for k, v in self.per_bin.items() if k in bin_ids}
        numbers = {k: v for k, v in self.numbers_per_bin.items() if k in bin_ids}
        return Estimate(numbers=sum(numbers.values()), minutes_per_call=self.minutes_per_call,
                        answer_rate=self.answer_rate, amount=sum(per_bin.values(), Decimal(0)),
                        per_bin=per_bin, numbers_per_bin=numbers)


def estimate(bin_ids: list[int], audio_duration_ms: int | None) -> Estimate:
    """members x answer rate x billed minutes x tariff; a number called once even when
    in two BINs (as the plan does), paid by the first BIN listed."""
    rate = float(current_app.config["ESTIMATE_ANSWER_RATE"])
    result = Estimate(minutes_per_call=billed_minutes(audio_duration_ms), answer_rate=rate)
    order = {bin_id: n for n, bin_id in enumerate(bin_ids)}
    rows = db.session.execute(
        select(Member.phone, Member.phone_type, Membership.bin_id)
        .join(Membership, Membership.member_id == Member.id)
        .where(Membership.bin_id.in_(bin_ids), Member.status == MemberStatus.ACTIVE)).all()
    payer: dict[str, tuple[int, str | None]] = {}
    for phone, phone_type, bin_id in rows:
        if phone not in payer or order[bin_id] < order[payer[phone][0]]:
            payer[phone] = (bin_id, phone_type)
    factor = Decimal(str(rate)) * result.minutes_per_call
    for bin_id, phone_type in payer.values():
        cost = tariff(phone_type) * factor
        result.per_bin[bin_id] = result.per_bin.get(bin_id, Decimal(0)) + cost
        result.numbers_per_bin[bin_id] = result.numbers_per_bin.get(bin_id, 0) + 1
        result.amount += cost
        result.mobiles += phone_type == "mobile"
    result.numbers = len(payer)
    result.landlines = result.numbers - result.mobiles
    return result


def message_estimate(message: Message) -> Estimate:
    bin_ids = list(db.session.scalars(select(MessageBin.bin_id).where(
        MessageBin.message_id == message.id).order_by(MessageBin.id)))
    return estimate(bin_ids, message.audio_duration_ms)


@dataclass(frozen=True)
class BudgetWarning:
    bin: Bin
    spent: Decimal      # this month so far
    expected: Decimal   # this message's estimate for the BIN
    budget: Decimal

    @property
    def over_by(self) -> Decimal:
        return self.spent + self.expected - self.budget


def budget_warnings(est: Estimate, now: datetime | None = None) -> list[BudgetWarning]:
    """The BINs whose month would end above their monthly budget with this message."""
    budgets = {b.id: b for b in db.session.scalars(select(Bin).where(
        Bin.id.in_(list(est.per_bin)), Bin.monthly_budget_cents.is_not(None)))}
    if not budgets:
        return []
    spent = by_bin(month_of(now or datetime.now(UTC)), set(budgets))
    warnings = []
    for bin_id, bin_ in budgets.items():
        so_far = spent.get(bin_id, Cost()).amount
        budget = Decimal(bin_.monthly_budget_cents) / 100
        if so_far + est.per_bin[bin_id] > budget:
            warnings.append(BudgetWarning(bin_, so_far, est.per_bin[bin_id], budget))
    return warnings


def round_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)
