"""The member's own page: personal links, their own corrections, everything stored
about them, and leaving (which erases them: domain.erasure).

A resident has no password: a personal link (only its sha256 stored) opens the page
until it expires, and a new one can be asked for by e-mail. What the member changes is
checked as the import checks it and audited like a coordinator's edit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from domain import member_admin
from domain.applications import hash_token, new_token
from domain.db import db
from domain.members_csv import MemberRow
from domain.models import (
    Application,
    Contribution,
    Member,
    MemberLink,
    Membership,
    OutboundMail,
    audit,
)

LINK_DAYS = 30
SELF = "member"  # the audit log's actor when members change their own data


def make_link(member: Member, now: datetime, days: int = LINK_DAYS) -> str:
    """A new personal link's token (returned once, to mail or print); older links stay
    valid until they expire."""
    token, digest = new_token()
    db.session.add(MemberLink(member_id=member.id, token_hash=digest,
                              expires_at=now + timedelta(days=days)))
    db.session.flush()
    return token


def member_for(token: str, now: datetime) -> Member | None:
    """The member a link opens, or None when it is unknown or expired."""
    link = db.session.scalar(select(MemberLink).where(
        MemberLink.token_hash == hash_token(token), MemberLink.expires_at > now))
    if link is None:
        return None
    link.last_used_at = now
    return link.member


def find_by_email(email: str) -> list[Member]:
    """Members with this e-mail address (any case): a household may share one."""
    email = email.strip().casefold()
    if not email:
        return []
    return [m for m in db.session.scalars(select(Member).where(Member.email.isnot(None)))
            if m.email.casefold() == email] if len(email) <= 254 else []


def correct(member: Member, row: MemberRow) -> None:
    """The member's own corrections (the import's checks were made on `row`)."""
    member_admin.edit_member(member, row, SELF)


def swap_numbers(member: Member) -> bool:
    """Call the second number first: `phone` is the one called, `phone2` the fallback."""
    if not member.phone2:
        return False
    member.phone, member.phone2 = member.phone2, member.phone
    member.phone_type, member.phone2_type = member.phone2_type, member.phone_type
    db.session.flush()
    audit(SELF, "member.edit", str(member.id), fields=["phone", "phone2"],
          bins=sorted(ms.bin_id for ms in member.memberships))
    return True


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def everything(member: Member) -> dict:
    """All that is stored about the member, as plain data (the JSON download and the
    printable page). Mails are listed by kind and date: their bodies are not kept."""
    memberships = list(db.session.scalars(
        select(Membership).where(Membership.member_id == member.id)))
    contributions = list(db.session.scalars(
        select(Contribution).join(Membership).where(Membership.member_id == member.id)
        .order_by(Contribution.year)))
    applications = list(db.session.scalars(
        select(Application).where(Application.member_id == member.id)
        .order_by(Application.created_at)))
    mails = list(db.session.scalars(
        select(OutboundMail).where(OutboundMail.member_id == member.id)
        .order_by(OutboundMail.created_at)))
    fields = ("name", "street", "house_number", "postcode", "municipality", "phone",
              "phone_type", "phone2", "phone2_type", "language", "email", "channel", "status")
    return {
        "member": {**{f: getattr(member, f) for f in fields},
                   "consent_at": _iso(member.consent_at), "created_at": _iso(member.created_at),
                   "updated_at": _iso(member.updated_at)},
        "memberships": [{"bin_code": ms.bin.code, "bin_name": ms.bin.name,
                         "status": ms.status, "joined_at": _iso(ms.joined_at)}
                        for ms in memberships],
        "contributions": [{"bin_code": c.membership.bin.code, "year": c.year,
                           "amount_cents": c.amount_cents, "reference": c.reference,
                           "paid_at": _iso(c.paid_at), "paid_cents": c.paid_cents}
                          for c in contributions],
        "applications": [{"bin_code": a.bin.code, "status": a.status,
                          "created_at": _iso(a.created_at), "confirmed_at": _iso(a.confirmed_at),
                          "decided_at": _iso(a.decided_at),
                          "decline_reason": a.decline_reason} for a in applications],
        "mails": [{"kind": m.kind, "status": m.status, "created_at": _iso(m.created_at),
                   "sent_at": _iso(m.sent_at)} for m in mails],
    }
