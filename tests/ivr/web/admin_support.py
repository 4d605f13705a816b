"""Shared steps of the admin page tests: a signed-in admin, the audit rows of an action."""

from __future__ import annotations

from sqlalchemy import select

from domain.db import db
from domain.models import AuditLog
from tests.factories import make_web_user
from tests.web_support import person, sign_in


def signed_in(app, role: str = "admin", **overrides):
    """A person's client signed in as a new web user of `role`; returns (client, user)."""
    user = make_web_user(db, role, **overrides)
    client = person(app)
    sign_in(client, user)
    return client, user


def audited(action: str) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)
                                   .order_by(AuditLog.id)))


def page_text(response) -> str:
    return response.get_data(as_text=True)
