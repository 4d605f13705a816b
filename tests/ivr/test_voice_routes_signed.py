"""Every /voice/* route, found in the app's URL map, refuses a request the carrier did not
sign for it: 403, and not one row or Redis key changed. A route added later is covered
without touching this file."""

from __future__ import annotations

import re

import pytest
import redis
from sqlalchemy import text

from domain.db import db
from ivr import create_app
from tests.conftest import SANDBOX_SID, SANDBOX_TOKEN
from tests.factories import make_bin, make_call_attempt, make_member, make_message, make_officer
from tests.support import sign

MEMBER_SID = "CA" + "1" * 32
RECORDING_SID = "CA" + "2" * 32
NEW_SID = "CA" + "3" * 32
# Flask answers OPTIONS itself, without running the view (no data, nothing changes).
NOT_THE_VIEW = {"OPTIONS"}


def _voice_routes() -> list[tuple[str, str]]:
    """(rule, method) of every /voice route, read from an app built as the tests build it."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SECRET_KEY": "collect", "TWILIO_ACCOUNT_SID": SANDBOX_SID,
                      "TWILIO_AUTH_TOKEN": SANDBOX_TOKEN,
                      "TWILIO_API_URL": "http://127.0.0.1:9",
                      "PUBLIC_BASE_URL": "http://127.0.0.1:9"})
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                  if rule.rule.startswith("/voice/")
                  for method in sorted(rule.methods - NOT_THE_VIEW))


ROUTES = _voice_routes()
BAD_REQUESTS = ["unsigned", "forged", "other-host", "other-path", "other-query"]


def _path(rule: str) -> str:
    """A concrete path for a rule; a converter argument gets a plausible value."""
    path = re.sub(r"<int:[^>]+>", "1", rule)
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"\1", path)


def _snapshot(redis_url: str) -> dict:
    """Every row of every table, and every Redis key."""
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
            rows[table.name] = conn.execute(
                text(f'SELECT * FROM "{table.name}" ORDER BY {order}')).all()
    rows["redis"] = sorted(redis.Redis.from_url(redis_url).keys("*"))
    return rows


@pytest.fixture
def world(app, signed_post):
    """Rows a signed request to any voice route would act on: a member call under way,
    a recording-line call waiting for the officer's number, a message to hear again."""
    bin_ = make_bin(db)
    member = make_member(db, bins=[bin_], phone="+32470400001")
    officer = make_officer(db)
    message = make_message(db, bins=[bin_], status="sending")
    attempt = make_call_attempt(db, member, message, status="ringing", call_sid=MEMBER_SID)
    started = signed_post("/voice/incoming", {
        "CallSid": RECORDING_SID, "AccountSid": SANDBOX_SID, "From": "+32470999000",
        "To": app.config["RECORDING_LINE"], "CallStatus": "ringing", "Direction": "inbound"})
    assert started.status_code == 200
    return {"member": member, "officer": officer, "message": message, "attempt": attempt}


def _what_the_carrier_sends(app, rule: str, world: dict) -> tuple[str, dict]:
    """The query string and parameters the carrier would send to this route."""
    query = f"?attempt={world['attempt'].id}&message={world['message'].id}&round=1"
    common = {"AccountSid": SANDBOX_SID, "ApiVersion": "2010-04-01", "Direction": "inbound"}
    if rule.startswith("/voice/member/"):
        params = {"CallSid": MEMBER_SID, "From": app.config["CALLER_ID"],
                  "To": world["member"].phone, "Direction": "outbound-api",
                  "CallStatus": "completed", "CallDuration": "12", "AnsweredBy": "human",
                  "MachineDetectionDuration": "2000", "Digits": "1"}
    elif rule.startswith("/voice/recording/"):
        params = {"CallSid": RECORDING_SID, "From": "+32470999000",
                  "To": app.config["RECORDING_LINE"], "CallStatus": "in-progress",
                  "Digits": world["officer"].number, "RecordingSid": "RE" + "4" * 32,
                  "RecordingUrl": app.config["TWILIO_API_URL"] + "/Recordings/RE" + "4" * 32,
                  "RecordingStatus": "completed", "RecordingDuration": "4"}
    else:
        params = {"CallSid": NEW_SID, "From": world["member"].phone,
                  "To": app.config["CALLER_ID"], "CallStatus": "ringing", "Digits": "1"}
    return query, {**common, **params}


def _send(client, app, method: str, path: str, query: str, params: dict, how: str):
    token, base = app.config["TWILIO_AUTH_TOKEN"], app.config["PUBLIC_BASE_URL"]
    signed_url = {
        "signed": base + path + query, "forged": base + path + query,
        "other-host": "https://attacker.example" + path + query,
        "other-path": base + "/voice/elsewhere" + query,
        "other-query": base + path + "?attempt=999999",
    }.get(how)
    form = params if method == "POST" else {}
    headers = {}
    if signed_url is not None:
        key = "not-the-auth-token" if how == "forged" else token
        headers["X-Twilio-Signature"] = sign(key, signed_url, form)
    data = params if method == "POST" else None
    return client.open(path + query, method=method, data=data, headers=headers)


def test_the_voice_routes_were_found():
    assert ("/voice/incoming", "POST") in ROUTES and len(ROUTES) >= 10


def test_every_voice_route_is_in_the_list(app):
    """The session's app has no /voice route that collection missed."""
    live = {(rule.rule, m) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/voice/") for m in rule.methods - NOT_THE_VIEW}
    assert live == set(ROUTES)


@pytest.mark.parametrize("how", BAD_REQUESTS)
@pytest.mark.parametrize(("rule", "method"), ROUTES, ids=[f"{m} {r}" for r, m in ROUTES])
def test_a_request_not_signed_for_the_route_gets_403_and_changes_nothing(
        app, client, world, redis_server, rule, method, how):
    path = _path(rule)
    query, params = _what_the_carrier_sends(app, rule, world)
    before = _snapshot(redis_server.url)
    response = _send(client, app, method, path, query, params, how)
    assert response.status_code == 403
    db.session.remove()
    assert _snapshot(redis_server.url) == before

    # the same request, signed as the carrier signs it, is answered: the 403 came from
    # the signature alone, not from a request the route could not have served anyway
    control = _send(client, app, method, path, query, params, "signed")
    assert control.status_code != 403 and control.status_code < 500, control.data
