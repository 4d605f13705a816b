"""The sandbox calls a small TwiML app of the test's own; transcripts show what was heard."""

from __future__ import annotations

import io
import time
import wave

import pytest
import requests
from flask import Response, request

from sandbox import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN
from sandbox.audio import tone

CALLER_ID = "+32477777755"
HUMAN, MACHINE, SILENT, BUSY_THEN_HUMAN = "+32470000001", "+32470000002", "+32470000003", \
    "+32470000004"
SCENARIO = {
    "default": {"answer": "human", "after_s": 3, "digits": "2 1"},
    "numbers": {
        MACHINE: {"answer": "machine", "greeting_s": 8},
        SILENT: {"answer": "human", "digits": "", "hangup_after_s": 30},
        BUSY_THEN_HUMAN: [{"answer": "busy"}, {"answer": "human", "digits": "1"}],
    },
}
WAV = tone(2.5)


@pytest.fixture
def app(webapp, sdk):
    """Member flow in miniature: message, 1 confirm / 2 replay, voicemail on AMD beep."""
    twiml = webapp.twiml
    webapp.client = None  # set by the test once the sandbox exists

    @webapp.route("/voice")
    def voice():
        return twiml('<Gather numDigits="1" action="keys" timeout="4">'
                     '<Say language="nl-BE" voice="Polly.Lotte">Inbraak in uw straat.</Say>'
                     '<Play>/audio/msg.wav</Play></Gather>'
                     '<Say language="nl-BE">Geen toets ontvangen.</Say>')

    @webapp.route("/keys")
    def keys():
        if request.form["Digits"] == "2":
            return twiml('<Redirect>/voice</Redirect>')
        return twiml('<Say>Bedankt.</Say><Record action="/recorded" maxLength="20" '
                     'recordingStatusCallback="/recstatus"/>')

    @webapp.route("/recorded")
    def recorded():
        return twiml("<Say>Opgenomen.</Say><Hangup/>")

    @webapp.route("/audio/msg.wav")
    def audio():
        return Response(WAV, mimetype="audio/wav")

    @webapp.route("/amd")
    def amd():
        if request.form["AnsweredBy"].startswith("machine_end"):
            webapp.client.calls(request.form["CallSid"]).update(url=webapp.url("/voicemail"))
        return ""

    @webapp.route("/voicemail")
    def voicemail():
        return twiml('<Say language="nl-BE">Bericht van de politie.</Say>'
                     '<Play loop="2">/audio/msg.wav</Play>')

    @webapp.route("/status")
    @webapp.route("/recstatus")
    def status():
        return ""

    @webapp.route("/forbidden")
    def forbidden():
        return "no", 403

    @webapp.route("/broken")
    def broken():
        return "<Response><Say>unclosed</Response>", 200, {"Content-Type": "text/xml"}

    @webapp.route("/unsupported")
    def unsupported():
        return twiml("<Say>hi</Say><Sms>nope</Sms>")

    return webapp.start()


def _create(client, app, to, **kw):
    return client.calls.create(to=to, from_=CALLER_ID, url=app.url("/voice"),
                               status_callback=app.url("/status"), **kw)


def test_human_gather_replay_confirm_and_record(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(scenario=SCENARIO)
    client = app.client = sdk(sb)
    call = _create(client, app, HUMAN)
    assert sb.wait_idle(15)
    t = sb.call(call.sid)
    assert t["status"] == "completed" and t["answered_by"] is None
    kinds = [e["type"] for e in t["events"]]
    assert kinds.count("gather") == 2 and "redirect" in kinds and "record" in kinds
    gathers = [e for e in t["events"] if e["type"] == "gather"]
    assert [g["digits"] for g in gathers] == ["2", "1"]
    assert gathers[0]["prompt"] == ["Inbraak in uw straat.", app.url("/audio/msg.wav")]
    say = next(e for e in t["events"] if e["type"] == "say")
    assert (say["text"], say["language"], say["voice"], say["heard"]) == (
        "Inbraak in uw straat.", "nl-BE", "Polly.Lotte", "human")
    play = next(e for e in t["events"] if e["type"] == "play")
    assert play["url"] == app.url("/audio/msg.wav") and play["duration_s"] == 2.5
    assert [h["form"]["Digits"] for h in app.hits("/keys")] == ["2", "1"]
    # Record: action got the recording, the media is a WAV behind basic auth
    rec_post = app.hits("/recorded")[0]["form"]
    assert rec_post["RecordingSid"].startswith("RE") and rec_post["RecordingDuration"] == "3"
    media = rec_post["RecordingUrl"]
    assert requests.get(media, timeout=5).status_code == 401
    wav = requests.get(media + ".wav", auth=(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN), timeout=5)
    assert wav.headers["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(wav.content)) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        assert abs(w.getnframes() / w.getframerate() - 3.0) < 0.01
    recs = client.calls(call.sid).recordings.list()
    assert [r.sid for r in recs] == [rec_post["RecordingSid"]]
    assert client.recordings(recs[0].sid).fetch().duration == "3"
    assert app.hits("/recstatus")[0]["form"]["RecordingStatus"] == "completed"
    final = app.hits("/status")[-1]["form"]
    assert final["CallStatus"] == "completed" and int(final["CallDuration"]) > 10


def test_voicemail_after_beep_with_async_amd(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(scenario=SCENARIO)
    client = app.client = sdk(sb)
    call = _create(client, app, MACHINE, machine_detection="DetectMessageEnd", async_amd="true",
                   async_amd_status_callback=app.url("/amd"))
    assert sb.wait_idle(15)
    t = sb.call(call.sid)
    amd = app.hits("/amd")[0]["form"]
    assert amd["AnsweredBy"] == "machine_end_beep" and amd["MachineDetectionDuration"] == "8000"
    assert t["answered_by"] == "machine_end_beep"
    assert client.calls(call.sid).fetch().answered_by == "machine_end_beep"
    kinds = [e["type"] for e in t["events"]]
    beep, updated = kinds.index("beep"), kinds.index("updated")
    assert updated > beep
    before = [e for e in t["events"][:beep] if e["type"] in ("say", "play")]
    after = [e for e in t["events"][updated:] if e["type"] in ("say", "play")]
    assert before and all(e["heard"] in ("before_beep", "across_beep") for e in before)
    # whatever the human flow was saying when the beep came was cut off by the update
    assert all(e.get("interrupted") for e in t["events"][beep:updated]
               if e["type"] in ("say", "play"))
    assert [(e["type"], e["heard"]) for e in after] == [("say", "after_beep"),
                                                        ("play", "after_beep")]
    assert after[0]["text"] == "Bericht van de politie." and "interrupted" not in after[1]
    assert after[1]["loop"] == 2 and after[1]["duration_s"] == 5.0
    # the voice Url was requested at once on answer, without AnsweredBy
    assert "AnsweredBy" not in app.hits("/voice")[0]["form"]
    assert app.hits("/status")[-1]["form"]["AnsweredBy"] == "machine_end_beep"


def test_sync_amd_and_gather_fallthrough(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(scenario=SCENARIO)
    client = sdk(sb)
    machine = _create(client, app, MACHINE, machine_detection="Enable")
    silent = _create(client, app, SILENT, machine_detection="Enable")
    assert sb.wait_idle(15)
    forms = {h["form"]["CallSid"]: h["form"] for h in app.hits("/voice")}
    assert forms[machine.sid]["AnsweredBy"] == "machine_start"
    assert forms[silent.sid]["AnsweredBy"] == "human"
    t = sb.call(silent.sid)
    gather = next(e for e in t["events"] if e["type"] == "gather")
    assert gather["timed_out"] and gather["digits"] == ""
    says = [e["text"] for e in t["events"] if e["type"] == "say"]
    assert says[-1] == "Geen toets ontvangen."  # no input: next verb, no action request
    assert not [h for h in app.hits("/keys") if h["form"]["CallSid"] == silent.sid]


def test_scenario_list_and_hangup_after(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(scenario={**SCENARIO, "numbers": {
        **SCENARIO["numbers"], SILENT: {"answer": "human", "digits": "", "hangup_after_s": 2}}})
    client = sdk(sb)
    first = _create(client, app, BUSY_THEN_HUMAN)
    assert sb.wait_idle(15)
    second = _create(client, app, BUSY_THEN_HUMAN)
    hung = _create(client, app, SILENT)
    assert sb.wait_idle(15)
    assert client.calls(first.sid).fetch().status == "busy"
    assert client.calls(second.sid).fetch().status == "completed"
    t = sb.call(hung.sid)
    assert t["events"][-1] == {**t["events"][-1], "type": "hangup", "by": "caller"}
    assert 2 <= t["duration_s"] <= 5  # hung up after 2 s; more only on a loaded machine
    audible = [e for e in t["events"] if e["type"] in ("say", "play")]
    # What was playing at the hang-up is cut short; on a loaded machine the hang-up can
    # even come before the TwiML arrived (seen once in CI), and then nothing was heard.
    assert not audible or (audible[-1]["interrupted"] is True
                           and audible[-1]["heard_s"] < 2)


@pytest.mark.parametrize(("path", "code"), [
    ("/forbidden", 11200), ("/broken", 12100), ("/unsupported", 12200)])
def test_app_errors_end_the_call(make_sandbox, sdk, app, path, code) -> None:
    sb = make_sandbox(scenario=SCENARIO)
    client = sdk(sb)
    call = client.calls.create(to=HUMAN, from_=CALLER_ID, url=app.url(path))
    assert sb.wait_idle(10)
    t = sb.call(call.sid)
    assert t["status"] == "completed"
    assert t["error"]["code"] == code
    errors = [e for e in t["events"] if e["type"] == "error"]
    assert errors[0]["code"] == code
    if path == "/forbidden":
        assert errors[0]["status_code"] == 403
    assert not [e for e in t["events"] if e["type"] == "say"]


def test_transcripts_over_http(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(scenario=SCENARIO)
    client = sdk(sb)
    call = _create(client, app, HUMAN)
    _create(client, app, SILENT)
    assert sb.wait_idle(15)
    listed = requests.get(sb.base_url + "/sandbox/calls", params={"to": HUMAN}, timeout=5).json()
    assert [c["sid"] for c in listed] == [call.sid]
    one = requests.get(f"{sb.base_url}/sandbox/calls/{call.sid}", timeout=5).json()
    assert one["timeline"][0]["status"] == "queued"
    assert [s["status"] for s in one["timeline"]] == ["queued", "ringing", "in-progress",
                                                      "completed"]
    r = requests.put(sb.base_url + "/sandbox/scenario",
                     json={"default": {"answer": "no-answer"}}, timeout=5)
    assert r.status_code == 200
    assert requests.put(sb.base_url + "/sandbox/scenario", json={"default": {"answer": "x"}},
                        timeout=5).status_code == 400
    start = time.time()
    call2 = client.calls.create(to=HUMAN, from_=CALLER_ID, url=app.url("/voice"), timeout=5)
    assert sb.wait_idle(10)
    assert client.calls(call2.sid).fetch().status == "no-answer"
    assert time.time() - start < 2
    assert requests.post(sb.base_url + "/sandbox/reset", timeout=10).json() == {"ok": True}
    assert sb.calls() == []


def test_inline_twiml_get_method_and_time_limit(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(scenario=SCENARIO)
    client = sdk(sb)
    inline = client.calls.create(to=HUMAN, from_=CALLER_ID, twiml=(
        f'<Response><Say>Inline</Say><Redirect method="GET">{app.url("/recorded")}'
        '</Redirect></Response>'))
    limited = client.calls.create(to=HUMAN, from_=CALLER_ID, time_limit=5,
                                  twiml="<Response><Pause length='100'/></Response>")
    assert sb.wait_idle(10)
    t = sb.call(inline.sid)
    assert [e["type"] for e in t["events"] if e["type"] in ("say", "redirect", "hangup")] == [
        "say", "redirect", "say", "hangup"]
    assert app.hits("/recorded")[0]["method"] == "GET"
    assert app.hits("/recorded")[0]["args"]["CallSid"] == inline.sid
    lt = sb.call(limited.sid)
    assert lt["events"][-1]["by"] == "time-limit" and lt["status"] == "completed"
    assert lt["duration_s"] <= 5
