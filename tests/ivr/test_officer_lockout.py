"""Nobody can lock the police out of their own line (issue 10, item 3).

Every call here is a signed webhook, as the carrier posts it; the 50-call test posts
over real HTTP to the live app server, from 50 threads at once. Time is driven through
the app's `AUTH_CLOCK` setting, never by sleeping or patching.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from domain.db import db
from domain.models import AuditLog, AuthFailure, Lockout
from tests.factories import make_officer
from tests.support import sign, spoken

PIN = "246810"
LOCKED = "De toegang is tijdelijk geblokkeerd. Probeer later opnieuw."
WRONG = "Agentnummer of pincode niet herkend. Probeer opnieuw."
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    """The throttle's clock, set by the test (`app.config["AUTH_CLOCK"]`)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(app):
    clock = Clock(T0)
    app.config["AUTH_CLOCK"] = clock
    yield clock
    app.config.pop("AUTH_CLOCK")  # the app fixture restores keys, it does not drop new ones


_sids = iter(range(1, 10**6))


def _caller(n: int) -> str:
    return f"+32470{n:06d}"


def _params(app, sid: str, caller: str, **extra: str) -> dict:
    return {"CallSid": sid, "From": caller, "To": app.config["RECORDING_LINE"],
            "AccountSid": app.config["TWILIO_ACCOUNT_SID"], **extra}


def sign_in(app, signed_post, number: str, pin: str, caller: str) -> list[str]:
    """One call: welcome, officer number, PIN; what the caller heard last."""
    sid = f"CA{next(_sids):032d}"
    heard = spoken(signed_post("/voice/incoming", _params(app, sid, caller,
                                                          CallStatus="ringing")).data)
    if heard == [LOCKED]:
        return heard
    signed_post("/voice/recording/keys", _params(app, sid, caller, Digits=number))
    return spoken(signed_post("/voice/recording/keys",
                              _params(app, sid, caller, Digits=pin)).data)


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_15_minute_window_with_a_controlled_clock(app, signed_post, clock):
    officer = make_officer(db, pin=PIN)
    clock.at = T0 - timedelta(minutes=16)
    for n in range(4):  # each from a phone of its own: only the officer's budget counts
        assert sign_in(app, signed_post, officer.number, "111111", _caller(n))[0] == WRONG
    clock.at = T0
    assert sign_in(app, signed_post, officer.number, "111111", _caller(4))[0] == WRONG
    assert count(Lockout) == 0  # 4 failures 16 minutes ago and 1 now do not lock

    for n in range(5, 9):  # 4 more now: the fifth in the window locks
        heard = sign_in(app, signed_post, officer.number, "111111", _caller(n))
    assert heard == [LOCKED]
    assert count(Lockout, Lockout.kind == "officer", Lockout.subject == officer.number) == 1

    clock.at = T0 + timedelta(minutes=14)
    assert sign_in(app, signed_post, officer.number, PIN, _caller(20)) == [LOCKED]
    clock.at = T0 + timedelta(minutes=16)
    assert sign_in(app, signed_post, officer.number, PIN, _caller(21))[0].startswith(
        "Aangemeld als")


def test_fifty_concurrent_calls_from_fifty_numbers_get_five_guesses(app, live_server, clock,
                                                                    signed_post):
    officer = make_officer(db, pin=PIN)
    token = app.config["TWILIO_AUTH_TOKEN"]
    calls = [(f"CA{next(_sids):032d}", _caller(100 + n)) for n in range(50)]

    def post(path: str, params: dict) -> requests.Response:
        url = live_server + path
        return requests.post(url, data=params, timeout=60,
                             headers={"X-Twilio-Signature": sign(token, url, params)})

    for sid, caller in calls:  # every call is at the PIN prompt
        post("/voice/incoming", _params(app, sid, caller, CallStatus="ringing"))
        post("/voice/recording/keys", _params(app, sid, caller, Digits=officer.number))
    start = threading.Barrier(len(calls))
    heard: list[str] = []

    def guess(sid: str, caller: str) -> None:
        start.wait()
        response = post("/voice/recording/keys", _params(app, sid, caller, Digits="135790"))
        assert response.status_code == 200
        heard.append(spoken(response.content)[0])

    threads = [threading.Thread(target=guess, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert len(heard) == 50
    # the guesses checked last may already hear the lock the first ones set
    assert set(heard) <= {WRONG, LOCKED} and Counter(heard)[LOCKED] >= 46
    assert count(AuthFailure, AuthFailure.officer_number == officer.number) == 5
    assert count(AuditLog, AuditLog.action == "auth.failure") == 5  # 5 PINs were checked
    assert count(AuditLog, AuditLog.action == "auth.lock") == 1
    # the right PIN, as the 51st guess, from yet another phone: refused
    assert sign_in(app, signed_post, officer.number, PIN, _caller(200)) == [LOCKED]


def test_an_officer_on_their_own_phone_is_never_locked_out_by_other_numbers(
        app, signed_post, clock):
    own = "+32470555001"
    officer = make_officer(db, pin=PIN, allowed_callers=own)
    for n in range(12):  # wrong PINs and even the right one, from 12 other numbers
        sign_in(app, signed_post, officer.number, PIN if n % 3 else "111111", _caller(300 + n))
    assert count(Lockout, Lockout.kind == "officer", Lockout.subject == officer.number) == 1
    assert sign_in(app, signed_post, officer.number, PIN, own)[0].startswith("Aangemeld als")
    # the officer's own phone has a budget of its own, also of 5
    for _ in range(5):
        heard = sign_in(app, signed_post, officer.number, "111111", own)
    assert heard == [LOCKED]
    assert count(Lockout, Lockout.kind == "bound", Lockout.subject == officer.number) == 1


def test_a_real_and_an_invented_officer_number_sound_the_same(app, signed_post, clock):
    officer = make_officer(db, pin=PIN)
    heard = {}
    for number in (officer.number, "987654"):
        heard[number] = [sign_in(app, signed_post, number, f"11111{n}", _caller(400 + n))
                         for n in range(7)]
    assert heard[officer.number] == heard["987654"]
    assert heard["987654"][4:] == [[LOCKED]] * 3
