"""Call prices on the Call resource: from the tariff, per started minute, after a delay."""

from __future__ import annotations

import time

import pytest
import requests

CALLER_ID = "+32477777755"


@pytest.fixture
def app(webapp):
    twiml = webapp.twiml

    @webapp.route("/voice")
    def voice() -> object:
        return twiml("<Say>Hallo</Say><Pause length='600'/>")

    return webapp.start()


def test_answered_calls_pay_every_started_minute_and_unanswered_ones_nothing(
        make_sandbox, sdk, app) -> None:
    sb = make_sandbox(scenario={"numbers": {
        "+32470000001": {"answer": "human", "after_s": 1, "hangup_after_s": 70},
        "+3231234567": {"answer": "human", "after_s": 1, "hangup_after_s": 30},
        "+32470000002": {"answer": "machine", "greeting_s": 5, "max_message_s": 20},
        "+32470000003": {"answer": "busy"},
        "+32470000004": {"answer": "no-answer"}}})
    sb.set_tariff(landline=0.03, mobile=0.15, unit="EUR")
    client = sdk(sb)
    sids = {to: client.calls.create(to=to, from_=CALLER_ID, url=app.url("/voice")).sid
            for to in ("+32470000001", "+3231234567", "+32470000002", "+32470000003",
                       "+32470000004")}
    assert sb.wait_idle(20)
    got = {to: client.calls(sid).fetch() for to, sid in sids.items()}
    assert {to: (c.status, c.price, c.price_unit) for to, c in got.items()} == {
        "+32470000001": ("completed", "-0.30000", "EUR"),   # 70 s on a mobile: 2 minutes
        "+3231234567": ("completed", "-0.03000", "EUR"),    # 30 s on a landline: 1 minute
        "+32470000002": ("completed", "-0.15000", "EUR"),   # voicemail answered: billed
        "+32470000003": ("busy", "0.00000", "EUR"),
        "+32470000004": ("no-answer", "0.00000", "EUR"),
    }
    raw = requests.get(f"{sb.base_url}/2010-04-01/Accounts/{sb.account_sid}/Calls/"
                       f"{sids['+32470000001']}.json",
                       auth=(sb.account_sid, sb.auth_token), timeout=5).json()
    assert raw["price"] == "-0.30000" and raw["duration"] == "70"


def test_price_is_null_until_the_delay_has_passed(make_sandbox, sdk, app) -> None:
    sb = make_sandbox(scenario={"default": {"answer": "human", "hangup_after_s": 5}})
    control = requests.post(f"{sb.base_url}/sandbox/tariff",
                            json={"mobile": "0.20", "delay_s": 1.0}, timeout=5)
    assert control.json() == {"landline": "0.03", "mobile": "0.20", "sms": "0.08",
                              "unit": "EUR", "delay_s": 1.0}
    client = sdk(sb)
    sid = client.calls.create(to="+32470000001", from_=CALLER_ID, url=app.url("/voice")).sid
    assert sb.wait_idle(10)
    ended = client.calls(sid).fetch()
    assert ended.status == "completed" and ended.price is None
    time.sleep(1.1)
    assert client.calls(sid).fetch().price == "-0.20000"


def test_a_bad_tariff_setting_is_refused(make_sandbox) -> None:
    sb = make_sandbox()
    r = requests.post(f"{sb.base_url}/sandbox/tariff", json={"satellite": 1}, timeout=5)
    assert r.status_code == 400 and "satellite" in r.json()["error"]
    r = requests.post(f"{sb.base_url}/sandbox/tariff", json={"mobile": -1}, timeout=5)
    assert r.status_code == 400
