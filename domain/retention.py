"""Retention: personal details are erased once they have outlived their period.

One function per kind, each taking `now` and `dry_run` and returning how many rows it
erased (or would erase); `run()` calls them all. The periods are the settings
RETENTION_<PERIOD>_DAYS (ivr.config; 0 keeps nothing past the next run). What is erased
is the person in a row, not the row: a delivery keeps its outcome, confirmation and
replays, an attempt its status, durations and price, a message its kind, times and
audio length, so every count and cost the web app, `broadcast show`, `costs` and the
yearly report show reads the same after a run. Rows that are nothing but personal
(failed PINs, expired links, old applications, sessions) are deleted.

Nothing still in use is touched: a broadcast that is sending keeps its audio and its
numbers, an attempt whose price is still being fetched keeps its SID (domain.costs asks
the carrier by it), an application still waiting for its coordinator is kept. Erased
numbers and SIDs become `erased:<row id>`, unique per row, as the columns are unique or
not null and `count(call_sid)` counts the calls made. Every kind skips what it already
erased, so a second run erases nothing more; the reconciler queues a run every
RETENTION_INTERVAL_S (`schedule`), and `flask --app ivr retention run` runs one now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from flask import current_app
from rq import Queue, Retry
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)

from domain import carrier_recordings
from domain.audit_log import LEAVING_ACTIONS
from domain.db import db
from domain.models import (
    Application,
    AuditLog,
    AuthFailure,
    AuthGuard,
    CallAttempt,
    CallSession,
    Delivery,
    InboundCall,
    Lockout,
    MemberLink,
    Message,
    OutboundMail,
    audit,
    utcnow,
)
from domain.redis_conn import redis_conn
from domain.status import ApplicationStatus, MailStatus, MessageStatus

log = logging.getLogger(__name__)
ERASED = "erased:"
SCHEDULE_KEY = "buurtlijn:retention:scheduled"
# Messages whose broadcast is over: their audio and call details may go.
FINISHED = (MessageStatus.COMPLETED, MessageStatus.CANCELLED, MessageStatus.REFUSED)
# A call row, session or take still `recording` younger than this may belong to a call in
# progress (the carrier ends every call after 4 hours, Twilio's default time limit).
LIVE_CALL_AT_MOST = timedelta(hours=4)
FAILURE_ACTIONS = ("auth.failure", "auth.refused_locked", "auth.lock", "web.sign_in_failed")


def cutoff(now: datetime, period: str) -> datetime:
    """The moment before which a row of this period has outlived it."""
    return now - timedelta(days=current_app.config[f"RETENTION_{period}_DAYS"])


def _placeholder(column) -> ColumnElement:
    """`erased:<id>` of the row: unique, so unique and not-null columns stay valid."""
    return literal(ERASED).concat(cast(column, String))


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _finished_before(moment: datetime) -> ColumnElement[bool]:
    """Messages that were over (completed, cancelled, refused) before `moment`."""
    over = func.coalesce(Message.completed_at, Message.cancelled_at, Message.created_at)
    return and_(Message.status.in_(FINISHED), over < moment)


def carrier_copies(now: datetime, dry_run: bool) -> int:
    """The carrier's copies of processed recordings (no period: as soon as ours is done).
    A carrier error leaves the message due; the reconciler's job tries again."""
    due = list(db.session.scalars(select(Message.id).where(carrier_recordings.due(now))))
    db.session.commit()
    if dry_run:
        return len(due)
    deleted = 0
    for message_id in due:
        try:
            deleted += carrier_recordings.delete_carrier_copies(message_id, now) == "deleted"
        except Exception as exc:  # the carrier is away: counted next run, queued meanwhile
            db.session.rollback()
            log.warning("carrier copy of message %s not deleted (%s)", message_id,
                        exc.__class__.__name__)
            carrier_recordings.enqueue_deletion(message_id)
    return deleted


def recordings(now: datetime, dry_run: bool) -> int:
    """Our processed audio, the carrier URL and the officer's calling number, of messages
    over for RECORDINGS days (or takes abandoned on the line that long ago)."""
    moment = cutoff(now, "RECORDINGS")
    abandoned = and_(Message.status == MessageStatus.RECORDING,
                     Message.created_at < min(moment, now - LIVE_CALL_AT_MOST))
    where = and_(Message.audio_erased_at.is_(None), or_(_finished_before(moment), abandoned))
    count = _count(select(Message.id).where(where))
    if count and not dry_run:
        db.session.execute(update(Message).where(where).values(
            audio_wav=None, audio_sha256=None, recorded_from=None, call_sid=None,
            recording_url=None, audio_erased_at=now))
        db.session.commit()
    return count


def call_details(now: datetime, dry_run: bool) -> int:
    """Numbers, SIDs and errors of the calls of broadcasts over for CALL_DETAILS days:
    the deliveries' numbers and the attempts' (whose price is known or given up on)."""
    old = select(Message.id).where(_finished_before(cutoff(now, "CALL_DETAILS")))
    deliveries = and_(Delivery.message_id.in_(old), Delivery.phone.not_like(ERASED + "%"))
    of_old = select(Delivery.id).where(Delivery.message_id.in_(old))
    attempts = and_(CallAttempt.delivery_id.in_(of_old), CallAttempt.price_check_at.is_(None),
                    CallAttempt.to_number.not_like(ERASED + "%"))
    count = (_count(select(Delivery.id).where(deliveries))
             + _count(select(CallAttempt.id).where(attempts)))
    if count and not dry_run:
        db.session.execute(update(CallAttempt).where(attempts).values(
            to_number=_placeholder(CallAttempt.id), error=None,
            call_sid=case((CallAttempt.call_sid.is_(None), None),
                          else_=_placeholder(CallAttempt.id))))
        db.session.execute(update(Delivery).where(deliveries).values(
            phone=_placeholder(Delivery.id), phone2=None, updated_at=Delivery.updated_at))
        db.session.commit()
    return count


def inbound_calls(now: datetime, dry_run: bool) -> int:
    """Who called the caller ID or the recording line (number, member) INBOUND_CALLS days
    ago, and the state of those calls (at least LIVE_CALL_AT_MOST ago: the call's own
    webhooks look its row up by SID while it lasts)."""
    moment = min(cutoff(now, "INBOUND_CALLS"), now - LIVE_CALL_AT_MOST)
    calls = and_(InboundCall.created_at < moment, InboundCall.call_sid.not_like(ERASED + "%"))
    sessions = CallSession.updated_at < moment
    count = (_count(select(InboundCall.id).where(calls))
             + _count(select(CallSession.call_sid).where(sessions)))
    if count and not dry_run:
        db.session.execute(update(InboundCall).where(calls).values(
            from_number=None, member_id=None, call_sid=_placeholder(InboundCall.id)))
        db.session.execute(delete(CallSession).where(sessions))
        db.session.commit()
    return count


def sign_in_failures(now: datetime, dry_run: bool) -> int:
    """Failed PINs and web sign-ins, ended lockouts and guards, SIGN_IN_FAILURES days old;
    their audit entries keep only that a failure happened (not who, from where)."""
    moment = cutoff(now, "SIGN_IN_FAILURES")
    failures = AuthFailure.at < moment
    locks = func.coalesce(Lockout.lifted_at, Lockout.until) < moment
    guards = AuthGuard.touched_at < moment
    entries = and_(AuditLog.action.in_(FAILURE_ACTIONS), AuditLog.at < moment,
                   AuditLog.actor != "erased")
    count = (_count(select(AuthFailure.id).where(failures))
             + _count(select(Lockout.id).where(locks))
             + _count(select(AuthGuard.key).where(guards))
             + _count(select(AuditLog.id).where(entries)))
    if count and not dry_run:
        db.session.execute(delete(AuthFailure).where(failures))
        db.session.execute(delete(Lockout).where(locks))
        db.session.execute(delete(AuthGuard).where(guards))
        db.session.execute(update(AuditLog).where(entries).values(
            actor="erased", subject=None, details=None))
        db.session.commit()
    return count


def links(now: datetime, dry_run: bool) -> int:
    """Personal links expired LINKS days ago."""
    where = MemberLink.expires_at < cutoff(now, "LINKS")
    count = _count(select(MemberLink.id).where(where))
    if count and not dry_run:
        db.session.execute(delete(MemberLink).where(where))
        db.session.commit()
    return count


def applications(now: datetime, dry_run: bool) -> int:
    """Applications decided (declined, or approved: the member row holds the data now)
    APPLICATIONS days ago, or whose e-mail confirmation ran out that long ago. One in the
    coordinator's inbox is kept until decided."""
    moment = cutoff(now, "APPLICATIONS")
    where = or_(
        and_(Application.status.in_((ApplicationStatus.DECLINED, ApplicationStatus.APPROVED)),
             Application.decided_at < moment),
        and_(Application.status == ApplicationStatus.APPLIED,
             Application.confirm_expires_at < moment))
    ids = select(Application.id).where(where)
    count = _count(ids)
    if count and not dry_run:
        db.session.execute(update(OutboundMail).where(OutboundMail.application_id.in_(ids))
                           .values(application_id=None))
        db.session.execute(delete(Application).where(where))
        db.session.commit()
    return count


def mails(now: datetime, dry_run: bool) -> int:
    """Address, subject, body and error of mails sent or given up MAILS days ago; the
    row (kind, status, times) stays."""
    where = and_(OutboundMail.status.in_((MailStatus.SENT, MailStatus.FAILED)),
                 OutboundMail.created_at < cutoff(now, "MAILS"),
                 or_(OutboundMail.to_address.is_not(None), OutboundMail.subject != "",
                     OutboundMail.body.is_not(None), OutboundMail.last_error.is_not(None)))
    count = _count(select(OutboundMail.id).where(where))
    if count and not dry_run:
        db.session.execute(update(OutboundMail).where(where).values(
            to_address=None, subject="", body=None, last_error=None))
        db.session.commit()
    return count


def audit_log(now: datetime, dry_run: bool) -> int:
    """Audit entries AUDIT days old (by default two years). The entries of people leaving
    stay: they hold only ids, BINs and contribution amounts, and every yearly report
    counts who left, and what they had paid, from them."""
    where = and_(AuditLog.at < cutoff(now, "AUDIT"), AuditLog.action.not_in(LEAVING_ACTIONS))
    count = _count(select(AuditLog.id).where(where))
    if count and not dry_run:
        db.session.execute(delete(AuditLog).where(where))
        db.session.commit()
    return count


@dataclass(frozen=True)
class Kind:
    erase: Callable[[datetime, bool], int]
    unit: str  # what one counted row is, for the command's output
    period: str | None  # the RETENTION_<period>_DAYS setting; None: no period


# In order: the carrier copies first (they need the recording SID our rows keep).
KINDS: dict[str, Kind] = {
    "carrier_recordings": Kind(carrier_copies, "messages' recordings at the carrier", None),
    "recordings": Kind(recordings, "messages' audio and caller", "RECORDINGS"),
    "call_details": Kind(call_details, "deliveries and call attempts", "CALL_DETAILS"),
    "inbound_calls": Kind(inbound_calls, "inbound calls and call sessions", "INBOUND_CALLS"),
    "sign_in_failures": Kind(sign_in_failures, "failures, lockouts and their audit entries",
                             "SIGN_IN_FAILURES"),
    "links": Kind(links, "personal links", "LINKS"),
    "applications": Kind(applications, "applications", "APPLICATIONS"),
    "mails": Kind(mails, "e-mails", "MAILS"),
    "audit": Kind(audit_log, "audit entries", "AUDIT"),
}


def run(now: datetime | None = None, dry_run: bool = False,
        progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Every kind in turn; what each erased (or would). A real run is audited with its
    counts, after the audit kind, so the entry itself is never erased by its own run."""
    now = now or utcnow()
    done: dict[str, int] = {}
    for name, kind in KINDS.items():
        done[name] = kind.erase(now, dry_run)
        if progress is not None:
            progress(name, done[name])
    if not dry_run:
        audit("system", "retention.run", None, **done)
        db.session.commit()
    return done


def schedule(now: datetime) -> int:
    """Reconciler pass: queue a retention run once every RETENTION_INTERVAL_S (0: never;
    `retention run` only). Without Redis nothing is queued: the next pass tries again."""
    interval = current_app.config["RETENTION_INTERVAL_S"]
    if interval <= 0:
        return 0
    try:
        client = redis_conn.client
        if client.set(SCHEDULE_KEY, now.isoformat(), nx=True, ex=interval):
            Queue("low", connection=client).enqueue(
                "jobs.retention.run_retention", job_id=f"retention-{int(now.timestamp())}",
                retry=Retry(max=3, interval=[60, 600, 3600]), job_timeout=3600,
                result_ttl=7 * 24 * 3600, failure_ttl=30 * 24 * 3600)
    except redis.RedisError as exc:
        log.warning("retention run not queued (%s)", exc.__class__.__name__)
    return 0  # routine, not a repair
