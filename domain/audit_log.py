"""Reading the audit log: the filters of the admin's audit page, newest first.

The actions a filter offers are the ones the code writes (KNOWN_ACTIONS) plus any other
found in the table, so an action added later is never unfilterable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select

from domain.db import db
from domain.models import AuditLog

# A person leaving a BIN (removed, or erased everywhere): one entry per person, with the
# BIN ids and the contributions they had paid; yearly reports count them, retention keeps them.
LEAVING_ACTIONS = ("member.remove", "member.erase")

KNOWN_ACTIONS = (
    "application.approve", "application.confirm", "application.decline",
    "application.submit", "application.list", "contribution.list",
    "auth.failure", "auth.lock", "auth.refused_locked", "auth.success", "auth.unlock",
    "bin.add", "bin.edit", "broadcast.cancel", "broadcast.planned", "broadcast.refused",
    "callback.replay", "demo.load", "member.export", "member.import", "member.personal_link",
    "member.add", "member.edit", "member.erase", "member.list", "member.remove", "member.view",
    "message.cancelled",
    "message.confirmed", "message.download_refused", "message.opened", "message.recorded",
    "message.recording_deleted", "retention.run",
    "officer.add", "officer.deactivate", "officer.set_pin", "officer.unlock",
    "web.sign_in", "web.sign_in_failed", "web.sign_out", "web_user.add", "web_user.bins",
    "web_user.deactivate", "web_user.edit", "web_user.role", "web_user.totp_enrolled",
)
# "Member data": every view, export and change of a member's or applicant's data.
MEMBER_DATA = ("member.", "application.", "contribution.")


@dataclass(frozen=True)
class AuditFilter:
    """What the reader asks for; empty parts do not filter. `until` is exclusive."""

    actor: str = ""
    action: str = ""
    subject: str = ""
    since: datetime | None = None
    until: datetime | None = None
    bin_id: int | None = None  # entries concerning this BIN (AuditLog.bins)
    member_data: bool = False  # only the MEMBER_DATA actions


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditLog]
    total: int
    page: int
    pages: int


def known_actions() -> list[str]:
    """Every action a filter may pick: the code's own and those already in the table."""
    stored = db.session.scalars(select(AuditLog.action).distinct())
    return sorted(set(KNOWN_ACTIONS) | set(stored))


def search(wanted: AuditFilter, page: int = 1, per_page: int = 50) -> AuditPage:
    """One page of matching entries, newest first (ties by id, so paging is stable)."""
    query = _filtered(select(AuditLog), wanted)
    total = db.session.scalar(_filtered(select(func.count(AuditLog.id)), wanted)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    entries = list(db.session.scalars(query.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                                      .limit(per_page).offset((page - 1) * per_page)))
    return AuditPage(entries, total, page, pages)


def _filtered(query: Select, wanted: AuditFilter) -> Select:
    if wanted.actor:
        query = query.where(func.lower(AuditLog.actor).contains(wanted.actor.strip().lower(),
                                                                autoescape=True))
    if wanted.action:
        query = query.where(AuditLog.action == wanted.action)
    if wanted.subject:
        query = query.where(func.lower(AuditLog.subject).contains(
            wanted.subject.strip().lower(), autoescape=True))
    if wanted.since is not None:
        query = query.where(AuditLog.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditLog.at < wanted.until)
    if wanted.bin_id is not None:
        query = query.where(AuditLog.bins.contains(f",{wanted.bin_id},"))
    if wanted.member_data:
        query = query.where(or_(*(AuditLog.action.startswith(p) for p in MEMBER_DATA)))
    return query
