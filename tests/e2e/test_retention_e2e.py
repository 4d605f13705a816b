"""Retention end to end: an officer records on the sandbox phone (and records again), the
broadcast runs in a real worker, whose reconciler has both takes DELETEd at the carrier
once the audio is processed; a run with periods of zero then leaves the totals as they were
and no number, SID or audio of the broadcast."""

from __future__ import annotations

import base64
from datetime import timedelta

import requests
from sqlalchemy import select

from audio import tone_wav
from domain import retention
from domain.broadcast.totals import totals
from domain.db import db
from domain.models import CallAttempt, Delivery, Message
from domain.models.base import utcnow
from domain.price_checks import fetch_prices
from tests.e2e.broadcast_support import settled
from tests.factories import make_bin, make_member, make_officer
from tests.support import wait_for

PIN = "246810"
HUMAN, BUSY, NO_ANSWER = "+32470810001", "+32470810002", "+32470810003"


def recordings(sandbox) -> dict:
    return requests.get(sandbox.base_url + "/sandbox/recordings", timeout=5).json()


def test_carrier_copies_go_once_processed_and_a_run_keeps_only_the_counts(app, sandbox,
                                                                         workers):
    centrum = make_bin(db, code="11", name="Centrum")
    for phone in (HUMAN, BUSY, NO_ANSWER):
        make_member(db, bins=[centrum], phone=phone)
    make_officer(db, pin=PIN, number="4711", name="Agent Claes")
    sandbox.set_scenario({"default": {"answer": "human", "after_s": 2, "digits": "1"},
                          "numbers": {BUSY: {"answer": "busy"},
                                      NO_ANSWER: {"answer": "no-answer"}}})
    workers.start(1)
    takes = [tone_wav(3, lead_silence_s=1, tail_silence_s=1),
             tone_wav(2, freq=660, lead_silence_s=1, tail_silence_s=1)]
    response = requests.post(f"{sandbox.base_url}/sandbox/inbound", json={
        "to": app.config["RECORDING_LINE"], "from": "+32470800001",
        "keys": f"4711# {PIN}# 1 11# 1 2 1",
        "record": [base64.b64encode(wav).decode() for wav in takes]}, timeout=10)
    assert response.status_code == 201, response.text
    officer_call = wait_for(lambda: (lambda c: c if c["status"] == "completed" else None)(
        sandbox.call(response.json()["sid"])), timeout=30)
    assert len(officer_call["recordings"]) == 2

    message = settled(db.session.scalars(select(Message)).one().id, workers=workers)
    # One job deletes both takes, one request each: wait for the second.
    deleted = wait_for(lambda: (lambda d: d if len(d) >= 2 else None)(
        recordings(sandbox)["deleted"]), timeout=20)
    assert sorted(d["sid"] for d in deleted) == sorted(officer_call["recordings"])
    assert recordings(sandbox)["recordings"] == []
    db.session.expire_all()
    assert db.session.get(Message, message.id).recording_deleted_at is not None
    before = totals(message.id)
    assert (before.human, before.busy, before.no_answer) == (1, 1, 1)

    # An answered call keeps its SID until the carrier's price is in (domain.price_checks).
    assert fetch_prices(utcnow() + timedelta(hours=1)) == 1
    app.config.update(RETENTION_RECORDINGS_DAYS=0, RETENTION_CALL_DETAILS_DAYS=0)
    done = retention.run()

    assert done["recordings"] == 1 and done["call_details"] >= 6
    assert totals(message.id) == before
    db.session.expire_all()
    erased = db.session.get(Message, message.id)
    assert (erased.audio_wav, erased.recorded_from, erased.call_sid) == (None, None, None)
    numbers = [*db.session.scalars(select(Delivery.phone)),
               *db.session.scalars(select(CallAttempt.to_number))]
    assert numbers and all(n.startswith("erased:") for n in numbers)
    sids = db.session.scalars(select(CallAttempt.call_sid)).all()
    assert all(s is None or s.startswith("erased:") for s in sids)
