"""A broadcast's progress and outcome, computed from SQL for `broadcast show` and the demo."""

from __future__ import annotations

import time
from datetime import datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from domain.broadcast.totals import Totals, totals
from domain.db import db
from domain.models import CallAttempt, Delivery, Member, Message
from domain.status import MESSAGE

OUTCOME_LABELS = {
    "human": "reached (person)",
    "machine": "reached (voicemail)",
    "busy": "busy",
    "no-answer": "no answer",
    "failed": "failed",
    "cancelled": "cancelled",
}


def _seconds(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return "-"
    return f"{(end - start).total_seconds():.1f} s"


def totals_table(message: Message, t: Totals) -> Table:
    table = Table("outcome", "members", title=f"Broadcast {message.id}: {message.status}")
    for label, value in (
        ("reached (person)", t.human), ("reached (voicemail)", t.machine),
        ("  of which confirmed (pressed 1)", t.confirmed), ("busy", t.busy),
        ("no answer", t.no_answer), ("failed", t.failed), ("pending", t.pending),
        ("cancelled", t.cancelled), ("total", t.deliveries),
    ):
        table.add_row(label, str(value))
    table.add_row("calls made", str(t.calls))
    table.add_row("send → first call", _seconds(message.confirmed_at, t.first_call_at))
    table.add_row("send → last call", _seconds(message.confirmed_at, t.last_call_at))
    table.add_row("send → completed", _seconds(message.confirmed_at, message.completed_at))
    return table


def members_table(message_id: int, limit: int | None = None) -> Table:
    table = Table("member", "number", "outcome", "confirmed", "replays", "attempts",
                  title="Per member")
    rows = db.session.execute(
        select(Delivery, Member.name).outerjoin(Member, Member.id == Delivery.member_id)
        .where(Delivery.message_id == message_id).order_by(Delivery.id).limit(limit)).all()
    for delivery, name in rows:
        attempts = db.session.scalars(select(CallAttempt).where(
            CallAttempt.delivery_id == delivery.id).order_by(CallAttempt.attempt_no)).all()
        trail = ", ".join(
            f"{a.to_number[-4:]}:{a.status}" + (f"/{a.answered_by}" if a.answered_by else "")
            for a in attempts)
        table.add_row(
            name or "(officer)", delivery.phone,
            OUTCOME_LABELS.get(delivery.outcome or "", delivery.status),
            "yes" if delivery.confirmed_at else "", str(delivery.replays) if delivery.replays
            else "", trail or "-")
    return table


def follow(message_id: int, console: Console, poll_s: float = 0.5,
           timeout_s: float | None = None) -> Totals:
    """A live progress bar until every delivery of the broadcast is settled."""
    started = time.monotonic()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[detail]}"), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(f"broadcast {message_id}", total=None, detail="")
        while True:
            db.session.expire_all()
            message = db.session.get(Message, message_id)
            t = totals(message_id)
            progress.update(
                task, total=t.deliveries or None, completed=t.settled,
                detail=f"{t.human} person, {t.machine} voicemail, {t.confirmed} confirmed, "
                       f"{t.busy + t.no_answer + t.failed} not reached, {t.calls} calls")
            if message.status in MESSAGE.final and t.pending == 0:
                return t
            if timeout_s is not None and time.monotonic() - started > timeout_s:
                return t
            time.sleep(poll_s)
