"""Shared column helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Executable, Row
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def run_alone(statement: Executable, params: dict[str, Any]) -> Row | None:
    """Run one statement as a transaction of its own; its first row, if it returns rows.

    For webhooks that run several times per call at the peak of a broadcast: on
    PostgreSQL the BEGIN and COMMIT (or ROLLBACK) round trips around a single statement
    cost the client as much CPU as the statement itself. A statement alone is atomic, so
    nothing is lost by leaving them out. It runs on a connection of its own: use it only
    where the session holds no uncommitted write (on SQLite it would wait for that)."""
    from domain.db import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        result = connection.execute(statement, params)
        return result.first() if result.returns_rows else None


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite (which drops tzinfo) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime stored; use domain.models.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value
