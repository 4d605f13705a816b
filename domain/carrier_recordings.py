"""The carrier's copy of an officer's recording is deleted once ours is processed.

Once a take's audio is ready (or refused) the app never reads the carrier's copy again:
members hear our processed WAV, the officer listens back to it. Keeping the police voice
at the carrier too would be a second copy of personal data nobody looks after, so every
take of the message (the current one, and earlier takes the audit log names as
`message.recorded`) gets a `DELETE Recordings/{Sid}` and the message its
`recording_deleted_at`.

The RQ job `jobs.recordings.delete_carrier_recording(message_id)` does it; it is
idempotent (a recording the carrier no longer knows counts as deleted) and a carrier
error reaches RQ, which retries it. Nothing is lost when the job is: the reconciler pass
`enqueue_due_deletions` queues every message still due, at most every RETRY_AFTER_S, and
`retention run` deletes them inline.

A message whose officer may still be on the line (status `recording`) waits until the
call is over, as a re-take would otherwise be deleted while it is being listened to.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import redis
from rq import Queue, Retry
from sqlalchemy import ColumnElement, and_, or_, select, update

from domain import carrier
from domain.db import db
from domain.models import AuditLog, Message, audit, utcnow
from domain.redis_conn import redis_conn
from domain.status import AudioStatus, MessageStatus

log = logging.getLogger(__name__)
RETRY_AFTER_S = 300
# A message still `recording` this long after it was made has no officer on the line.
ON_THE_LINE_AT_MOST = timedelta(hours=4)  # the carrier's default limit of a call


def due(now: datetime) -> ColumnElement[bool]:
    """Messages whose carrier copy may go and has not gone yet."""
    return and_(
        Message.recording_sid.is_not(None), Message.recording_deleted_at.is_(None),
        Message.audio_status.in_((AudioStatus.READY, AudioStatus.REFUSED)),
        or_(Message.status != MessageStatus.RECORDING,
            Message.created_at < now - ON_THE_LINE_AT_MOST))


def takes(message_id: int, current: str) -> list[str]:
    """Every recording SID the message had: earlier takes first, the current one last."""
    audited = db.session.scalars(select(AuditLog.details).where(
        AuditLog.action == "message.recorded", AuditLog.subject == f"message:{message_id}")
        .order_by(AuditLog.id))
    sids = [d["recording_sid"] for d in audited if d and d.get("recording_sid")]
    return list(dict.fromkeys([*sids, current]))


def delete_carrier_copies(message_id: int, now: datetime | None = None) -> str:
    """DELETE every take at the carrier and mark the message; "deleted", or "not_due"
    when there is nothing (more) to delete. Carrier errors are raised for RQ to retry."""
    now = now or utcnow()
    current = db.session.scalar(select(Message.recording_sid).where(
        Message.id == message_id, due(now)))
    db.session.commit()  # no snapshot held across the carrier requests
    if current is None:
        return "not_due"
    sids = takes(message_id, current)
    gone = sum(carrier.delete_recording(sid) for sid in sids)
    marked = db.session.execute(update(Message).where(
        Message.id == message_id, Message.recording_sid == current,
        Message.recording_deleted_at.is_(None))
        .values(recording_deleted_at=utcnow(), recording_url=None)).rowcount
    if not marked:
        db.session.rollback()
        return "not_due"
    audit("system", "message.recording_deleted", f"message:{message_id}",
          recordings=len(sids), found=gone)
    db.session.commit()
    return "deleted"


def job_id(message_id: int) -> str:
    return f"recording-delete-{message_id}"


def enqueue_deletion(message_id: int) -> bool:
    """Queue the job unless it was queued in the last RETRY_AFTER_S; False without Redis."""
    jid = job_id(message_id)
    try:
        client = redis_conn.client
        if not client.set(f"enqueued:{jid}", 1, nx=True, ex=RETRY_AFTER_S):
            return True
        Queue("low", connection=client).enqueue(
            "jobs.recordings.delete_carrier_recording", message_id, job_id=jid,
            retry=Retry(max=3, interval=[10, 60, 240]), result_ttl=3600,
            failure_ttl=7 * 24 * 3600)
    except redis.RedisError as exc:
        log.warning("carrier copy of message %s not queued for deletion (%s)", message_id,
                    exc.__class__.__name__)
        return False
    return True


def enqueue_due_deletions(now: datetime) -> int:
    """Reconciler pass: queue the deletion of every carrier copy still due (routine: 0)."""
    for message_id in db.session.scalars(select(Message.id).where(due(now)).limit(500)).all():
        enqueue_deletion(message_id)
    db.session.commit()
    return 0
