"""The sandbox's Messages API through the real twilio SDK: send, list, fetch, callbacks."""

from __future__ import annotations

import time

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from sandbox import DEMO_AUTH_TOKEN

SMS_FROM = "+32477777755"   # the account's number (a verified caller ID in these sandboxes)
MEMBER = "+32470000001"


@pytest.fixture
def hook(webapp):
    @webapp.route("/sms-status")
    def status() -> object:
        return "", 204

    return webapp.start()


def test_a_message_goes_queued_sent_delivered_with_signed_callbacks(
        make_sandbox, sdk, hook) -> None:
    sb = make_sandbox()
    sb.set_tariff(sms=0.08, unit="EUR")
    client = sdk(sb)
    msg = client.messages.create(to=MEMBER, from_=SMS_FROM, body="Politie: let op, bel 101.",
                                 status_callback=hook.url("/sms-status"))
    assert (msg.status, msg.num_segments, msg.price, msg.direction) == (
        "queued", "1", None, "outbound-api")
    assert msg.sid.startswith("SM") and len(msg.sid) == 34
    assert sb.wait_idle(10)
    got = client.messages(msg.sid).fetch()
    assert (got.status, got.price, got.price_unit, got.error_code) == (
        "delivered", "-0.08000", "EUR", None)
    assert got.date_sent is not None and got.body == "Politie: let op, bel 101."
    calls = hook.hits("/sms-status")
    assert [c["form"]["MessageStatus"] for c in calls] == ["sent", "delivered"]
    assert calls[-1]["form"]["MessageSid"] == msg.sid and calls[-1]["form"]["To"] == MEMBER
    good, wrong = RequestValidator(DEMO_AUTH_TOKEN), RequestValidator("0" * 32)
    for c in calls:
        assert good.validate(c["url"], c["form"], c["signature"])
        assert not wrong.validate(c["url"], c["form"], c["signature"])


def test_price_is_per_segment_and_ucs2_text_takes_more_segments(make_sandbox, sdk) -> None:
    sb = make_sandbox()
    sb.set_tariff(sms=0.05, unit="EUR")
    client = sdk(sb)
    long_gsm = client.messages.create(to=MEMBER, from_=SMS_FROM, body="a" * 161)
    euro = client.messages.create(to=MEMBER, from_=SMS_FROM, body="€" * 81)
    ucs2 = client.messages.create(to=MEMBER, from_=SMS_FROM, body="ç" * 71)
    assert sb.wait_idle(10)
    got = [client.messages(m.sid).fetch() for m in (long_gsm, euro, ucs2)]
    assert [(m.num_segments, m.price) for m in got] == [
        ("2", "-0.10000"), ("2", "-0.10000"), ("2", "-0.10000")]


def test_scripted_undelivered_and_failed_numbers(make_sandbox, sdk, hook) -> None:
    sb = make_sandbox(scenario={"numbers": {"+32470000009": {"sms": "undelivered"},
                                            "+32470000008": {"sms": "failed"}}})
    client = sdk(sb)
    url = hook.url("/sms-status")
    bad = client.messages.create(to="+32470000009", from_=SMS_FROM, body="x",
                                 status_callback=url)
    lost = client.messages.create(to="+32470000008", from_=SMS_FROM, body="x",
                                  status_callback=url)
    assert sb.wait_idle(10)
    bad, lost = client.messages(bad.sid).fetch(), client.messages(lost.sid).fetch()
    assert (bad.status, bad.error_code, bad.price) == ("undelivered", 30003, "-0.08000")
    assert (lost.status, lost.error_code, lost.price) == ("failed", 30008, "0.00000")
    by_sid: dict[str, list[tuple[str, str | None]]] = {}
    for c in hook.hits("/sms-status"):
        f = c["form"]
        by_sid.setdefault(f["MessageSid"], []).append((f["MessageStatus"], f.get("ErrorCode")))
    assert by_sid == {bad.sid: [("sent", None), ("undelivered", "30003")],
                      lost.sid: [("failed", "30008")]}


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"to": "0470 00 00 01", "body": "x"}, 21211),
    ({"to": MEMBER, "body": ""}, 21602),
    ({"to": MEMBER, "body": "x" * 1601}, 21617),
    ({"to": MEMBER, "body": "x", "from_": "+3250999999"}, 21606),
])
def test_bad_requests_get_twilios_error_codes(make_sandbox, sdk, kwargs, code) -> None:
    sb = make_sandbox()
    kwargs = {"from_": SMS_FROM, **kwargs}
    with pytest.raises(TwilioRestException) as err:
        sdk(sb).messages.create(**kwargs)
    assert (err.value.status, err.value.code) == (400, code)
    assert sb.messages() == []


def test_list_filters_on_to_and_pages_like_twilio(make_sandbox, sdk) -> None:
    sb = make_sandbox()
    client = sdk(sb)
    for i in range(5):
        client.messages.create(to=MEMBER, from_=SMS_FROM, body=f"bericht {i}")
    client.messages.create(to="+32470000002", from_=SMS_FROM, body="ander")
    assert sb.wait_idle(10)
    mine = client.messages.list(to=MEMBER, page_size=2)
    assert [m.body for m in mine] == [f"bericht {i}" for i in (4, 3, 2, 1, 0)]
    assert [m.body for m in client.messages.list(from_=SMS_FROM, limit=2)] == [
        "ander", "bericht 4"]
    with pytest.raises(TwilioRestException) as err:
        client.messages("SM" + "0" * 32).fetch()
    assert err.value.status == 404


def test_a_phones_inbox_shows_what_it_received(make_sandbox, sdk) -> None:
    sb = make_sandbox(scenario={"numbers": {"+32470000009": {"sms": "undelivered"}}})
    client = sdk(sb)
    client.messages.create(to=MEMBER, from_=SMS_FROM, body="Eerste")
    client.messages.create(to="+32470000009", from_=SMS_FROM, body="Komt niet aan")
    client.messages.create(to=MEMBER, from_=SMS_FROM, body="Tweede")
    assert sb.wait_idle(10)
    inbox = requests.get(f"{sb.base_url}/sandbox/phones/{MEMBER}/messages", timeout=5).json()
    assert [(m["from"], m["body"]) for m in inbox] == [(SMS_FROM, "Eerste"),
                                                       (SMS_FROM, "Tweede")]
    assert requests.get(f"{sb.base_url}/sandbox/phones/+32470000009/messages",
                        timeout=5).json() == []
    sent = requests.get(f"{sb.base_url}/sandbox/messages", params={"to": "+32470000009"},
                        timeout=5).json()
    assert [(m["status"], m["error_code"]) for m in sent] == [("undelivered", 30003)]
    requests.post(f"{sb.base_url}/sandbox/reset", timeout=5)
    assert requests.get(f"{sb.base_url}/sandbox/messages", timeout=5).json() == []


def test_price_shows_after_the_tariff_delay(make_sandbox, sdk) -> None:
    sb = make_sandbox()
    sb.set_tariff(sms=0.08, delay_s=1.0)
    client = sdk(sb)
    sid = client.messages.create(to=MEMBER, from_=SMS_FROM, body="x").sid
    assert sb.wait_idle(10)
    first = client.messages(sid).fetch()
    assert (first.status, first.price) == ("delivered", None)
    deadline = time.time() + 5
    while client.messages(sid).fetch().price is None and time.time() < deadline:
        time.sleep(0.1)
    assert client.messages(sid).fetch().price == "-0.08000"


def test_a_callback_that_fails_leaves_the_message_delivered(make_sandbox, sdk) -> None:
    sb = make_sandbox()
    client = sdk(sb)
    msg = client.messages.create(to=MEMBER, from_=SMS_FROM, body="x",
                                 status_callback="http://127.0.0.1:9/nobody-listens")
    assert sb.wait_idle(20)
    assert client.messages(msg.sid).fetch().status == "delivered"
    [shown] = sb.messages(to=MEMBER)
    assert [bool(w.get("error")) for w in shown["webhooks"]] == [True, True]


def test_wrong_credentials_and_a_bad_scenario_value_are_refused(make_sandbox, sdk) -> None:
    sb = make_sandbox()
    with pytest.raises(TwilioRestException) as err:
        sdk(sb, token="0" * 32).messages.create(to=MEMBER, from_=SMS_FROM, body="x")
    assert err.value.status == 401
    r = requests.post(f"{sb.base_url}/sandbox/scenario",
                      json={"numbers": {MEMBER: {"sms": "lost"}}}, timeout=5)
    assert r.status_code == 400 and "sms must be one of" in r.json()["error"]
    assert requests.get(f"{sb.base_url}/sandbox/tariff", timeout=5).json()["sms"] == "0.08"
    assert sb.messages() == []


def test_duplicate_callback_fault_sends_each_status_twice(make_sandbox, sdk, hook) -> None:
    sb = make_sandbox(faults={"callback_duplicate_rate": 1.0})
    msg = sdk(sb).messages.create(to=MEMBER, from_=SMS_FROM, body="x",
                                  status_callback=hook.url("/sms-status"))
    assert sb.wait_idle(10)
    assert [c["form"]["MessageStatus"] for c in hook.hits("/sms-status")] == [
        "sent", "sent", "delivered", "delivered"]
    assert {c["form"]["MessageSid"] for c in hook.hits("/sms-status")} == {msg.sid}
    assert sb.fired()["callback_duplicate"] == 2
