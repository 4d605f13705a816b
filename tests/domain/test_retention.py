"""Retention: after a run with short periods no row older than its period holds personal
data, every count and price reads the same, and the carrier got a DELETE per recording.

The world below has one row of every kind, made now; the run is asked for a later `now`
(5 days: only expired links go; 40 days: everything past its period). Personal data is
looked for in every column of every table (enumerated from the metadata, so a table
added later is searched too), except the member list itself, which is the BIN's to keep.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from sqlalchemy import func, select, text

from audio import tone_wav
from domain import carrier, retention
from domain.broadcast import history
from domain.broadcast.totals import totals
from domain.db import db
from domain.models import (
    Application,
    AuditLog,
    AuthFailure,
    CallAttempt,
    CallSession,
    InboundCall,
    Lockout,
    MemberLink,
    Message,
    OutboundMail,
    audit,
    utcnow,
)
from tests.factories import (
    make_application,
    make_bin,
    make_delivery,
    make_lockout,
    make_member,
    make_member_link,
    make_message,
)

PERIODS = {"RECORDINGS": 10, "CALL_DETAILS": 20, "INBOUND_CALLS": 10, "SIGN_IN_FAILURES": 10,
           "LINKS": 0, "APPLICATIONS": 10, "MAILS": 20, "AUDIT": 60}
OFFICER_PHONE = "+32470999000"  # make_message's recorded_from
CALLER = "+32479123456"  # someone who called the caller ID
INTRUDER = "inbreker@example.org"  # a failed web sign-in
APPLICANT = ("Aanvrager Weggewerkt", "+32471777001")
MAIL_TO = "lid.adres@example.org"
ANSWERED = [{"status": "completed", "answered_by": "human", "duration_s": 42,
             "price": Decimal("0.15"), "price_unit": "EUR"}]
BUSY_THEN_VOICEMAIL = [{"status": "busy", "price": Decimal("0"), "price_unit": "EUR"},
                       {"status": "completed", "answered_by": "machine_end_beep",
                        "duration_s": 61, "price": Decimal("0.06"), "price_unit": "EUR",
                        "error": "voicemail for +32470000000"}]


def carrier_recording(sandbox) -> str:
    """A recording held by the sandbox carrier, of a real call made through the SDK."""
    call = carrier.client().calls.create(to="+32470888001", from_="+32477777755",
                                         twiml="<Say>Opname</Say>")
    return sandbox.carrier.add_recording(sandbox.carrier.calls[call.sid], tone_wav(2), 2).sid


@pytest.fixture
def world(app, sandbox):
    app.config.update({f"RETENTION_{k}_DAYS": v for k, v in PERIODS.items()})
    bin_ = make_bin(db, code="11")
    members = [make_member(db, bins=[bin_], phone2="+3236001122"), make_member(db, bins=[bin_])]
    first_take, take = carrier_recording(sandbox), carrier_recording(sandbox)
    sent = make_message(db, bins=[bin_], status="completed", completed_at=utcnow(),
                        call_sid="CAofficer1", recording_sid=take,
                        recording_url=f"{sandbox.base_url}/Recordings/{take}")
    audit("officer:4711", "message.recorded", f"message:{sent.id}", recording_sid=first_take)
    audit("officer:4711", "message.recorded", f"message:{sent.id}", recording_sid=take)
    make_delivery(db, sent, members[0], outcome="human", attempts=ANSWERED,
                  confirmed_at=utcnow())
    make_delivery(db, sent, members[1], outcome="machine", attempts=BUSY_THEN_VOICEMAIL)
    # Still sending: everything of it is kept, whatever its age.
    sending = make_message(db, bins=[bin_], status="sending", recorded_from="+32470999111")
    unpriced = make_delivery(db, sending, members[1], outcome="human", attempts=[
        {"status": "completed", "duration_s": 5, "call_sid": "CAwait1"}])
    waiting = db.session.scalars(select(CallAttempt).filter_by(delivery_id=unpriced.id)).one()
    waiting.price_check_at = utcnow()
    db.session.add_all([
        InboundCall(call_sid="CAin1", from_number=CALLER, to_number="+32477777755",
                    line="callback", member_id=members[1].id),
        CallSession(call_sid="CAin1", flow="callback", state={"from": CALLER}),
        AuthFailure(officer_number="4711", caller=CALLER),
        OutboundMail(kind="welcome", status="sent", to_address=MAIL_TO, subject="Welkom Lid",
                     message_id="<m1@buurtlijn.test>", body=b"Beste Lid", sent_at=utcnow()),
    ])
    audit(f"caller:{CALLER}", "auth.failure", "officer:4711", call_sid="CAin2")
    audit(INTRUDER, "web.sign_in_failed", INTRUDER)
    db.session.commit()
    make_lockout(db, subject=CALLER, minutes=5)
    make_member_link(db, members[0], days=-1)
    make_member_link(db, members[0], days=30)
    make_application(db, bin_, status="declined", decided_at=utcnow(), name=APPLICANT[0],
                     phone=APPLICANT[1])
    make_application(db, bin_, name="In De Inbox")  # confirmed, waiting for the coordinator
    return {"sent": sent, "sending": sending, "takes": [first_take, take], "waiting": waiting}


def personal_data_left() -> dict[str, list[str]]:
    """Where any of the world's personal details is still found: table -> columns."""
    needles = [OFFICER_PHONE, CALLER, INTRUDER, MAIL_TO, "+3236001122", *APPLICANT,
               "Beste Lid", "Welkom Lid", "CAin1", "CAofficer1", "CAweb"]
    found: dict[str, list[str]] = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in ("members", "memberships"):
                continue
            for row in conn.execute(table.select()).mappings():
                for column, value in row.items():
                    value = value.decode(errors="ignore") if isinstance(value, bytes) else value
                    if any(n in str(value) for n in needles):
                        found.setdefault(table.name, []).append(column)
    return found


def aggregates(world) -> dict:
    db.session.expire_all()
    return {
        "totals": [totals(m.id) for m in (world["sent"], world["sending"])],
        "history": [(i.deliveries, i.reached, i.confirmed) for i in history.history(None).items],
        "prices": db.session.execute(select(func.count(CallAttempt.id), func.sum(
            CallAttempt.price), func.sum(CallAttempt.duration_s))).one(),
        "outcomes": sorted(db.session.execute(select(CallAttempt.status,
                                                     CallAttempt.answered_by)).all(),
                           key=str),
        "audio_ms": [m.audio_duration_ms for m in db.session.scalars(select(Message))],
        "calls_in": db.session.scalar(select(func.count(InboundCall.id))),
        "mails": db.session.scalar(select(func.count(OutboundMail.id))),
    }


def deleted_at_carrier(sandbox) -> list[str]:
    listed = requests.get(sandbox.base_url + "/sandbox/recordings", timeout=5).json()
    return [r["sid"] for r in listed["deleted"]]


def test_a_run_erases_every_kind_past_its_period_and_keeps_the_counts(world, sandbox):
    before = aggregates(world)
    assert set(personal_data_left()) >= {"messages", "deliveries", "call_attempts",
                                         "inbound_calls", "call_sessions", "auth_failures",
                                         "lockouts", "audit_log", "applications",
                                         "outbound_mails"}

    soon = retention.run(utcnow() + timedelta(days=5))
    assert soon == {"carrier_recordings": 1, "recordings": 0, "call_details": 0,
                    "inbound_calls": 0, "sign_in_failures": 0, "links": 1,
                    "applications": 0, "mails": 0, "audit": 0}
    assert sorted(deleted_at_carrier(sandbox)) == sorted(world["takes"])  # every take
    assert db.session.scalar(select(func.count(MemberLink.id))) == 1  # the valid link

    done = retention.run(utcnow() + timedelta(days=40))

    assert done == {"carrier_recordings": 0, "recordings": 1, "call_details": 5,
                    "inbound_calls": 2, "sign_in_failures": 4, "links": 1,
                    "applications": 1, "mails": 1, "audit": 0}
    assert personal_data_left() == {}
    assert aggregates(world) == before
    db.session.expire_all()
    sent, sending = db.session.get(Message, world["sent"].id), db.session.get(
        Message, world["sending"].id)
    assert sent.audio_wav is None and sent.audio_erased_at is not None
    assert sent.recording_deleted_at is not None
    assert sending.audio_wav is not None and sending.recorded_from == "+32470999111"
    # its price is still to be asked for, by SID
    assert db.session.get(CallAttempt, world["waiting"].id).call_sid == "CAwait1"
    assert [a.name for a in db.session.scalars(select(Application))] == ["In De Inbox"]
    assert db.session.scalar(select(func.count(AuthFailure.id))) == 0
    assert db.session.scalar(select(func.count(Lockout.id))) == 0
    assert db.session.scalar(select(func.count(CallSession.call_sid))) == 0
    failures = db.session.scalars(select(AuditLog).where(AuditLog.action.in_(
        retention.FAILURE_ACTIONS))).all()
    assert [(e.actor, e.subject, e.details) for e in failures] == [("erased", None, None)] * 2

    assert set(retention.run(utcnow() + timedelta(days=40)).values()) == {0}
    # Who left stays countable in every year's report: no personal data in that entry.
    audit("coordinator@centrum.be", "member.remove", "42", bins=[1], erased=True)
    db.session.commit()
    entries = db.session.scalar(select(func.count(AuditLog.id)))
    assert retention.run(utcnow() + timedelta(days=61))["audit"] == entries - 1
    assert [e.action for e in db.session.scalars(select(AuditLog).order_by(AuditLog.id))] == [
        "member.remove", "retention.run"]


def test_a_dry_run_counts_the_same_and_changes_nothing(world, sandbox):
    later = utcnow() + timedelta(days=40)
    snapshot = {t.name: db.session.execute(text(f'SELECT * FROM "{t.name}" ORDER BY 1'))
                .all() for t in db.metadata.sorted_tables}
    db.session.commit()

    would = retention.run(later, dry_run=True)

    assert {t.name: db.session.execute(text(f'SELECT * FROM "{t.name}" ORDER BY 1')).all()
            for t in db.metadata.sorted_tables} == snapshot
    assert deleted_at_carrier(sandbox) == []
    assert retention.run(later) == would


def test_a_carrier_that_fails_leaves_the_recording_due(world, sandbox, app):
    sandbox.set_faults(rest_500_rate=0)
    app.config["TWILIO_API_URL"] = "http://127.0.0.1:9"  # the carrier cannot be reached
    assert retention.run(utcnow())["carrier_recordings"] == 0
    db.session.expire_all()
    assert db.session.get(Message, world["sent"].id).recording_deleted_at is None

    app.config["TWILIO_API_URL"] = sandbox.base_url
    assert retention.run(utcnow())["carrier_recordings"] == 1
    assert sorted(deleted_at_carrier(sandbox)) == sorted(world["takes"])
