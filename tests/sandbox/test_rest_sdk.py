"""The real twilio SDK against the sandbox: create, list, fetch, update, cancel, delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from sandbox import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN

CALLER_ID = "+32477777755"
BASE = f"/2010-04-01/Accounts/{DEMO_ACCOUNT_SID}"


@pytest.fixture
def app(webapp):
    twiml = webapp.twiml
    @webapp.route("/voice")
    def voice() -> object:
        return twiml("<Say>Hallo</Say><Pause length='2'/>")

    @webapp.route("/long")
    def long() -> object:
        return twiml("<Pause length='600'/>")

    @webapp.route("/other")
    def other() -> object:
        return twiml("<Say>Andere tekst</Say>")

    @webapp.route("/status")
    def status() -> object:
        return ""

    return webapp.start()


def test_create_fetch_list_and_filters(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(scenario={"numbers": {"+32470000009": {"answer": "busy"}}})
    client = sdk(sb)
    a = client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice"))
    b = client.calls.create(to="+32470000009", from_=CALLER_ID, url=app.url("/voice"))
    assert a.sid.startswith("CA") and len(a.sid) == 34
    assert a.status == "queued" and a.direction == "outbound-api"
    assert sb.wait_idle(10)
    fetched = client.calls(a.sid).fetch()
    assert fetched.status == "completed" and int(fetched.duration) >= 3
    assert fetched.start_time is not None and fetched.queue_time is not None
    assert client.calls(b.sid).fetch().status == "busy"
    assert [c.sid for c in client.calls.list(to="+32470000009")] == [b.sid]
    assert [c.sid for c in client.calls.list(status="completed")] == [a.sid]
    assert {c.sid for c in client.calls.list(from_=CALLER_ID)} == {a.sid, b.sid}
    now = datetime.now(UTC)
    assert len(client.calls.list(start_time_after=now - timedelta(minutes=5))) == 2
    assert client.calls.list(start_time_after=now + timedelta(minutes=5)) == []
    assert len(client.calls.list(start_time=now.date())) == 2
    # paging: the SDK follows next_page_uri
    for _ in range(3):
        client.calls.create(to="+32470000002", from_=CALLER_ID, url=app.url("/voice"))
    assert len(client.calls.list(page_size=2)) == 5
    page = client.calls.page(page_size=2)
    assert len(page._payload["calls"]) == 2 and page.next_page_url is not None
    assert sb.wait_idle(10)


def test_update_live_call_redirects_and_completes(make_sandbox, sdk, app) -> None:
    sb = make_sandbox()
    client = sdk(sb)
    call = client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/long"))
    # in-progress comes before the TwiML is fetched: wait until the long pause is running
    _wait_event(sb, call.sid, lambda e: e["type"] == "pause" and e["length_s"] == 600)
    client.calls(call.sid).update(url=app.url("/other"))
    _wait_event(sb, call.sid, lambda e: e["type"] == "say" and e["text"] == "Andere tekst")
    assert sb.wait_idle(10)
    events = sb.call(call.sid)["events"]
    assert client.calls(call.sid).fetch().status == "completed"
    assert any(e["type"] == "updated" for e in events)
    # a live call with Twiml, then completed by the API
    call2 = client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/long"))
    _wait_status(client, call2.sid, "in-progress")
    client.calls(call2.sid).update(twiml="<Response><Pause length='600'/></Response>")
    updated = client.calls(call2.sid).update(status="completed")
    assert updated.status == "completed"
    assert any(e["type"] == "hangup" and e["by"] == "api" for e in sb.call(call2.sid)["events"])


def test_cancel_queued_and_ringing(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(cps=1, scenario={"default": {"after_s": 500}})
    client = sdk(sb)
    ringing = client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice"),
                                  timeout=600)
    queued = client.calls.create(to="+32470000002", from_=CALLER_ID, url=app.url("/voice"),
                                 status_callback=app.url("/status"))
    assert client.calls(queued.sid).update(status="canceled").status == "canceled"
    _wait_status(client, ringing.sid, "ringing")
    assert client.calls(ringing.sid).update(status="canceled").status == "canceled"
    assert sb.wait_idle(5)
    finals = [h["form"] for h in app.hits("/status")]
    assert [f["CallStatus"] for f in finals] == ["canceled"]
    with pytest.raises(TwilioRestException) as err:
        client.calls(ringing.sid).update(url=app.url("/voice"))
    assert err.value.status == 400 and err.value.code == 21220
    assert client.calls(ringing.sid).delete() is True
    with pytest.raises(TwilioRestException) as err:
        client.calls(ringing.sid).fetch()
    assert err.value.status == 404 and err.value.code == 20404


def test_errors_and_auth(make_sandbox, sdk, app) -> None:
    sb = make_sandbox()
    client = sdk(sb)
    with pytest.raises(TwilioRestException) as err:
        client.calls.create(to="+32470000001", from_="+3225550000", url=app.url("/voice"))
    assert (err.value.status, err.value.code) == (400, 21210)
    with pytest.raises(TwilioRestException) as err:
        client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice"),
                            machine_detection="Sometimes")
    assert (err.value.status, err.value.code) == (400, 20001)
    url = sb.base_url + BASE + "/Calls.json"
    form = {"To": "+32470000001", "From": CALLER_ID, "Url": app.url("/voice"), "Colour": "red"}
    r = requests.post(url, data=form, auth=(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN), timeout=5)
    assert r.status_code == 400
    assert set(r.json()) == {"code", "message", "more_info", "status"}
    r = requests.post(url, data=form, auth=(DEMO_ACCOUNT_SID, "wrong"), timeout=5)
    assert r.status_code == 401 and r.json()["code"] == 20003
    r = requests.get(url, timeout=5)
    assert r.status_code == 401
    bad = sdk(make_sandbox(auth_token="f" * 32), token=DEMO_AUTH_TOKEN)
    with pytest.raises(TwilioRestException) as err:
        bad.calls("CA" + "0" * 32).fetch()
    assert err.value.status == 401 and err.value.code == 20003


def test_numbers_lists(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(numbers={"+3250000001": app.url("/voice")}, verified=[CALLER_ID])
    client = sdk(sb)
    nums = client.incoming_phone_numbers.list()
    assert [(n.phone_number, n.voice_url) for n in nums] == [("+3250000001", app.url("/voice"))]
    assert client.incoming_phone_numbers.list(phone_number="+3250000002") == []
    ids = client.outgoing_caller_ids.list(phone_number=CALLER_ID)
    assert [i.phone_number for i in ids] == [CALLER_ID]
    # an owned number is a valid From too
    call = client.calls.create(to="+32470000001", from_="+3250000001", url=app.url("/voice"))
    assert call._from == "+3250000001"
    assert sb.wait_idle(10)


def test_webhooks_are_signed(make_sandbox, sdk, app) -> None:
    sb = make_sandbox()
    client = sdk(sb)
    client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice?x=1&y=2"),
                        status_callback=app.url("/status"), status_callback_method="GET",
                        status_callback_event=["initiated", "ringing", "answered", "completed"])
    assert sb.wait_idle(10)
    good, wrong = RequestValidator(DEMO_AUTH_TOKEN), RequestValidator("0" * 32)
    assert len(app.requests) == 5
    for req in app.requests:
        params = req["form"] if req["method"] == "POST" else {}
        assert good.validate(req["url"], params, req["signature"]), req
        assert not wrong.validate(req["url"], params, req["signature"])
    assert [r["args"]["CallStatus"] for r in app.hits("/status")] == [
        "initiated", "ringing", "in-progress", "completed"]


def _wait_status(client, sid: str, status: str, timeout: float = 5.0) -> None:
    import time
    deadline = time.time() + timeout
    while client.calls(sid).fetch().status != status:
        assert time.time() < deadline, f"{sid} never reached {status}"
        time.sleep(0.01)


def _wait_event(sb, sid: str, pred, timeout: float = 5.0) -> dict:
    import time
    deadline = time.time() + timeout
    while True:
        for ev in sb.call(sid)["events"]:
            if pred(ev):
                return ev
        assert time.time() < deadline, sb.call(sid)["events"]
        time.sleep(0.01)
