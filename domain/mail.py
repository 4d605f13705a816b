"""Outgoing e-mail: written to SQL before it is sent, sent once by an RQ job.

The whole message (headers, text, HTML, attachments) is built where it is asked for, in
the reader's language (ivr.mail_compose), and stored as one `OutboundMail` row in the same
transaction as what caused it (an application, an approval). When that transaction
commits, the send job is enqueued; if Redis is away the reconciler finds the row queued
and enqueues it again. The job claims the row (queued -> sending) with a conditional
UPDATE, so a duplicate job sends nothing; a temporary SMTP failure puts it back in the
queue with a growing delay, a permanent one (5xx: a bad address) ends it as failed. Once
the server has accepted it the body is erased: the row keeps only who, what kind, when.

The one way to send a mail twice is a worker that dies between the server's "250 OK"
and the commit of `sent`; the reconciler then sends it again after MAIL_STALE_S, with the
same Message-ID, which lets mail clients fold the two.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

import redis
from flask import current_app
from rq import Queue
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from domain.db import db
from domain.metrics import EMAILS_SENT
from domain.models import OutboundMail, utcnow
from domain.redis_conn import redis_conn
from domain.status import MAIL, MailStatus

log = logging.getLogger(__name__)
SEND_JOB = "jobs.mail.send_mail"
QUEUE = "normal"
PENDING_KEY = "buurtlijn_mails_to_enqueue"  # in Session.info: ids to enqueue on commit
# The n-th retry after a temporary failure waits MAIL_RETRY_BASE_S (10 s) times this.
RETRY_FACTORS = (1, 3, 6, 30, 90, 180, 360)
TEMPORARY = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError,
             socket.timeout, TimeoutError, OSError)


def queue_mail(message: EmailMessage, kind: str, language: str = "nl", *,
               member_id: int | None = None, application_id: int | None = None) -> OutboundMail:
    """Store `message` to be sent once the caller's transaction commits; returns the row."""
    if "Message-ID" not in message:
        domain_part = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2]
        message["Message-ID"] = make_msgid(domain=domain_part or None)
    if "From" not in message:
        message["From"] = current_app.config["MAIL_FROM"]
    recipient = parseaddr(str(message["To"]))[1]  # the envelope's: no display name
    row = OutboundMail(kind=kind, status=MailStatus.QUEUED, to_address=recipient,
                       language=language, subject=str(message["Subject"] or ""),
                       message_id=str(message["Message-ID"]), body=_wire_bytes(message),
                       attempts=0, member_id=member_id, application_id=application_id)
    db.session.add(row)
    db.session.flush()
    db.session.info.setdefault(PENDING_KEY, []).append(row.id)
    return row


def _wire_bytes(message: EmailMessage) -> bytes:
    """The message with CRLF line ends, as SMTP wants it: smtplib sends bytes as they are,
    and a server reads a bare-LF message as one line (aiosmtpd refuses it past 1,000
    bytes with "500 Line too long"; servers wary of SMTP smuggling refuse bare LF)."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def init_app(app) -> None:
    """Enqueue the send job of every mail a transaction stored, once it has committed."""
    if not event.contains(Session, "after_commit", _enqueue_committed):  # once per process
        event.listen(Session, "after_commit", _enqueue_committed)
        event.listen(Session, "after_rollback", _forget_rolled_back)


def _enqueue_committed(session: Session) -> None:
    ids = session.info.pop(PENDING_KEY, None)
    if ids:
        enqueue(ids)


def _forget_rolled_back(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def enqueue(mail_ids: list[int], delay_s: int = 0) -> None:
    """Best effort: if Redis is away the reconciler enqueues the queued rows again."""
    try:
        queue = Queue(QUEUE, connection=redis_conn.client)
        for mail_id in mail_ids:
            if delay_s:
                queue.enqueue_in(timedelta(seconds=delay_s), SEND_JOB, mail_id,
                                 result_ttl=60, failure_ttl=86400)
            else:
                queue.enqueue(SEND_JOB, mail_id, result_ttl=60, failure_ttl=86400)
    except redis.RedisError as exc:
        log.warning("mail not enqueued (%s); the reconciler will", exc.__class__.__name__)


def send(mail_id: int) -> str:
    """Send one stored mail if it is still queued; what became of it, for the job log."""
    now = utcnow()
    claimed = db.session.execute(
        update(OutboundMail)
        .where(OutboundMail.id == mail_id,
               OutboundMail.status.in_(MAIL.sources(MailStatus.SENDING)))
        .values(status=MailStatus.SENDING, claimed_at=now, attempts=OutboundMail.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return "not queued"
    mail = db.session.get(OutboundMail, mail_id)
    try:
        _deliver(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        if all(code >= 500 for code, _ in exc.recipients.values()):
            return _settle(mail, MailStatus.FAILED, _reason(exc))
        return _retry_later(mail, _reason(exc))  # 4xx: greylisting, a full disk
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            return _settle(mail, MailStatus.FAILED, _reason(exc))
        return _retry_later(mail, _reason(exc))
    except TEMPORARY as exc:
        return _retry_later(mail, _reason(exc))
    mail.status, mail.sent_at, mail.body, mail.last_error = MailStatus.SENT, utcnow(), None, None
    db.session.commit()
    EMAILS_SENT.inc()
    return "sent"


def _deliver(mail: OutboundMail) -> None:
    config = current_app.config
    sender = parseaddr(config["MAIL_FROM"])[1]
    timeout = config["MAIL_TIMEOUT_S"]
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.sendmail(sender, [mail.to_address], mail.body)


def _retry_later(mail: OutboundMail, reason: str) -> str:
    if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        return _settle(mail, MailStatus.FAILED, reason)
    factor = RETRY_FACTORS[min(mail.attempts, len(RETRY_FACTORS)) - 1]
    delay = max(1, round(current_app.config["MAIL_RETRY_BASE_S"] * factor))
    mail.status, mail.last_error = MailStatus.QUEUED, reason
    mail.next_attempt_at = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    enqueue([mail.id], delay)
    return f"retry later ({reason})"


def _settle(mail: OutboundMail, status: MailStatus, reason: str) -> str:
    mail.status, mail.last_error, mail.body = status, reason, None
    db.session.commit()
    log.warning("mail %s %s: %s", mail.id, status, reason)
    return f"{status} ({reason})"


def _reason(exc: Exception) -> str:
    """What went wrong, without the addresses a server may quote back."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return "recipient refused " + ",".join(str(c) for c in codes)
    return exc.__class__.__name__


def requeue_forgotten(now) -> int:
    """Reconciler pass: free mails a dead worker held, enqueue queued ones nobody took."""
    stale = now - timedelta(seconds=current_app.config["MAIL_STALE_S"])
    # A queued mail is normally taken within a second; one that waited a minute past its
    # time was lost with Redis (enqueued again: the job's claim makes a duplicate harmless).
    overdue = now - timedelta(seconds=60)
    held = (OutboundMail.status == MailStatus.SENDING) & (OutboundMail.claimed_at < stale)
    forgotten = (OutboundMail.status == MailStatus.QUEUED) & (
        (OutboundMail.next_attempt_at.is_(None) & (OutboundMail.created_at < overdue))
        | (OutboundMail.next_attempt_at < overdue))
    ids = list(db.session.scalars(select(OutboundMail.id).where(held | forgotten).limit(1000)))
    if not ids:
        return 0
    db.session.execute(
        update(OutboundMail)
        .where(OutboundMail.id.in_(ids), held | forgotten)
        .values(status=MailStatus.QUEUED, next_attempt_at=now))
    db.session.commit()
    enqueue(ids)
    return len(ids)
