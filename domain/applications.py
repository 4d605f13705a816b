"""Applications to join a BIN: from the public form, through the double opt-in, to the
coordinator's approve or decline.

Each move is a conditional UPDATE whose WHERE comes from `APPLICATION.sources()`, so a
double click, a second tab or a replayed link moves an application once: approving
twice makes one member and sends one welcome mail. The confirmation link's token is
only ever in the mail; the row keeps its sha256."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from domain import member_admin
from domain.contributions import open_contribution
from domain.db import db
from domain.member_admin import MemberError
from domain.members_csv import MemberRow
from domain.models import Application, Bin, Contribution, Member, Membership, audit
from domain.status import APPLICATION, ApplicationStatus, MembershipStatus

CONFIRM_DAYS = 7
PUBLIC_ACTOR = "public"  # the audit log's actor for what a resident does without signing in


def new_token() -> tuple[str, str]:
    """A random URL token and the sha256 (hex) that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def submit(row: MemberRow, bin_id: int, now: datetime) -> tuple[Application, str | None]:
    """Store an application; with an e-mail it waits for its confirmation link (the token
    is returned, to be mailed), without one it is in the coordinator's inbox at once."""
    application = Application(
        bin_id=bin_id, name=row.name, street=row.street, house_number=row.house_number,
        postcode=row.postcode, municipality=row.municipality or None, phone=row.phone,
        phone_type=row.phone_type, phone2=row.phone2, phone2_type=row.phone2_type,
        language=row.language, email=row.email, channel=row.channel, consent_at=now)
    token = None
    if row.email:
        token, application.confirm_token_hash = new_token()
        application.confirm_expires_at = now + timedelta(days=CONFIRM_DAYS)
        application.status = ApplicationStatus.APPLIED
    else:
        application.status = ApplicationStatus.CONFIRMED
        application.confirmed_at = now
    db.session.add(application)
    db.session.flush()
    audit(PUBLIC_ACTOR, "application.submit", str(application.id), bin_id=bin_id,
          email=bool(row.email))
    return application, token


@dataclass
class Confirmation:
    outcome: str  # "confirmed" | "already" | "expired" | "unknown"
    application: Application | None = None


def confirm(token: str, now: datetime) -> Confirmation:
    """Follow a confirmation link: the application moves to the inbox once; a second
    click says so, an expired link says that."""
    application = db.session.scalar(select(Application).where(
        Application.confirm_token_hash == hash_token(token)))
    if application is None:
        return Confirmation("unknown")
    moved = db.session.execute(
        update(Application)
        .where(Application.id == application.id,
               Application.status.in_(APPLICATION.sources(ApplicationStatus.CONFIRMED)),
               Application.confirm_expires_at > now)
        .values(status=ApplicationStatus.CONFIRMED, confirmed_at=now)).rowcount
    db.session.refresh(application)
    if moved:
        audit(PUBLIC_ACTOR, "application.confirm", str(application.id),
              bin_id=application.bin_id)
        return Confirmation("confirmed", application)
    if application.status == ApplicationStatus.APPLIED:
        return Confirmation("expired", application)
    return Confirmation("already", application)


def inbox(bin_ids: set[int]) -> tuple[list[Application], list[Application]]:
    """(confirmed and waiting for a decision, still waiting for their e-mail), oldest first."""
    rows = list(db.session.scalars(
        select(Application)
        .where(Application.bin_id.in_(bin_ids),
               Application.status.in_((ApplicationStatus.CONFIRMED, ApplicationStatus.APPLIED)))
        .order_by(Application.created_at, Application.id)))
    return ([a for a in rows if a.status == ApplicationStatus.CONFIRMED],
            [a for a in rows if a.status == ApplicationStatus.APPLIED])


def decided(bin_ids: set[int], limit: int = 20) -> list[Application]:
    """The latest approved and declined applications, newest first."""
    return list(db.session.scalars(
        select(Application)
        .where(Application.bin_id.in_(bin_ids),
               Application.status.in_((ApplicationStatus.APPROVED, ApplicationStatus.DECLINED)))
        .order_by(Application.decided_at.desc(), Application.id.desc()).limit(limit)))


def find(application_id: int, bin_ids: set[int]) -> Application | None:
    """The application if it is for one of `bin_ids`, else None (the web layer's 404)."""
    return db.session.scalar(select(Application).where(
        Application.id == application_id, Application.bin_id.in_(bin_ids)))


@dataclass
class Approval:
    member: Member
    membership: Membership
    contribution: Contribution | None  # None when the BIN is free


def _decide(application: Application, status: ApplicationStatus, actor: str, now: datetime,
            **values) -> bool:
    moved = db.session.execute(
        update(Application)
        .where(Application.id == application.id,
               Application.status.in_(APPLICATION.sources(status)))
        .values(status=status, decided_at=now, decided_by=actor, **values)).rowcount
    db.session.refresh(application)
    return bool(moved)


def approve(application: Application, actor: str, now: datetime) -> Approval | None:
    """Make the applicant a member (the same person known elsewhere gets this BIN too),
    `approved` until paid when the BIN charges a fee, `active` when it is free, with this
    year's contribution. None when the application was already decided: nothing is done."""
    if not _decide(application, ApplicationStatus.APPROVED, actor, now):
        return None
    bin_ = db.session.get(Bin, application.bin_id)
    row = MemberRow(
        line=0, bin_code=bin_.code, name=application.name, street=application.street,
        house_number=application.house_number, postcode=application.postcode,
        municipality=application.municipality or "", phone=application.phone,
        phone_type=application.phone_type, phone2=application.phone2,
        phone2_type=application.phone2_type, language=application.language,
        email=application.email, channel=application.channel)
    try:
        member, _created = member_admin.add_member(row, bin_.id, actor)
        joined = True
    except MemberError:  # already a member of this BIN (imported by the coordinator)
        member, joined = member_admin._same_person(row.name, row.phone), False
    membership = db.session.scalar(select(Membership).where(
        Membership.member_id == member.id, Membership.bin_id == bin_.id))
    if joined:  # a standing membership keeps its state
        membership.status = (MembershipStatus.APPROVED if bin_.fee_cents
                             else MembershipStatus.ACTIVE)
    member.consent_at = application.consent_at
    application.member_id = member.id
    db.session.flush()
    contribution = open_contribution(membership, now.year)
    audit(actor, "application.approve", str(application.id), bin_id=bin_.id,
          member=member.id)
    return Approval(member, membership, contribution)


def decline(application: Application, reason: str, actor: str, now: datetime) -> bool:
    """Decline with a reason (mailed to the applicant); False when already decided."""
    if not _decide(application, ApplicationStatus.DECLINED, actor, now,
                   decline_reason=reason):
        return False
    audit(actor, "application.decline", str(application.id), bin_id=application.bin_id)
    return True
