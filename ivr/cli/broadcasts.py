"""`broadcast list` and `broadcast show ID`: what was recorded, by whom, for whom.

`show` prints a sequence of sections, each a function `message -> renderable`; the
broadcast engine adds its own (delivery totals, per-member outcome) to `SHOW_SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from rich.console import Console, RenderableType
from rich.table import Table
from sqlalchemy import or_, select

from domain.broadcast.cancel import cancel_broadcast
from domain.db import db
from domain.models import AuditLog, Message
from domain.recording_backend import audience
from domain.status import AudioStatus
from ivr import broadcast_report

broadcast_cli = AppGroup("broadcast", help="Recorded messages and their broadcasts.")


def console() -> Console:
    """Wide enough off a terminal (pipes, tests) that rows are never wrapped."""
    probe = Console()
    return probe if probe.is_terminal else Console(width=200)


def local(when: datetime | None) -> str:
    if when is None:
        return ""
    return when.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%Y-%m-%d %H:%M:%S")


def officer_label(message: Message) -> str:
    officer = message.officer
    return f"{officer.number} {officer.name}" if officer else ""


def bins_label(message: Message) -> str:
    return ", ".join(sorted((t.bin.code for t in message.targets), key=lambda c: c.zfill(4)))


def audio_label(message: Message) -> str:
    if message.audio_status == AudioStatus.REFUSED:
        return f"refused ({message.refusal_reason})"
    return message.audio_status


def duration_label(message: Message) -> str:
    ms = message.audio_duration_ms
    return f"{ms / 1000:.1f} s" if ms is not None else ""


@broadcast_cli.command("list")
@click.option("--limit", default=50, show_default=True, help="Most recent messages shown.")
def list_messages(limit: int) -> None:
    """Messages, newest first: kind, status, officer, BINs, times, audio."""
    table = Table("id", "kind", "status", "officer", "BINs", "created", "confirmed", "audio",
                  "duration")
    query = select(Message).order_by(Message.id.desc()).limit(limit)
    for m in db.session.scalars(query):
        table.add_row(str(m.id), m.kind, m.status, officer_label(m), bins_label(m),
                      local(m.created_at), local(m.confirmed_at), audio_label(m),
                      duration_label(m))
    console().print(table)


def _grid(title: str) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    return table


def render_message_header(message: Message) -> RenderableType:
    """Who recorded it, from which number and call, and what became of it when."""
    grid = _grid(f"Message {message.id}")
    officer = officer_label(message) or "(none)"
    rows = [("kind", message.kind), ("status", message.status), ("officer", officer),
            ("recorded from", message.recorded_from or ""), ("call", message.call_sid or ""),
            ("feedback on", str(message.parent_id) if message.parent_id else ""),
            ("created", local(message.created_at)), ("confirmed", local(message.confirmed_at)),
            ("cancelled", " by ".join(filter(None, [local(message.cancelled_at),
                                                     message.cancelled_by]))),
            ("planned", local(message.planned_at)), ("completed", local(message.completed_at))]
    for label, value in rows:
        if value or label in ("kind", "status", "officer"):
            grid.add_row(label, value)
    return grid


def render_targets(message: Message) -> RenderableType:
    """The BINs the message is for, with the numbers a broadcast would call today."""
    table = Table("BIN", "name", "municipality", "numbers", title="Targets", title_justify="left")
    for target in sorted(message.targets, key=lambda t: t.bin.code.zfill(4)):
        b = target.bin
        table.add_row(b.code, b.name, b.municipality or "", str(audience([b.id])))
    if message.kind == "test":
        table.add_row("-", "officer's own phone", "", "1")
    return table


def render_audio(message: Message) -> RenderableType:
    grid = _grid("Audio")
    grid.add_row("status", audio_label(message))
    grid.add_row("duration", duration_label(message))
    grid.add_row("sha256", message.audio_sha256 or "")
    grid.add_row("recording", message.recording_sid or "")
    return grid


def render_audit(message: Message) -> RenderableType:
    """Every audit entry about this message (and its call's sign-in)."""
    table = Table("at", "actor", "action", "details", title="Audit", title_justify="left")
    subjects = [AuditLog.subject == f"message:{message.id}"]
    entries = db.session.scalars(select(AuditLog).where(or_(*subjects)).order_by(AuditLog.id))
    for e in entries:
        details = ", ".join(f"{k}={v}" for k, v in (e.details or {}).items())
        table.add_row(local(e.at), e.actor, e.action, details)
    return table


def render_totals(message: Message) -> RenderableType:
    """Delivery totals and the time from "send" to the first and the last call."""
    return broadcast_report.totals_table(message, broadcast_report.totals(message.id))


def render_members(message: Message) -> RenderableType:
    """Each member's outcome, with every attempt (number:status/answered-by)."""
    return broadcast_report.members_table(message.id)


SHOW_SECTIONS: list[Callable[[Message], RenderableType]] = [
    render_message_header, render_targets, render_audio, render_totals, render_members,
    render_audit,
]


@broadcast_cli.command("show")
@click.argument("message_id", type=int)
@click.option("--follow", is_flag=True, help="A live progress bar until the broadcast ends.")
def show(message_id: int, follow: bool) -> None:
    """One message: who, from where, for which BINs, and how its broadcast went."""
    message = db.session.get(Message, message_id)
    if message is None:
        raise click.ClickException(f"no message {message_id}")
    out = console()
    if follow:
        broadcast_report.follow(message_id, out)
        db.session.expire_all()
        message = db.session.get(Message, message_id)
    for section in SHOW_SECTIONS:
        out.print(section(message))


@broadcast_cli.command("cancel")
@click.argument("message_id", type=int)
@click.option("--by", "actor", default="cli", show_default=True, help="Who cancels (audit).")
def cancel(message_id: int, actor: str) -> None:
    """Stop a broadcast: pending members are not called, live calls are ended."""
    try:
        stopped, ended = cancel_broadcast(message_id, actor)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    message = db.session.get(Message, message_id)
    click.echo(f"Broadcast {message_id} is {message.status}: {stopped} members not called, "
               f"{ended} live calls ended.")
