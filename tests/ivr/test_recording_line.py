"""The recording line through its signed webhooks: sign-in, lockout, audit, messages, media.

Recordings come from a `WavServer` (HTTP basic auth, like the carrier); no worker runs
here, so the view processes the audio itself after its bounded wait (set to 0 s).
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import func, select, update

from audio import silence_wav, tone_wav
from domain.audio_urls import audio_url_of, signed_audio_url
from domain.db import db
from domain.models import (
    AuditLog,
    AuthFailure,
    CallSession,
    InboundCall,
    Lockout,
    Message,
    MessageBin,
    utcnow,
)
from domain.redis_conn import redis_conn
from tests.factories import make_bin, make_member, make_officer
from tests.support import spoken, verbs

PIN = "246810"
CALLER = "+32470900001"


@pytest.fixture(autouse=True)
def _no_audio_wait(app):
    app.config["RECORDING_AUDIO_WAIT_S"] = 0
    yield
    app.config.pop("RECORDING_AUDIO_WAIT_S", None)


class Line:
    """One call on the recording line, posted as the carrier would post it."""

    def __init__(self, app, post, sid: str, caller: str = CALLER) -> None:
        self.app, self.post, self.sid, self.caller = app, post, sid, caller
        self.response = None

    def params(self, **extra: str) -> dict:
        return {"CallSid": self.sid, "From": self.caller, "To": self.app.config["RECORDING_LINE"],
                "AccountSid": self.app.config["TWILIO_ACCOUNT_SID"], **extra}

    def _post(self, path: str, **extra: str) -> list[str]:
        self.response = self.post(path, self.params(**extra))
        assert self.response.status_code == 200, self.response.status_code
        return spoken(self.response.data)

    def start(self) -> list[str]:
        return self._post("/voice/incoming", CallStatus="ringing")

    def keys(self, *tokens: str) -> list[str]:
        heard: list[str] = []
        for token in tokens:
            heard = self._post("/voice/recording/keys", Digits=token)
        return heard

    def record(self, sid: str, url: str, duration: int = 5) -> list[str]:
        return self._post("/voice/recording/recorded", RecordingSid=sid, RecordingUrl=url,
                          RecordingDuration=str(duration), Digits="#")

    def hung_up(self) -> bool:
        return verbs(self.response.data)[-1] == "Hangup"


@pytest.fixture
def line(app, signed_post):
    counter = iter(range(1, 1000))
    return lambda caller=CALLER: Line(app, signed_post, f"CA{next(counter):032d}", caller)


def actions() -> list[tuple[str, str | None]]:
    entries = db.session.scalars(select(AuditLog).order_by(AuditLog.id))
    return [(entry.action, entry.subject) for entry in entries]


def the_message() -> Message:
    db.session.expire_all()
    return db.session.scalars(select(Message)).one()


def spoken_wav() -> bytes:
    return tone_wav(4, lead_silence_s=1, tail_silence_s=1.5)


def test_a_step_for_an_unknown_call_ends_it_politely(app, line):
    call = line()
    assert call.keys("4711") == ["Dank u, tot ziens."] and call.hung_up()
    assert db.session.scalar(select(func.count()).select_from(CallSession)) == 0


# --- sign-in, lockout, audit ---------------------------------------------------------------

def test_the_call_is_logged_and_welcomed(app, line):
    heard = line().start()
    assert heard[0].startswith("Opnamelijn") and "agentnummer" in heard[1]
    logged = db.session.scalars(select(InboundCall)).one()
    assert (logged.line, logged.from_number) == ("recording", CALLER)
    assert db.session.scalars(select(CallSession)).one().state["step"] == "officer"


def test_sign_in_is_audited_without_the_pin(app, line):
    officer = make_officer(db, pin=PIN, name="Agent Claes")
    call = line()
    call.start()
    heard = call.keys(officer.number, PIN)
    assert heard[0] == "Aangemeld als Agent Claes."
    entries = db.session.scalars(select(AuditLog)).all()
    assert [(e.action, e.subject) for e in entries] == [("auth.success",
                                                         f"officer:{officer.number}")]
    assert entries[0].actor == f"caller:{CALLER}"
    assert PIN not in repr([e.details for e in entries])
    assert PIN not in repr(db.session.scalars(select(CallSession)).one().state)


def test_wrong_pin_three_times_ends_with_no_access(app, line):
    officer = make_officer(db, pin=PIN)
    call = line()
    call.start()
    for _ in range(3):
        heard = call.keys(officer.number, "135790")
    assert heard == ["Te veel mislukte pogingen. De oproep wordt beëindigd."] and call.hung_up()
    assert actions() == [("auth.failure", f"officer:{officer.number}")] * 3
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_five_failures_lock_the_officer_across_calls_and_callers(app, line):
    officer = make_officer(db, pin=PIN)
    first = line()
    first.start()
    first.keys(officer.number, "111111", officer.number, "222222", officer.number, "333333")
    second = line()
    second.start()
    second.keys(officer.number, "444444")
    heard = second.keys(officer.number, "555555")
    assert heard == ["De toegang is tijdelijk geblokkeerd. Probeer later opnieuw."]
    assert second.hung_up()
    locks = {(lock.kind, lock.subject) for lock in db.session.scalars(select(Lockout))}
    assert locks == {("officer", officer.number), ("caller", CALLER)}
    # the right PIN, from another phone: still locked
    third = line(caller="+32470900002")
    third.start()
    assert third.keys(officer.number, PIN) == [
        "De toegang is tijdelijk geblokkeerd. Probeer later opnieuw."]
    assert ("auth.lock", f"officer:{officer.number}") in actions()
    assert ("auth.lock", f"caller:{CALLER}") in actions()
    assert ("auth.success", f"officer:{officer.number}") not in actions()


def test_a_locked_caller_hears_it_is_locked_even_for_another_officer(app, line):
    make_officer(db, pin=PIN, number="4801")
    other = make_officer(db, pin=PIN, number="4802")
    call = line()
    call.start()
    call.keys("4801", "000001", "4801", "000002", "4801", "000003")
    again = line()
    again.start()
    again.keys("9999", "000004")
    heard = again.keys("9998", "000005")  # unknown officer numbers count for the caller too
    assert heard[0].startswith("De toegang is tijdelijk geblokkeerd")
    fresh = line()
    assert fresh.start() == ["De toegang is tijdelijk geblokkeerd. Probeer later opnieuw."]
    assert fresh.hung_up()
    # the other officer, from an unlocked phone, signs in fine
    elsewhere = line(caller="+32470900003")
    elsewhere.start()
    assert elsewhere.keys(other.number, PIN)[0].startswith("Aangemeld als")


def test_lock_and_failures_expire_after_15_minutes(app, line):
    officer = make_officer(db, pin=PIN)
    for _ in range(2):
        call = line()
        call.start()
        call.keys(officer.number, "999999", officer.number, "999998", officer.number, "999997")
    assert db.session.scalar(select(func.count()).select_from(Lockout)) == 2
    past = utcnow() - timedelta(minutes=16)
    db.session.execute(update(Lockout).values(until=past))
    db.session.execute(update(AuthFailure).values(at=past))
    db.session.commit()
    call = line()
    call.start()
    assert call.keys(officer.number, PIN)[0].startswith("Aangemeld als")


def test_officer_bound_to_callers_cannot_sign_in_from_elsewhere(app, line):
    officer = make_officer(db, pin=PIN, allowed_callers="+32470111111,+3236400001")
    call = line(caller="+32470999999")
    call.start()
    assert call.keys(officer.number, PIN)[0].startswith("Agentnummer of pincode niet herkend")
    entry = db.session.scalars(select(AuditLog)).one()
    assert entry.details["reason"] == "caller_not_allowed"
    bound = line(caller="+3236400001")
    bound.start()
    assert bound.keys(officer.number, PIN)[0].startswith("Aangemeld als")


def test_a_short_pin_is_a_failure(app, line):
    officer = make_officer(db, pin="12345")  # stored before the 6-digit rule: still refused
    call = line()
    call.start()
    assert call.keys(officer.number, "12345")[0].startswith("Agentnummer of pincode niet")
    assert db.session.scalars(select(AuditLog)).one().details["reason"] == "malformed_pin"


# --- messages --------------------------------------------------------------------------

@pytest.fixture
def zone(app):
    """Two BINs: a member in both counts once, a shared landline counts once."""
    centrum, heide = make_bin(db, code="11", name="Centrum"), make_bin(db, code="12", name="Heide")
    make_member(db, bins=[centrum, heide], phone="+32470000101")
    make_member(db, bins=[centrum], phone="+3236400100", name="Jan")
    make_member(db, bins=[centrum], phone="+3236400100", name="Mieke")  # same landline
    make_member(db, bins=[heide], phone="+32470000102")
    make_member(db, bins=[centrum], phone="+32470000103", status="left")
    officer = make_officer(db, pin=PIN, name="Agent Claes", phone="+32470555555")
    return {"centrum": centrum, "heide": heide, "officer": officer}


def signed_in(line, zone) -> Line:
    call = line()
    call.start()
    call.keys(zone["officer"].number, PIN)
    return call


def test_urgent_message_end_to_end_over_webhooks(app, line, zone, wavs, client):
    call = signed_in(line, zone)
    call.keys("1")
    assert call.keys("11")[0] == "Netwerk 11, Centrum: 2 leden."
    call.keys("3")
    assert call.keys("12")[:2] == ["Netwerk 12, Heide: 2 leden.",
                                   "Samen met uw vorige keuze: 3 leden."]
    call.keys("1")
    message = the_message()
    assert (message.status, message.kind, message.recorded_from) == ("recording", "urgent", CALLER)

    heard = call.record("RE1", wavs.put("RE1", spoken_wav()))
    assert heard[0] == "U hoort nu uw bericht."
    play_url = heard[1].removeprefix("<play ").removesuffix(">")
    assert "/audio/messages/" in play_url and wavs.fetches == [("/Recordings/RE1.wav", True)]
    audio = client.get(play_url.removeprefix(app.config["PUBLIC_BASE_URL"]))
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"

    heard = call.keys("1")
    assert heard == ["Verzonden naar 3 leden van netwerk 11, Centrum, netwerk 12, Heide."]
    assert call.hung_up()
    message = the_message()
    assert message.status == "confirmed" and message.confirmed_at is not None
    assert message.audio_status == "ready" and 3900 <= message.audio_duration_ms <= 4300
    assert message.officer_id == zone["officer"].id and message.call_sid == call.sid
    assert {t.bin.code for t in message.targets} == {"11", "12"}
    assert f"plan-{message.id}" in Queue("urgent", connection=redis_conn.client).job_ids
    assert ("message.confirmed", f"message:{message.id}") in actions()


def test_zero_targets_every_bin(app, line, zone, wavs):
    call = signed_in(line, zone)
    assert call.keys("1", "0")[0] == "Alle netwerken: 3 leden."
    call.keys("1")
    call.record("RE1", wavs.put("RE1", spoken_wav()))
    assert call.keys("1") == ["Verzonden naar 3 leden van alle netwerken."]
    assert len(the_message().targets) == 2


def test_re_record_replaces_the_audio(app, line, zone, wavs):
    call = signed_in(line, zone)
    call.keys("1", "11", "1")
    call.record("RE1", wavs.put("RE1", spoken_wav()))
    first = the_message().audio_sha256
    call.keys("2")
    heard = call.record("RE2", wavs.put("RE2", tone_wav(2.5, freq=600, lead_silence_s=0.5)))
    assert first[:16] not in heard[1]
    call.keys("1")
    message = the_message()
    assert message.recording_sid == "RE2" and message.audio_sha256 != first
    assert 2400 <= message.audio_duration_ms <= 2900


def test_silent_recording_is_refused_in_the_call(app, line, zone, wavs):
    call = signed_in(line, zone)
    call.keys("1", "11", "1")
    heard = call.record("RE1", wavs.put("RE1", silence_wav(4)))
    assert heard[0] == "Op de opname is niets te horen." and "Record" in verbs(call.response.data)
    message = the_message()
    assert (message.audio_status, message.refusal_reason) == ("refused", "silent")
    assert message.status == "recording"


def test_star_cancels(app, line, zone, wavs):
    call = signed_in(line, zone)
    call.keys("1", "11", "1")
    call.record("RE1", wavs.put("RE1", spoken_wav()))
    assert call.keys("*") == ["Geannuleerd. Er is niets verzonden."]
    message = the_message()
    assert message.status == "cancelled" and message.cancelled_at is not None
    assert message.cancelled_by == f"officer:{zone['officer'].number}"
    assert Queue("urgent", connection=redis_conn.client).job_ids == [
        f"recording-{message.id}-RE1"]


def test_test_message_goes_to_one_phone(app, line, zone, wavs):
    call = signed_in(line, zone)
    call.keys("3")
    call.record("RE1", wavs.put("RE1", spoken_wav()))
    assert call.keys("1") == ["Testbericht verzonden naar uw eigen telefoon."]
    message = the_message()
    assert (message.kind, message.status, message.targets) == ("test", "confirmed", [])


def test_feedback_follows_the_latest_alert(app, line, zone, wavs):
    earlier = Message(kind="urgent", status="completed", officer_id=zone["officer"].id,
                      confirmed_at=utcnow() - timedelta(hours=20), audio_status="ready")
    earlier.targets = [MessageBin(bin_id=zone["heide"].id)]
    db.session.add(earlier)
    db.session.commit()
    call = signed_in(line, zone)
    heard = call.keys("2")
    assert heard[0].startswith("Feedback op uw dringend bericht van ")
    assert heard[0].endswith(", aan 2 leden.")
    call.keys("1")
    call.record("RE1", wavs.put("RE1", spoken_wav()))
    assert call.keys("1") == ["Feedback verzonden naar 2 leden."]
    feedback = db.session.scalars(select(Message).where(Message.kind == "feedback")).one()
    assert feedback.parent_id == earlier.id and [t.bin_id for t in feedback.targets] == [
        zone["heide"].id]


def test_status_callback_first_enqueues_once(app, line, zone, wavs, signed_post):
    call = signed_in(line, zone)
    call.keys("1", "11", "1")
    url = wavs.put("RE1", spoken_wav())
    status = signed_post("/voice/recording/recording-status", call.params(
        RecordingSid="RE1", RecordingUrl=url, RecordingStatus="completed"))
    assert status.status_code == 204
    message = the_message()
    assert (message.recording_sid, message.audio_status) == ("RE1", "pending")
    call.record("RE1", url)
    assert Queue("urgent", connection=redis_conn.client).job_ids == [
        f"recording-{message.id}-RE1"]


def test_a_redis_outage_does_not_fail_the_call(app, line, zone, wavs, redis_server):
    call = signed_in(line, zone)
    call.keys("1", "11", "1")
    redis_server.kill()
    redis_conn.client.connection_pool.disconnect()
    assert call.record("RE1", wavs.put("RE1", spoken_wav()))[0] == "U hoort nu uw bericht."
    assert call.keys("1")[0].startswith("Verzonden naar 2 leden")
    message = the_message()
    assert (message.status, message.audio_status) == ("confirmed", "ready")


# --- forged requests -----------------------------------------------------------------

def _snapshot() -> tuple:
    db.session.expire_all()
    sessions = [(s.call_sid, repr(s.state)) for s in db.session.scalars(select(CallSession))]
    messages = [(m.id, m.status, m.recording_sid, m.audio_status)
                for m in db.session.scalars(select(Message))]
    counts = [db.session.scalar(select(func.count()).select_from(t))
              for t in (AuditLog, AuthFailure, InboundCall, Lockout)]
    return sessions, messages, counts


def test_forged_webhooks_on_every_step_get_403_and_change_nothing(app, line, zone, wavs, client):
    call = signed_in(line, zone)  # a real call in progress, then every step forged
    url = wavs.put("RE1", spoken_wav())
    steps = [("/voice/incoming", {"CallStatus": "ringing"}),
             ("/voice/recording/keys", {"Digits": zone["officer"].number}),
             ("/voice/recording/keys", {"Digits": PIN}),
             ("/voice/recording/keys", {"Digits": "1"}),
             ("/voice/recording/keys", {"Digits": "11"}),
             ("/voice/recording/keys", {"Digits": "1"}),
             ("/voice/recording/recording-status",
              {"RecordingSid": "RE1", "RecordingUrl": url, "RecordingStatus": "completed"}),
             ("/voice/recording/recorded", {"RecordingSid": "RE1", "RecordingUrl": url}),
             ("/voice/recording/keys", {"Digits": "1"})]
    genuine = ["1", "11", "1"]
    for path, extra in steps:
        before = _snapshot()
        for headers in ({}, {"X-Twilio-Signature": "forged"}):
            forged = client.post(path, data=call.params(**extra), headers=headers)
            assert forged.status_code == 403, path
        assert _snapshot() == before, path
        if path == "/voice/recording/keys" and genuine and extra["Digits"] == genuine[0]:
            call.keys(genuine.pop(0))  # move the real call on to the next step
    call.record("RE1", url)
    call.keys("1")
    assert the_message().status == "confirmed"


# --- the message audio URL -----------------------------------------------------------

@pytest.fixture
def ready_message(app):
    officer = make_officer(db)
    wav = tone_wav(2)
    message = Message(kind="urgent", status="confirmed", officer_id=officer.id,
                      audio_status="ready", audio_wav=wav,
                      audio_sha256=hashlib.sha256(wav).hexdigest(), audio_duration_ms=2000)
    db.session.add(message)
    db.session.commit()
    return message


def _path(app, url: str) -> str:
    return url.removeprefix(app.config["PUBLIC_BASE_URL"])


def test_signed_audio_url_serves_wav_with_strong_caching(app, client, ready_message):
    url = audio_url_of(ready_message)
    assert url.startswith(app.config["PUBLIC_BASE_URL"] + f"/audio/messages/{ready_message.id}/")
    assert audio_url_of(ready_message) == url  # same URL for every member call
    response = client.get(_path(app, url))
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert response.data == ready_message.audio_wav
    assert response.headers["ETag"] == f'"{ready_message.audio_sha256}"'
    cache = response.cache_control
    assert cache.public and cache.immutable and cache.max_age >= 72 * 3600 - 5
    again = client.get(_path(app, url), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize("change", ["expired", "tampered", "digest", "unknown", "not_ready",
                                    "no_sig"])
def test_anything_but_a_valid_url_is_404(app, client, ready_message, change):
    sha, mid = ready_message.audio_sha256, ready_message.id
    url = audio_url_of(ready_message)
    if change == "expired":
        url = signed_audio_url(mid, sha, int(time.time()) - 1)
    elif change == "tampered":
        url = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    elif change == "digest":
        url = url.replace(sha[:16], "0" * 16)
    elif change == "unknown":
        url = signed_audio_url(mid + 1, sha, int(time.time()) + 60)
    elif change == "not_ready":
        ready_message.audio_status = "pending"
        db.session.commit()
    elif change == "no_sig":
        url = url.split("&sig=")[0]
    assert client.get(_path(app, url)).status_code == 404


# --- accountability: broadcast list / show -------------------------------------------------

def test_broadcast_list_and_show(app, line, zone, wavs):
    call = signed_in(line, zone)
    call.keys("1", "11", "1")
    call.record("RE1", wavs.put("RE1", spoken_wav()))
    call.keys("1")
    message = the_message()
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["broadcast", "list"])
    assert listed.exit_code == 0, listed.output
    row = next(line_ for line_ in listed.output.splitlines() if f"│ {message.id} " in line_)
    for value in ("urgent", "confirmed", zone["officer"].number, "11", "ready", "4.2"):
        assert value in row, value
    shown = runner.invoke(args=["broadcast", "show", str(message.id)])
    assert shown.exit_code == 0, shown.output
    for value in ("Agent Claes", CALLER, "Centrum", "confirmed", call.sid, "RE1",
                  message.audio_sha256[:16]):
        assert value in shown.output, value
    assert runner.invoke(args=["broadcast", "show", "999999"]).exit_code != 0
