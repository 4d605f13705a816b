"""Inbound calls, per-call flow state, sign-in throttling and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
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
    """A failed sign-in on the recording line, counted per officer number and per caller."""

    __tablename__ = "auth_failures"
    __table_args__ = (
        Index("ix_auth_failures_officer", "officer_number", "at"),
        Index("ix_auth_failures_caller", "caller", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_number: Mapped[str | None] = mapped_column(String(12))
    caller: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Lockout(db.Model):
    """An officer number or a calling number that may not sign in until `until`."""

    __tablename__ = "lockouts"
    __table_args__ = (Index("ix_lockouts_subject", "kind", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # officer | caller
    subject: Mapped[str] = mapped_column(String(32))
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditLog(db.Model):
    """Who did what, when: sign-ins, locks, messages, cancellations, imports."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str | None] = mapped_column(String(120))
    details: Mapped[dict | None] = mapped_column(JSON)


def audit(actor: str, action: str, subject: str | None = None, **details) -> AuditLog:
    """Add an audit entry to the current session (committed with the surrounding work)."""
    entry = AuditLog(actor=actor, action=action, subject=subject, details=details or None)
    db.session.add(entry)
    return entry
