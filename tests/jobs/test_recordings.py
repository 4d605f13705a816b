"""The recording job: download with the carrier's credentials, process, store, idempotently.

Recordings are served by a `WavServer` (HTTP basic auth, 401 without); the job is called
as RQ calls it, in the app context. The sandbox download path is covered end to end in
tests/e2e/test_recording_line_e2e.py.
"""

from __future__ import annotations

import hashlib

import pytest
import requests
from rq import Queue
from sqlalchemy import select

from audio import silence_wav, tone_wav
from domain.db import db
from domain.models import AuditLog, Message
from domain.recordings import enqueue_processing, job_id
from domain.redis_conn import redis_conn
from jobs.recordings import process_recording
from tests.factories import make_pending_recording


def pending_message(url: str, sid: str = "RE1", **fields) -> Message:
    return make_pending_recording(db, url, sid, **fields)


def reloaded(message_id: int) -> Message:
    db.session.expire_all()
    return db.session.get(Message, message_id)


def test_downloads_with_basic_auth_and_stores_the_spoken_part(app, wavs):
    message = pending_message(wavs.put("RE1", tone_wav(4, lead_silence_s=1,
                                                       tail_silence_s=1.5)))
    assert process_recording(message.id, "RE1") == "ready"
    assert wavs.fetches == [("/Recordings/RE1.wav", True)]
    stored = reloaded(message.id)
    assert stored.audio_status == "ready" and abs(stored.audio_duration_ms - 4000) <= 300
    assert stored.audio_sha256 == hashlib.sha256(stored.audio_wav).hexdigest()
    assert stored.audio_wav[:4] == b"RIFF"
    entry = db.session.scalars(select(AuditLog)).one()
    assert (entry.action, entry.subject) == ("message.audio_ready", f"message:{message.id}")


def test_wrong_credentials_reach_rq_as_an_error(app, wavs):
    message = pending_message(wavs.put("RE1", tone_wav(3)))
    app.config["TWILIO_AUTH_TOKEN"] = "not-the-token"
    with pytest.raises(requests.HTTPError):
        process_recording(message.id, "RE1")
    assert reloaded(message.id).audio_status == "pending"


def test_missing_recording_raises_for_rq_to_retry(app, wavs):
    message = pending_message(wavs.url("RE404"), sid="RE404")
    with pytest.raises(requests.HTTPError):
        process_recording(message.id, "RE404")


@pytest.mark.parametrize("wav,reason", [(silence_wav(3), "silent"),
                                        (tone_wav(0.5, lead_silence_s=1), "too_short"),
                                        (b"not a wav at all", "unreadable")])
def test_refused_recordings_keep_the_reason(app, wavs, wav, reason):
    message = pending_message(wavs.put("RE1", wav))
    assert process_recording(message.id, "RE1") == "refused"
    stored = reloaded(message.id)
    assert (stored.audio_status, stored.refusal_reason, stored.audio_wav) == (
        "refused", reason, None)


def test_running_twice_downloads_once(app, wavs):
    message = pending_message(wavs.put("RE1", tone_wav(3)))
    process_recording(message.id, "RE1")
    assert process_recording(message.id, "RE1") == "ready"
    assert len(wavs.fetches) == 1


def test_a_late_job_for_an_earlier_take_changes_nothing(app, wavs):
    wavs.put("RE1", tone_wav(3))
    message = pending_message(wavs.put("RE2", tone_wav(5)), sid="RE2")
    assert process_recording(message.id, "RE1") == "stale"
    assert wavs.fetches == [] and reloaded(message.id).audio_status == "pending"
    assert process_recording(999999, "RE1") == "stale"


def test_ready_audio_of_a_confirmed_message_kicks_the_broadcast(app, wavs):
    message = pending_message(wavs.put("RE1", tone_wav(3)))
    message.status = "confirmed"
    db.session.commit()
    process_recording(message.id, "RE1")
    assert f"plan-{message.id}" in Queue("urgent", connection=redis_conn.client).job_ids


def test_enqueued_once_per_recording_and_survives_redis_outage(app, redis_server):
    queue = Queue("urgent", connection=redis_conn.client)
    assert enqueue_processing(7, "RE1") and enqueue_processing(7, "RE1")
    assert queue.job_ids == [job_id(7, "RE1")] == ["recording-7-RE1"]
    redis_server.kill()
    redis_conn.client.connection_pool.disconnect()
    assert enqueue_processing(7, "RE2") is False
