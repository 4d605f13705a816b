"""An officer on the sandbox phone: scripted keys and generated WAVs, the live app, a worker.

Each call is placed with `POST /sandbox/inbound` (each key token answers one Gather, each
Record "speaks" the next WAV); assertions are on what the officer heard (the sandbox
transcript) and on what was stored.
"""

from __future__ import annotations

import base64

import pytest
import requests
from rq.job import Job
from sqlalchemy import func, select

from audio import silence_wav, tone_wav
from domain.db import db
from domain.models import AuditLog, Lockout, Message
from domain.redis_conn import redis_conn
from tests.factories import make_bin, make_member, make_officer
from tests.support import wait_for

PIN = "246810"
CALLER = "+32470800001"
SENT = ("confirmed", "sending", "completed")
LOCKED = "De toegang is tijdelijk geblokkeerd. Probeer later opnieuw."


@pytest.fixture
def zone(app):
    centrum = make_bin(db, code="11", name="Centrum")
    make_member(db, bins=[centrum], phone="+32470810001")
    make_member(db, bins=[centrum], phone="+32470810002")
    return {"centrum": centrum, "officer": make_officer(db, pin=PIN, number="4711",
                                                         name="Agent Claes")}


def phone_call(app, sandbox, keys: str, records: list[bytes] = (), caller: str = CALLER) -> dict:
    """Dial the recording line from the sandbox phone; the transcript once the call ended."""
    response = requests.post(f"{sandbox.base_url}/sandbox/inbound", json={
        "to": app.config["RECORDING_LINE"], "from": caller, "keys": keys,
        "record": [base64.b64encode(wav).decode() for wav in records]}, timeout=10)
    assert response.status_code == 201, response.text
    sid = response.json()["sid"]
    return wait_for(lambda: (lambda c: c if c["status"] == "completed" else None)(
        sandbox.call(sid)), timeout=30)


def said(transcript: dict) -> list[str]:
    return [e["text"] for e in transcript["events"] if e["type"] == "say"]


def plays(transcript: dict) -> list[dict]:
    return [e for e in transcript["events"] if e["type"] == "play"]


def errors(transcript: dict) -> list[dict]:
    return [e for e in transcript["events"] if e["type"] == "error"]


def messages() -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).order_by(Message.id)))


def spoken_wav(seconds: float = 4.0, freq: float = 440.0) -> bytes:
    return tone_wav(seconds, freq=freq, lead_silence_s=1.0, tail_silence_s=1.5)


SIGN_IN = f"4711# {PIN}#"
URGENT_11 = f"{SIGN_IN} 1 11# 1"


def test_happy_path_leaves_a_confirmed_message_with_the_spoken_part_only(
        app, sandbox, workers, zone):
    workers.start(1)
    call = phone_call(app, sandbox, f"{URGENT_11} 1", [spoken_wav()])
    heard = said(call)
    assert heard[0].startswith("Opnamelijn") and "Aangemeld als Agent Claes." in heard
    assert "Netwerk 11, Centrum: 2 leden." in heard
    assert heard[-1] == "Verzonden naar 2 leden van netwerk 11, Centrum."
    assert not errors(call), errors(call)

    (message,) = messages()
    # confirmed; the broadcast engine, running in the same worker, may already be sending
    assert message.confirmed_at is not None and message.status in SENT
    assert (message.kind, message.audio_status) == ("urgent", "ready")
    assert abs(message.audio_duration_ms - 4000) <= 300
    assert message.recorded_from == CALLER and message.officer_id == zone["officer"].id
    assert [t.bin.code for t in message.targets] == ["11"]
    # the listen-back played the processed audio (served by the app, 4 s), not the raw 6.5 s
    (listened,) = plays(call)
    assert f"/audio/messages/{message.id}/" in listened["url"]
    assert abs(listened["duration_s"] - message.audio_duration_ms / 1000) < 0.05
    # ... which the worker made, downloading from the carrier with its credentials
    job = Job.fetch(f"recording-{message.id}-{message.recording_sid}",
                    connection=redis_conn.client)
    assert job.get_status() == "finished", workers.logs()


def test_record_again_replaces_the_audio(app, sandbox, workers, zone):
    workers.start(1)
    call = phone_call(app, sandbox, f"{URGENT_11} 2 1",
                      [spoken_wav(), spoken_wav(2.0, freq=660)])
    assert said(call)[-1].startswith("Verzonden naar 2 leden")
    (message,) = messages()
    assert message.status in SENT and abs(message.audio_duration_ms - 2000) <= 300
    assert message.recording_sid == call["recordings"][1]
    first, second = plays(call)
    assert first["url"] != second["url"]


def test_star_cancels_and_nothing_is_sent(app, sandbox, workers, zone):
    workers.start(1)
    call = phone_call(app, sandbox, f"{URGENT_11} *", [spoken_wav()])
    assert said(call)[-1] == "Geannuleerd. Er is niets verzonden."
    (message,) = messages()
    assert message.status == "cancelled" and message.confirmed_at is None
    assert not [c for c in sandbox.calls() if c["direction"] != "inbound"]  # nobody called


def test_a_silent_recording_is_refused_and_recorded_again(app, sandbox, workers, zone):
    workers.start(1)
    call = phone_call(app, sandbox, f"{URGENT_11} 1", [silence_wav(5), spoken_wav()])
    heard = said(call)
    refused = heard.index("Op de opname is niets te horen.")
    assert heard[refused + 1].startswith("Spreek uw bericht in na de toon")
    assert heard[-1].startswith("Verzonden naar 2 leden")
    (message,) = messages()
    assert message.audio_status == "ready" and message.recording_sid == call["recordings"][1]
    assert ("message.audio_refused",) in {(e.action,) for e in db.session.scalars(
        select(AuditLog))}


def test_wrong_pin_three_times_ends_the_call_with_no_access(app, sandbox, zone):
    call = phone_call(app, sandbox, "4711# 111111# 4711# 222222# 4711# 333333# 1 11#")
    heard = said(call)
    assert heard.count("Agentnummer of pincode niet herkend. Probeer opnieuw.") == 2
    assert heard[-1] == "Te veel mislukte pogingen. De oproep wordt beëindigd."
    assert not any("Aangemeld" in h or "Toets 1 voor" in h for h in heard)
    assert messages() == []


def test_lockout_holds_across_calls_and_other_officer_numbers(app, sandbox, zone):
    other = make_officer(db, pin="135791", number="4712")
    phone_call(app, sandbox, "4711# 111111# 4711# 222222# 4711# 333333#")
    second = phone_call(app, sandbox, "4712# 444444# 4712# 555555#")  # another officer
    assert said(second)[-1] == LOCKED  # the fifth failure from this phone locks it
    # the right PIN, from the same phone, for either officer: locked, and nothing more
    third = phone_call(app, sandbox, f"{other.number}# 135791#")
    assert said(third) == [LOCKED]
    # from another phone, officer 4711 is not locked (3 failures), 4712 neither (2)
    fine = phone_call(app, sandbox, f"{SIGN_IN} *", caller="+32470800002")
    assert "Aangemeld als Agent Claes." in said(fine)
    assert db.session.scalar(select(func.count()).select_from(Lockout)) == 1
