"""Fetch an officer's recording from the carrier, process it, store it on the message.

The RQ job `jobs.recordings.process_recording` is enqueued (job id
`recording-<message_id>-<recording_sid>`) by the recording line as soon as the carrier
reports a recording, so the audio is usually ready before the officer has finished
listening back. The job takes IDs and reloads everything; it is idempotent (a
message whose audio is no longer pending for this recording is left alone, so a late job
for an earlier take never overwrites a newer one), and download errors reach RQ, which
retries them: the carrier may answer 404 for a moment after the recording ends.

The download sends the account's credentials, so it goes only to the carrier: the URL
must be on the origin of TWILIO_API_URL (and https when live, `domain.carrier.is_live`).
Redirects are followed by hand, and credentials go only to a hop on that origin (the
carrier may hand the file to a CDN); every hop is https when live. The body is capped at
RECORDING_MAX_BYTES and the whole download at RECORDING_TIMEOUT_S, not per read, so a
server that drips cannot hold a worker. Anything else is a `DownloadRefused`: logged
(scheme and host only, never the credentials), audited, and the take is refused as
unreadable so the officer records again; RQ does not retry it, as the URL will not change.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urljoin, urlsplit

import redis
import requests
from flask import current_app
from rq import Queue, Retry
from sqlalchemy import select, update

from audio import RecordingRefused, Refusal
from audio import process_recording as process_audio
from domain.broadcast.start import message_confirmed
from domain.carrier import is_live
from domain.db import db
from domain.models import Message, audit
from domain.redis_conn import redis_conn
from domain.status import AudioStatus, MessageStatus

log = logging.getLogger(__name__)
ENQUEUED_MARK_TTL_S = 24 * 3600
MAX_REDIRECTS = 3
READ_SIZE = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}


class DownloadRefused(Exception):
    """A recording URL (or a hop of it) the credentials may not be sent to, or too big."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(reason)
        self.reason = reason  # host | scheme | redirects | too_large
        self.where = _where(url)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is no number
        port = None
    return scheme, (parts.hostname or "").lower(), port


def _where(url: str) -> str:
    """Scheme, host and port of `url`: enough for a log line, no path, no userinfo."""
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}:{port}"


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
    """The recording as WAV, authenticated as the carrier requires (HTTP basic), from the
    carrier only; raises DownloadRefused, or a requests error for RQ to retry."""
    config = current_app.config
    carrier, live = _origin(config["TWILIO_API_URL"]), is_live(config)
    credentials = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
    timeout_s = float(config["RECORDING_TIMEOUT_S"])
    deadline = time.monotonic() + timeout_s
    url = recording_url + ".wav"
    for hop in range(MAX_REDIRECTS + 1):
        if live and _origin(url)[0] != "https":
            raise DownloadRefused("scheme", url)
        if hop == 0 and _origin(url) != carrier:
            raise DownloadRefused("host", url)
        auth = credentials if _origin(url) == carrier else None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise requests.Timeout(f"recording download over {timeout_s:g} s")
        with _http.get(url, auth=auth, timeout=remaining, stream=True,
                       allow_redirects=False) as response:
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                continue
            response.raise_for_status()
            return _read_capped(response, config["RECORDING_MAX_BYTES"], deadline, url)
    raise DownloadRefused("redirects", url)


def _read_capped(response: requests.Response, cap: int, deadline: float, url: str) -> bytes:
    """The body, at most `cap` bytes, read before `deadline` (read1: whatever has arrived,
    so a slow sender is noticed at the deadline, not after a full buffer)."""
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > cap:
        raise DownloadRefused("too_large", url)
    body = bytearray()
    while chunk := response.raw.read1(READ_SIZE, decode_content=True):
        body += chunk
        if len(body) > cap:
            raise DownloadRefused("too_large", url)
        if time.monotonic() > deadline:
            raise requests.Timeout("recording download took too long")
    return bytes(body)


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
    try:
        wav = download_recording(row.recording_url)
    except DownloadRefused as refused:
        return refuse_download(message_id, recording_sid, refused)
    return store_audio(message_id, recording_sid, wav)


def refuse_download(message_id: int, recording_sid: str, refused: DownloadRefused) -> str:
    """The take cannot be fetched safely: the officer hears it was unreadable."""
    log.warning("recording %s of message %s refused: %s (%s)", recording_sid, message_id,
                refused.reason, refused.where)
    stored = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.recording_sid == recording_sid,
               Message.audio_status == "pending")
        .values(audio_status="refused", refusal_reason=Refusal.UNREADABLE.value)
    ).rowcount
    if not stored:
        db.session.rollback()
        return "stale"
    audit("system", "message.download_refused", f"message:{message_id}",
          recording_sid=recording_sid, reason=refused.reason, origin=refused.where)
    db.session.commit()
    return "refused"


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
