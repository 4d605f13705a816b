"""RQ job: fetch an officer's recording from the carrier, process it, store it on the message.

Enqueued (job id `recording-<message_id>-<recording_sid>`) by the recording line as soon
as the carrier reports a recording, so the audio is usually ready before the officer has
finished listening back. The job takes IDs and reloads everything; it is idempotent (a
message whose audio is no longer pending for this recording is left alone, so a late job
for an earlier take never overwrites a newer one), and download errors reach RQ, which
retries them: the carrier may answer 404 for a moment after the recording ends.
"""

from __future__ import annotations

import logging

import redis
import requests
from flask import current_app
from rq import Queue, Retry
from sqlalchemy import select, update

from audio import RecordingRefused
from audio import process_recording as process_audio
from domain.broadcast.start import message_confirmed
from domain.db import db
from domain.models import Message, audit
from domain.redis_conn import redis_conn
from domain.status import AudioStatus, MessageStatus

log = logging.getLogger(__name__)
DOWNLOAD_TIMEOUT_S = 20.0
ENQUEUED_MARK_TTL_S = 24 * 3600

_http = requests.Session()


def job_id(message_id: int, recording_sid: str) -> str:
    return f"recording-{message_id}-{recording_sid}"


def enqueue_processing(message_id: int, recording_sid: str) -> bool:
    """Queue the job once per recording (the Record action and the status callback both
    call this); False when Redis is unreachable, which must not fail a webhook."""
    jid = job_id(message_id, recording_sid)
    try:
        client = redis_conn.client
        if not client.set(f"enqueued:{jid}", 1, nx=True, ex=ENQUEUED_MARK_TTL_S):
            return True
        Queue("urgent", connection=client).enqueue(
            "jobs.recordings.process_recording", message_id, recording_sid,
            job_id=jid, at_front=True, retry=Retry(max=3, interval=[1, 3, 10]),
            result_ttl=3600, failure_ttl=7 * 24 * 3600,
        )
    except redis.RedisError as exc:
        log.warning("recording %s of message %s not enqueued (%s); processed on listen-back",
                    recording_sid, message_id, exc.__class__.__name__)
        return False
    return True


def download_recording(recording_url: str) -> bytes:
    """The recording as WAV, authenticated as the carrier requires (HTTP basic)."""
    config = current_app.config
    response = _http.get(recording_url + ".wav", timeout=DOWNLOAD_TIMEOUT_S,
                         auth=(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]))
    response.raise_for_status()
    return response.content


def process_recording(message_id: int, recording_sid: str) -> str:
    """Download, process and store one recording; returns the audio status it leaves."""
    row = db.session.execute(
        select(Message.recording_sid, Message.recording_url, Message.audio_status)
        .where(Message.id == message_id)
    ).first()
    db.session.commit()  # end the read: on SQLite a long snapshot would hide later writes
    if row is None or row.recording_sid != recording_sid or not row.recording_url:
        return "stale"
    if row.audio_status != AudioStatus.PENDING:
        return row.audio_status
    return store_audio(message_id, recording_sid, download_recording(row.recording_url))


def store_audio(message_id: int, recording_sid: str, wav: bytes) -> str:
    """Process `wav` and store the result, only if this recording is still the pending one."""
    try:
        processed = process_audio(wav)
    except RecordingRefused as refused:
        values = {"audio_status": AudioStatus.REFUSED, "refusal_reason": refused.reason.value,
                  "audio_wav": None, "audio_sha256": None, "audio_duration_ms": None}
        details = {"reason": refused.reason.value}
    else:
        values = {"audio_status": AudioStatus.READY, "refusal_reason": None,
                  "audio_wav": processed.wav, "audio_sha256": processed.sha256,
                  "audio_duration_ms": processed.duration_ms}
        details = {"duration_ms": processed.duration_ms, "gain_db": processed.gain_db,
                   "source_duration_ms": processed.source_duration_ms}
    stored = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.recording_sid == recording_sid,
               Message.audio_status == AudioStatus.PENDING)
        .values(**values)
    ).rowcount
    if not stored:
        db.session.rollback()
        return "stale"
    audit("system", f"message.audio_{values['audio_status']}", f"message:{message_id}",
          recording_sid=recording_sid, **details)
    db.session.commit()
    if values["audio_status"] == AudioStatus.READY:
        status = db.session.scalar(select(Message.status).where(Message.id == message_id))
        db.session.commit()
        if status == MessageStatus.CONFIRMED:  # the officer pressed send before the audio was ready
            message_confirmed(message_id)
    return values["audio_status"]
