"""Inbound calls, per-call flow state, sign-in throttling and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import db
from domain.models.base import UTCDateTime, utcnow


class InboundCall(db.Model):
    """Every call into one of our numbers, logged whatever line it reached."""

    __tablename__ = "inbound_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str | None] = mapped_column(String(32))
    to_number: Mapped[str | None] = mapped_column(String(32))
    line: Mapped[str] = mapped_column(String(12))  # callback | recording
    member_id: Mapped[int | None] = mapped_column(db.ForeignKey("members.id"))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    replayed_message_id: Mapped[int | None] = mapped_column(db.ForeignKey("messages.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallSession(db.Model):
    """A live call's flow state, keyed by CallSid, so any web process can take the next step."""

    __tablename__ = "call_sessions"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str] = mapped_column(String(20))
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuthFailure(db.Model):
    """A failed sign-in on the recording line, counted per officer number and per caller.

    A row is written *before* the PIN is checked (a reserved guess, see
    `domain.officer_auth`) and removed again when the sign-in succeeds. `bound` says the call
    came from one of the officer's `allowed_callers`: those failures have a budget of
    their own, so failures from other numbers never lock the officer's own phones.
    """

    __tablename__ = "auth_failures"
    __table_args__ = (
        Index("ix_auth_failures_officer", "officer_number", "at"),
        Index("ix_auth_failures_caller", "caller", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_number: Mapped[str | None] = mapped_column(String(12))
    caller: Mapped[str | None] = mapped_column(String(32))
    bound: Mapped[bool] = mapped_column(default=False, server_default=false())
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuthGuard(db.Model):
    """One row per throttled subject, only ever updated to serialise its guess budget.

    Counting the failures and reserving the next guess must be one atomic step across
    web processes; an UPDATE of this row holds a row lock on PostgreSQL and the write
    lock on SQLite until the transaction ends, so concurrent sign-ins for the same
    subject take their turn. Keys: `officer:N`, `bound:N`, `caller:+32...`.
    """

    __tablename__ = "auth_guards"

    key: Mapped[str] = mapped_column(String(48), primary_key=True)
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Lockout(db.Model):
    """An officer number or a calling number that may not sign in until `until`.

    Kinds: `officer` (the officer number, called from any number not bound to it),
    `bound` (the officer number, called from one of its `allowed_callers`) and `caller`
    (a calling number, whatever officer it keys). An admin lifts a lock with
    `officer unlock`; the row stays, with who lifted it and when.
    """

    __tablename__ = "lockouts"
    __table_args__ = (Index("ix_lockouts_subject", "kind", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # officer | caller
    subject: Mapped[str] = mapped_column(String(32))
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(120))


class AuditLog(db.Model):
    """Who did what, when: sign-ins, locks, messages, cancellations, imports."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str | None] = mapped_column(String(120))
    details: Mapped[dict | None] = mapped_column(JSON)
    # The BIN ids the entry concerns, as ",3,12," (from details `bins` or `bin_id`), so
    # the admin's audit page filters by BIN with one LIKE on either database.
    bins: Mapped[str | None] = mapped_column(String(200))


def _bins_of(details: dict) -> str | None:
    ids = details.get("bins")
    ids = [details["bin_id"]] if ids is None and "bin_id" in details else ids
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        return None  # e.g. web_user.bins, which names BIN codes
    text = "," + ",".join(str(i) for i in sorted(set(ids))) + ","
    return text if len(text) <= 200 else None


def audit(actor: str, action: str, subject: str | None = None, **details) -> AuditLog:
    """Add an audit entry to the current session (committed with the surrounding work)."""
    entry = AuditLog(actor=actor, action=action, subject=subject, details=details or None,
                     bins=_bins_of(details))
    db.session.add(entry)
    return entry
