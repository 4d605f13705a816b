"""The recording download goes to the carrier only, bounded in size and time.

The carrier here is a `WavServer` (TWILIO_API_URL points at it, see the `wavs` fixture);
"elsewhere" is a second real HTTP server on another port, or the carrier under another
host name. Each records whether a request carried an Authorization header at all.
"""

from __future__ import annotations

import logging
import time

import pytest
import requests
from sqlalchemy import select

from audio import tone_wav
from domain.carrier import is_live
from domain.db import db
from domain.models import AuditLog, Message
from domain.recordings import process_recording
from tests.conftest import SANDBOX_SID, SANDBOX_TOKEN
from tests.factories import make_pending_recording
from tests.wav_server import WavServer

RECORDED_FROM = "+32470999000"


@pytest.fixture
def elsewhere():
    """Another host that would gladly serve the recording to anyone."""
    server = WavServer(SANDBOX_SID, SANDBOX_TOKEN, public=True).start()
    yield server
    server.stop()


def pending(url: str, sid: str = "RE1") -> Message:
    return make_pending_recording(db, url, sid, recorded_from=RECORDED_FROM)


def reloaded(message_id: int) -> Message:
    db.session.expire_all()
    return db.session.get(Message, message_id)


def refusal(message_id: int) -> AuditLog:
    return db.session.scalars(select(AuditLog).where(
        AuditLog.action == "message.download_refused",
        AuditLog.subject == f"message:{message_id}")).one()


def assert_refused(message_id: int, reason: str, caplog) -> None:
    stored = reloaded(message_id)
    assert (stored.audio_status, stored.refusal_reason, stored.audio_wav) == (
        "refused", "unreadable", None)
    assert refusal(message_id).details["reason"] == reason
    logged = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert logged, "the refusal is logged"
    for line in logged:
        assert SANDBOX_TOKEN not in line and SANDBOX_SID not in line
        assert RECORDED_FROM not in line


def test_a_recording_on_another_port_is_refused_and_never_requested(app, wavs, elsewhere,
                                                                    caplog):
    caplog.set_level(logging.INFO)
    message = pending(elsewhere.put("RE1", tone_wav(3)))
    assert process_recording(message.id, "RE1") == "refused"
    assert elsewhere.seen == [] and wavs.seen == []
    assert_refused(message.id, "host", caplog)


def test_the_carrier_under_another_host_name_is_refused(app, wavs, caplog):
    caplog.set_level(logging.INFO)
    wavs.put("RE1", tone_wav(3))
    message = pending(wavs.url("RE1", host="localhost"))
    assert process_recording(message.id, "RE1") == "refused"
    assert wavs.seen == []
    assert_refused(message.id, "host", caplog)


def test_the_carrier_itself_gets_the_credentials(app, wavs):
    message = pending(wavs.put("RE1", tone_wav(3)))
    assert process_recording(message.id, "RE1") == "ready"
    assert wavs.fetches == [("/Recordings/RE1.wav", True)]


def test_live_means_https_to_the_carrier(app, caplog):
    caplog.set_level(logging.INFO)
    app.config["TWILIO_API_URL"] = "https://api.twilio.com"
    message = pending(f"http://api.twilio.com/2010-04-01/Accounts/{SANDBOX_SID}/Recordings/RE1")
    assert process_recording(message.id, "RE1") == "refused"
    assert_refused(message.id, "scheme", caplog)


@pytest.mark.parametrize("url,live", [
    ("https://api.twilio.com", True), ("http://api.twilio.com", True),
    ("http://127.0.0.1:5050", False), ("http://localhost:5050", False),
    ("http://[::1]:5050", False), ("http://127.1.2.3", False),
    ("https://sandbox.example.org", True),
])
def test_live_is_any_carrier_but_a_loopback_sandbox(url, live):
    assert is_live({"TWILIO_API_URL": url}) is live


def test_a_redirect_elsewhere_carries_no_credentials(app, wavs, elsewhere):
    elsewhere.put("RE1", tone_wav(3))
    wavs.redirects["RE1"] = elsewhere.url("RE1") + ".wav"
    message = pending(wavs.url("RE1"))
    assert process_recording(message.id, "RE1") == "ready"
    assert wavs.seen == [("/Recordings/RE1.wav", True)]
    assert elsewhere.seen == [("/Recordings/RE1.wav", False)]


def test_a_redirect_back_to_the_carrier_keeps_them(app, wavs):
    wavs.put("RE9", tone_wav(3))
    wavs.redirects["RE1"] = wavs.url("RE9") + ".wav"
    message = pending(wavs.url("RE1"))
    assert process_recording(message.id, "RE1") == "ready"
    assert wavs.fetches == [("/Recordings/RE1.wav", True), ("/Recordings/RE9.wav", True)]


def test_a_redirect_loop_is_refused(app, wavs, caplog):
    caplog.set_level(logging.INFO)
    wavs.redirects["RE1"] = wavs.url("RE1") + ".wav"
    message = pending(wavs.url("RE1"))
    assert process_recording(message.id, "RE1") == "refused"
    assert len(wavs.seen) <= 6
    assert_refused(message.id, "redirects", caplog)


@pytest.mark.parametrize("streamed", [False, True], ids=["with-length", "chunked"])
def test_a_recording_over_the_size_cap_is_refused(app, wavs, caplog, streamed):
    caplog.set_level(logging.INFO)
    app.config["RECORDING_MAX_BYTES"] = 50_000
    wav = tone_wav(5)
    assert len(wav) > 50_000
    if streamed:
        wavs.streamed.add("RE1")
    message = pending(wavs.put("RE1", wav))
    assert process_recording(message.id, "RE1") == "refused"
    assert_refused(message.id, "too_large", caplog)


def test_a_recording_under_the_cap_is_stored(app, wavs):
    app.config["RECORDING_MAX_BYTES"] = 200_000
    wavs.streamed.add("RE1")
    message = pending(wavs.put("RE1", tone_wav(5)))
    assert process_recording(message.id, "RE1") == "ready"


def test_a_download_that_drips_gives_up_at_the_timeout(app, wavs):
    """Every read returns within the socket timeout; the whole download may not last
    longer than RECORDING_TIMEOUT_S. The error reaches RQ, which retries."""
    app.config["RECORDING_TIMEOUT_S"] = 1
    wavs.drip_s["RE1"] = 0.05  # 16 kB at 64 bytes per 50 ms: 12 s
    message = pending(wavs.put("RE1", tone_wav(1)))
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        process_recording(message.id, "RE1")
    assert time.monotonic() - started < 4
    assert reloaded(message.id).audio_status == "pending"
