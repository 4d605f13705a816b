"""Logs: one structured line per webhook and per job, and never a phone number, PIN or
token in clear, whoever wrote the line."""

from __future__ import annotations

import io
import json
import logging

import pytest

from domain.broadcast.start import message_confirmed
from ivr import logs
from tests.e2e.broadcast_support import members_with_message, settled
from tests.factories import make_officer

PIN = "135792"


@pytest.fixture
def json_log(app):
    """This process logs JSON lines into a buffer for the test, as LOG_FORMAT=json does."""
    buffer = io.StringIO()
    secrets = tuple(str(app.config.get(n) or "") for n in logs.SECRET_SETTINGS)
    logs.configure_logging(True, "INFO", secrets, stream=buffer)
    yield buffer
    logs.configure_logging(False, app.config["LOG_LEVEL"], secrets)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_numbers_secrets_and_signatures_are_masked_in_text_extras_and_tracebacks(json_log, app):
    log = logging.getLogger("buurtlijn.test")
    log.info("calling +32470123456 and 03 620 29 29", extra={"to": "+32 470 12 34 56"})
    try:
        raise ValueError(f"token {app.config['TWILIO_AUTH_TOKEN']} for 0470123456")
    except ValueError:
        log.exception("GET /media/1.wav?sig=abc123def")
    written = json_log.getvalue()
    for clear in ("470123456", "470 12 34 56", "620 29 29", app.config["TWILIO_AUTH_TOKEN"],
                  "abc123def"):
        assert clear not in written
    first, second = json_lines(written)
    assert first["msg"] == "calling +32… and 0…" and first["to"] == "+32…"
    assert second["msg"] == "GET /media/1.wav?sig=[redacted]" and "[secret]" in second["exc"]


def test_a_broadcast_logs_each_webhook_and_job_without_a_number(
        app, sandbox, workers, json_log, signed_post, monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")  # the worker processes' environment
    members, message = members_with_message(4, first=400000)
    numbers = [m.phone for m in members]
    workers.start(1)
    message_confirmed(message.id)
    assert settled(message.id, workers=workers).status == "completed"
    sandbox.wait_idle(10)
    officer = make_officer(app.extensions["sqlalchemy"], pin=PIN)
    line = {"CallSid": "CA" + "7" * 32, "From": numbers[0], "To": app.config["RECORDING_LINE"]}
    signed_post("/voice/incoming", line)
    signed_post("/voice/recording/keys", dict(line, Digits=officer.number))
    signed_post("/voice/recording/keys", dict(line, Digits=PIN))

    web, worker = json_lines(json_log.getvalue()), json_lines(workers.logs())
    hooks = [entry for entry in web if entry["logger"] == "buurtlijn.webhook"]
    statuses = [h for h in hooks if h["endpoint"] == "member.status"]
    assert len(statuses) == 4
    assert all(h["message_id"] == message.id and h["delivery_id"] and h["call_sid"].startswith("CA")
               and h["status"] == 204 for h in statuses)
    assert {h["endpoint"] for h in hooks} >= {"member.answer", "member.menu", "voice.incoming",
                                              "recording_line.keys"}
    jobs = [entry for entry in worker if entry["logger"] == "buurtlijn.job"]
    assert any(j["job"] == "plan_broadcast" and j["message_id"] == message.id for j in jobs)
    assert any(j["msg"] == "job dispatch ok" and j["result"] >= 1 for j in jobs)
    created = [e for e in worker if e["msg"] == "call created"]
    assert len(created) == 4 and all(e["call_sid"].startswith("CA") for e in created)

    everything = json_log.getvalue() + workers.logs()
    for number in numbers + [app.config["CALLER_ID"]]:
        assert number[3:] not in everything, number
    assert PIN not in everything
    assert app.config["TWILIO_AUTH_TOKEN"] not in everything
