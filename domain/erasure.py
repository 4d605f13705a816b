"""Erasing a person, and giving them everything stored about them (GDPR art. 15 and 17).

Erasure is not deletion of history: a past broadcast's deliveries and call attempts stay
as anonymous rows (no member, no number, no call SID, a placeholder where a unique or
NOT NULL column needs one) with their status, outcome, durations and price, so the reach
and cost of a message, and the BIN's yearly report, read the same afterwards. Everything
that names the person goes: the member row, memberships, personal links, contributions
(their amounts stay in the audit entry, which the yearly report sums), applications and
mails by their address or numbers, inbound calls and sign-in throttling rows from their
numbers, and their name, numbers and address in the audit log's text.

A number or address that another member still holds (a shared landline) is that other
member's data as well: rows keyed only by such a number are left alone.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from sqlalchemy import String, cast, delete, func, literal, or_, select, text, update

from domain.broadcast.cancel import end_call
from domain.broadcast.outcomes import complete_if_done
from domain.db import db
from domain.member_admin import contributions_of
from domain.member_page import everything
from domain.models import (
    Application,
    AuditLog,
    AuthFailure,
    AuthGuard,
    CallAttempt,
    CallSession,
    Contribution,
    Delivery,
    InboundCall,
    Lockout,
    Member,
    MemberLink,
    Membership,
    Message,
    OutboundMail,
    audit,
    utcnow,
)
from domain.status import ATTEMPT, AttemptStatus, DeliveryStatus, Outcome

log = logging.getLogger(__name__)
ERASED = "[erased]"  # what an audit entry's text says where the person was named
PLACEHOLDER = "erased:"  # + the row id, where a column is NOT NULL or unique


@dataclass
class Erasure:
    """What `erase_person` did, in counts (for the CLI and the web page)."""

    member_id: int
    bins: list[int] = field(default_factory=list)
    deliveries: int = 0
    cancelled: int = 0  # deliveries still to be called, now never called
    applications: int = 0
    mails: int = 0
    inbound_calls: int = 0
    audit_entries: int = 0


def find_by_phone(phone: str) -> list[Member]:
    """Members whose first or second number is `phone` (E.164)."""
    return list(db.session.scalars(select(Member).where(
        or_(Member.phone == phone, Member.phone2 == phone)).order_by(Member.id)))


def _own_numbers(member: Member) -> list[str]:
    """The member's numbers that no other member has (those go with the person)."""
    numbers = {n for n in (member.phone, member.phone2) if n}
    shared = set(db.session.scalars(select(Member.phone).where(
        Member.id != member.id, Member.phone.in_(numbers)))) | set(db.session.scalars(
            select(Member.phone2).where(Member.id != member.id, Member.phone2.in_(numbers))))
    return sorted(numbers - shared)


def _own_email(member: Member) -> str | None:
    email = (member.email or "").strip().casefold()
    if not email:
        return None
    others = db.session.scalar(select(func.count(Member.id)).where(
        Member.id != member.id, func.lower(Member.email) == email))
    return None if others else email


def erase_person(member: Member, actor: str) -> Erasure:
    """Erase `member` everywhere (see the module docstring); audited as `member.erase`
    with the BINs left. The caller commits."""
    member_id = member.id
    numbers, email = _own_numbers(member), _own_email(member)
    words = _identifiers(member, numbers, email)
    memberships = list(member.memberships)
    result = Erasure(member_id, bins=sorted(ms.bin_id for ms in memberships))
    contributions = contributions_of(memberships)

    _erase_deliveries(member_id, numbers, result)
    _erase_joining(member_id, numbers, email, result)
    _erase_calls(member_id, numbers, result)
    db.session.execute(delete(Contribution).where(
        Contribution.membership_id.in_([ms.id for ms in memberships])))
    db.session.execute(delete(MemberLink).where(MemberLink.member_id == member_id))
    db.session.execute(delete(Membership).where(Membership.member_id == member_id))
    db.session.expunge(member)
    db.session.execute(delete(Member).where(Member.id == member_id))
    result.audit_entries = _scrub_audit(words)
    audit(actor, "member.erase", str(member_id), bins=result.bins,
          contributions=contributions, deliveries=result.deliveries)
    db.session.flush()
    return result


def checkpoint() -> bool:
    """After an erasure is committed, on SQLite: copy the WAL into the database file and
    truncate it, so the old pages (which still hold the person) leave the disk; in the
    file itself `secure_delete` has zeroed them. True when done; False on PostgreSQL
    (dead rows go at the next vacuum) or while a reader keeps the WAL busy (the next
    automatic checkpoint overwrites it)."""
    if db.engine.dialect.name != "sqlite":
        return False
    with db.engine.connect() as conn:
        busy, _, _ = conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
    return not busy


def _erase_deliveries(member_id: int, numbers: list[str], result: Erasure) -> None:
    """Past deliveries become anonymous counts; those still to be called are cancelled."""
    mine = or_(Delivery.member_id == member_id,
               Delivery.member_id.is_(None) & (Delivery.phone.in_(numbers)
                                               | Delivery.phone2.in_(numbers)))
    ids = list(db.session.scalars(select(Delivery.id).where(mine)))
    if not ids:
        return
    result.deliveries = len(ids)
    open_ = (DeliveryStatus.PENDING, DeliveryStatus.CALLING)
    messages = set(db.session.scalars(select(Delivery.message_id).where(
        Delivery.id.in_(ids), Delivery.status.in_(open_))))
    result.cancelled = db.session.execute(
        update(Delivery).where(Delivery.id.in_(ids), Delivery.status.in_(open_))
        .values(status=DeliveryStatus.CANCELLED, outcome=Outcome.CANCELLED)
        .execution_options(synchronize_session=False)).rowcount
    _end_live_calls(ids)
    db.session.execute(
        update(CallAttempt).where(CallAttempt.delivery_id.in_(ids))
        .values(to_number=PLACEHOLDER.rstrip(":"), error=None)
        .execution_options(synchronize_session=False))
    db.session.execute(  # an attempt the carrier never created keeps its empty SID
        update(CallAttempt).where(CallAttempt.delivery_id.in_(ids),
                                  CallAttempt.call_sid.is_not(None))
        .values(call_sid=literal(PLACEHOLDER) + cast(CallAttempt.id, String))
        .execution_options(synchronize_session=False))
    # A price not known yet cannot be fetched without the SID: stop asking the carrier.
    db.session.execute(
        update(CallAttempt).where(CallAttempt.delivery_id.in_(ids), CallAttempt.price.is_(None))
        .values(price_check_at=None).execution_options(synchronize_session=False))
    db.session.execute(
        update(Delivery).where(Delivery.id.in_(ids))
        .values(member_id=None, phone=literal(PLACEHOLDER) + cast(Delivery.id, String),
                phone2=None).execution_options(synchronize_session=False))
    db.session.flush()
    for message_id in messages:
        complete_if_done(message_id)


def _end_live_calls(delivery_ids: list[int]) -> None:
    """A call to the person still under way is hung up (best effort: the carrier may be
    unreachable) and its attempt closed as canceled, so that nothing asks the carrier
    about it by a SID that is about to go."""
    live = db.session.scalars(select(CallAttempt).where(
        CallAttempt.delivery_id.in_(delivery_ids), CallAttempt.status.not_in(ATTEMPT.final)))
    for attempt in live:
        if attempt.call_sid:
            try:
                end_call(attempt)
            except Exception as exc:  # noqa: BLE001 - erasure goes on whatever the carrier says
                log.info("erasure: ending call attempt %s: %s", attempt.id, type(exc).__name__)
        attempt.status, attempt.ended_at = AttemptStatus.CANCELED, utcnow()
    db.session.flush()


def _erase_joining(member_id: int, numbers: list[str], email: str | None,
                   result: Erasure) -> None:
    """Applications by the person (linked, or by their numbers or address) and mails."""
    by_person = [Application.member_id == member_id, Application.phone.in_(numbers),
                 Application.phone2.in_(numbers)]
    mail_to = [OutboundMail.member_id == member_id]
    if email:
        by_person.append(func.lower(Application.email) == email)
        mail_to.append(func.lower(OutboundMail.to_address) == email)
    applications = list(db.session.scalars(select(Application.id).where(or_(*by_person))))
    if applications:
        mail_to.append(OutboundMail.application_id.in_(applications))
    result.mails = db.session.execute(delete(OutboundMail).where(or_(*mail_to))
                                      .execution_options(synchronize_session=False)).rowcount
    result.applications = db.session.execute(
        delete(Application).where(Application.id.in_(applications))
        .execution_options(synchronize_session=False)).rowcount


def _erase_calls(member_id: int, numbers: list[str], result: Erasure) -> None:
    """Calls from their numbers, live call state naming them, sign-in throttling rows."""
    result.inbound_calls = db.session.execute(
        delete(InboundCall).where(or_(InboundCall.member_id == member_id,
                                      InboundCall.from_number.in_(numbers)))
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(update(Message).where(Message.recorded_from.in_(numbers))
                       .values(recorded_from=None))
    if not numbers:
        return
    state = cast(CallSession.state, String)
    db.session.execute(delete(CallSession).where(or_(*(state.contains(n) for n in numbers)))
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(AuthFailure).where(AuthFailure.caller.in_(numbers)))
    db.session.execute(delete(Lockout).where(Lockout.subject.in_(numbers)))
    db.session.execute(delete(AuthGuard).where(
        AuthGuard.key.in_([f"caller:{n}" for n in numbers])))


def _identifiers(member: Member, numbers: list[str], email: str | None) -> list[str]:
    """The strings that name the person in free text: name, numbers, address, e-mail."""
    words = [*numbers, email or ""]
    if len(member.name.strip()) >= 4:
        words.append(member.name.strip())
    if member.street and member.house_number:
        words.append(f"{member.street} {member.house_number}")
    return [w for w in words if w]


def _scrub_audit(words: list[str]) -> int:
    """Replace the person's name, numbers and address in audit entries' text; the entry
    (who did what, when) stays. Found in SQL by the text and its JSON-escaped form."""
    if not words:
        return 0
    forms = {form for w in words for form in (w, json.dumps(w)[1:-1])}
    details = cast(AuditLog.details, String)
    found = db.session.scalars(select(AuditLog).where(or_(*(
        column.contains(form, autoescape=True)
        for form in forms for column in (AuditLog.actor, AuditLog.subject, details)))))
    changed = 0
    for entry in found:
        entry.actor = _scrubbed(entry.actor, words)
        entry.subject = _scrubbed(entry.subject, words)
        entry.details = _scrubbed(entry.details, words)
        changed += 1
    return changed


def _scrubbed(value, words: list[str]):
    if isinstance(value, str):
        for word in words:
            value = value.replace(word, ERASED)
        return value
    if isinstance(value, dict):
        return {k: _scrubbed(v, words) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, words) for v in value]
    return value


def person_data(member: Member) -> dict:
    """Everything stored about the person, as plain data: what the member's own page
    offers, plus the calls made to them and the calls they made to our numbers."""
    data = everything(member)
    deliveries = db.session.execute(
        select(Delivery, Message.kind, Message.confirmed_at)
        .join(Message, Message.id == Delivery.message_id)
        .where(Delivery.member_id == member.id).order_by(Delivery.id)).all()
    data["deliveries"] = [{
        "message_id": d.message_id, "kind": kind, "sent_at": _iso(sent),
        "phone": d.phone, "phone2": d.phone2, "status": d.status, "outcome": d.outcome,
        "confirmed_at": _iso(d.confirmed_at),
        "calls": [{"number": a.to_number, "status": a.status, "dialed_at": _iso(a.dialed_at),
                   "duration_s": a.duration_s}
                  for a in sorted(d.call_attempts, key=lambda a: a.attempt_no)],
    } for d, kind, sent in deliveries]
    numbers = [n for n in (member.phone, member.phone2) if n]
    calls = db.session.scalars(select(InboundCall).where(or_(
        InboundCall.member_id == member.id, InboundCall.from_number.in_(numbers)))
        .order_by(InboundCall.created_at))
    data["inbound_calls"] = [{"from": c.from_number, "line": c.line,
                              "at": _iso(c.created_at)} for c in calls]
    return data


def _iso(value) -> str | None:
    return value.isoformat() if value else None
