"""Each fault knob, seen from the app's side (the SDK and a test app)."""

from __future__ import annotations

import time

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

CALLER_ID = "+32477777755"


@pytest.fixture
def app(webapp):
    @webapp.route("/voice")
    def voice():
        return webapp.twiml("<Say>Hallo</Say>")

    @webapp.route("/status")
    def status():
        return ""

    return webapp.start()


def test_429_and_500_seen_by_the_sdk(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(faults={"rest_429_rate": 1.0})
    client = sdk(sb)
    with pytest.raises(TwilioRestException) as err:
        client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice"))
    assert (err.value.status, err.value.code) == (429, 20429)
    r = requests.post(sb.base_url + "/sandbox/faults",
                      json={"rest_429_rate": 0, "rest_500_rate": 1}, timeout=5)
    assert r.json()["rest_500_rate"] == 1.0
    with pytest.raises(TwilioRestException) as err:
        client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice"))
    assert err.value.status == 500
    assert client.calls.list() == []  # neither created a call
    fired = requests.get(sb.base_url + "/sandbox/faults/fired", timeout=5).json()
    assert fired == {**{name: 0 for name in fired}, "rest_429": 1, "rest_500": 1}
    assert requests.post(sb.base_url + "/sandbox/faults", json={"nope": 1},
                         timeout=5).status_code == 400


def test_seeded_dice_are_reproducible(make_sandbox, sdk, app) -> None:
    def outcomes(seed: int) -> list[int]:
        sb = make_sandbox(seed=seed, faults={"rest_429_rate": 0.5})
        client = sdk(sb)
        result = []
        for _ in range(12):
            try:
                client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice"))
                result.append(201)
            except TwilioRestException as exc:
                result.append(exc.status)
        assert sb.fired()["rest_429"] == result.count(429)
        return result

    first = outcomes(7)
    assert first == outcomes(7) and {201, 429} == set(first)


def test_timeout_after_create_leaves_a_call(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(faults={"rest_timeout_rate": 1.0, "timeout_delay_s": 1.5})
    client = sdk(sb, timeout=0.3)
    with pytest.raises(requests.exceptions.Timeout):
        client.calls.create(to="+32470000007", from_=CALLER_ID, url=app.url("/voice"))
    sb.set_faults(rest_timeout_rate=0.0)
    calls = sdk(sb).calls.list(to="+32470000007")
    assert len(calls) == 1
    assert sb.fired()["rest_timeout"] == 1
    assert sb.wait_idle(10)
    assert sdk(sb).calls(calls[0].sid).fetch().status == "completed"
    time.sleep(1.3)  # let the delayed response finish before the server stops


def test_duplicate_reordered_and_unknown_callbacks(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(faults={"callback_duplicate_rate": 1.0}, seed=1)
    client = sdk(sb)
    events = ["initiated", "ringing", "answered", "completed"]
    dup = client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice"),
                              status_callback=app.url("/status"), status_callback_event=events)
    assert sb.wait_idle(10)
    seqs = [h["form"]["SequenceNumber"] for h in app.hits("/status")
            if h["form"]["CallSid"] == dup.sid]
    assert seqs == ["1", "1", "2", "2", "3", "3", "4", "4"]
    assert sb.fired()["callback_duplicate"] == 4

    sb.set_faults(callback_duplicate_rate=0, callback_reorder_rate=1, unknown_sid_callback_rate=1)
    reo = client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice"),
                              status_callback=app.url("/status"), status_callback_event=events)
    assert sb.wait_idle(10)
    statuses = [h["form"]["CallStatus"] for h in app.hits("/status")
                if h["form"]["CallSid"] == reo.sid]
    assert statuses == ["completed", "initiated", "ringing", "in-progress"]
    known = {dup.sid, reo.sid}
    ghosts = [h["form"] for h in app.hits("/status") if h["form"]["CallSid"] not in known]
    assert len(ghosts) == 1 and ghosts[0]["CallSid"].startswith("CA")
    fired = sb.fired()
    assert (fired["callback_reorder"], fired["unknown_sid_callback"]) == (1, 1)
    sb.reset()
    assert set(sb.fired().values()) == {0}  # a reset forgets what fired


def test_reordered_call_sends_its_amd_callback_after_the_final_status(
        make_sandbox, sdk, app) -> None:
    @app.app.route("/amd", methods=["POST"])
    def amd():
        return ""

    @app.app.route("/long", methods=["POST"])
    def long():  # longer than detection takes, so detection reports during the call
        return app.twiml('<Pause length="5"/>')

    sb = make_sandbox(faults={"callback_reorder_rate": 1.0},
                      scenario={"default": {"answer": "human", "after_s": 1}})
    call = sdk(sb).calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/long"),
                                status_callback=app.url("/status"), machine_detection="Enable",
                                async_amd="true", async_amd_status_callback=app.url("/amd"))
    assert sb.wait_idle(10)
    kinds = [w["kind"] for w in sb.call(call.sid)["webhooks"] if w["kind"] != "voice"]
    assert kinds == ["status_callback", "amd_callback"]
    assert app.hits("/amd")[0]["form"]["AnsweredBy"] == "human"
    assert sb.fired()["callback_reorder"] == 1


def test_webhook_latency(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(faults={"webhook_latency_ms": 300})
    client = sdk(sb)
    start = time.time()
    call = client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice"))
    assert sb.wait_idle(10)
    assert time.time() - start >= 0.3
    assert sb.call(call.sid)["status"] == "completed"
    assert sb.fired()["webhook_latency"] == len(sb.call(call.sid)["webhooks"]) >= 1


def test_webhook_response_times_are_recorded_without_injected_latency(
        make_sandbox, sdk, app) -> None:
    sb = make_sandbox(faults={"webhook_latency_ms": 200})
    call = sdk(sb).calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice"),
                                status_callback=app.url("/status"))
    assert sb.wait_idle(10)
    webhooks = sb.call(call.sid)["webhooks"]
    assert {w["kind"] for w in webhooks} >= {"voice", "status_callback"}
    # the app answers locally in milliseconds; the 200 ms injected before sending is not in it
    assert all(0 < w["elapsed_ms"] < 150 for w in webhooks), webhooks
    summary = requests.get(f"{sb.base_url}/sandbox/calls?view=summary", timeout=5).json()
    (row,) = [c for c in summary if c["sid"] == call.sid]
    assert row["start_ts"] >= row["created_ts"] and row["end_ts"] >= row["start_ts"]
    assert [w[2] for w in row["webhooks"]] == [w["elapsed_ms"] for w in webhooks]
    assert "events" not in row


def test_slow_request_creates_the_call_only_after_its_delay(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(faults={"rest_slow_rate": 1.0, "slow_delay_s": 1.0})
    client = sdk(sb)
    began = time.time()
    call = client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice"))
    assert time.time() - began >= 1.0
    assert sb.call(call.sid)["timeline"][0]["ts"] >= began + 1.0
    assert sb.fired()["rest_slow"] == 1
