"""Erasing a person leaves no trace of them in any table nor in the SQLite file, and
leaves every count the coordinator and the treasurer read as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from domain import erasure, yearly_report
from domain.audit_log import LEAVING_ACTIONS
from domain.broadcast.totals import totals
from domain.db import db
from domain.member_admin import remove_member
from domain.models import AuditLog, CallAttempt, Delivery, Member, Message
from tests.erasure_support import NEEDLES, PHONE, seed_person, traces
from tests.factories import (
    make_bin,
    make_call_attempt,
    make_contribution,
    make_delivery,
    make_member,
    make_message,
    make_paying_bin,
)


def _erase(member) -> erasure.Erasure:
    done = erasure.erase_person(member, "coordinator@bin.test")
    db.session.commit()
    db.session.expire_all()
    return done


def test_erase_leaves_no_trace_in_any_table(app):
    seeded = seed_person(make_paying_bin(db), make_bin(db))
    assert {needle for _, _, needle in traces()} == set(NEEDLES)  # the search finds them
    done = _erase(seeded.member)
    assert traces() == []
    assert db.session.get(Member, seeded.bystander.id) is not None
    assert (done.applications, done.mails, done.inbound_calls) == (2, 1, 2)
    assert db.session.scalar(select(AuditLog.subject).where(
        AuditLog.action == "auth.failure")) == "caller:[erased]"


def test_past_deliveries_stay_as_anonymous_counts(app):
    centrum = make_paying_bin(db)
    seeded = seed_person(centrum, make_bin(db))
    before = totals(seeded.alert.id)
    report_before = yearly_report.build(centrum.id, 2026)
    _erase(seeded.member)
    assert totals(seeded.alert.id) == before
    report = yearly_report.build(centrum.id, 2026)
    assert report.reach == report_before.reach
    assert (report.calls, report.billed_minutes, report.costs) == (
        report_before.calls, report_before.billed_minutes, report_before.costs)
    assert (report.contributions_asked, report.contributions_asked_cents,
            report.contributions_paid, report.contributions_received_cents) == (
        report_before.contributions_asked, report_before.contributions_asked_cents,
        report_before.contributions_paid, report_before.contributions_received_cents)
    assert report.left == report_before.left + 1
    erased = db.session.scalars(select(Delivery).where(
        Delivery.message_id == seeded.alert.id, Delivery.member_id.is_(None))).one()
    assert erased.outcome == "human" and erased.confirmed_at is not None
    assert erased.phone == f"erased:{erased.id}" and erased.phone2 is None
    prices = sorted(a.price for a in erased.call_attempts)
    assert [str(p) for p in prices] == ["0.00000", "0.16000"]
    assert all(a.call_sid == f"erased:{a.id}" for a in erased.call_attempts)


def test_a_broadcast_under_way_never_calls_the_erased_person(app):
    seeded = seed_person(make_bin(db), make_bin(db))
    done = _erase(seeded.member)
    assert done.cancelled == 1
    rows = db.session.execute(select(Delivery.status, Delivery.outcome).where(
        Delivery.message_id == seeded.pending.id).order_by(Delivery.id)).all()
    assert rows == [("cancelled", "cancelled"), ("done", "human")]
    assert db.session.get(Message, seeded.pending.id).status == "completed"


def test_one_leaving_entry_per_person_and_bin(app):
    centrum, heide = make_paying_bin(db), make_paying_bin(db)
    person = make_member(db, bins=[centrum, heide])
    make_contribution(db, person, centrum, year=2026, paid=True)
    make_contribution(db, person, heide, year=2026, paid=True)
    received = yearly_report.build(heide.id, 2026).contributions_received_cents
    remove_member(person, {centrum.id}, "coordinator@bin.test")  # left Centrum first
    db.session.commit()
    _erase(db.session.get(Member, person.id))
    bins_left = [(e.action, e.details["bins"]) for e in db.session.scalars(
        select(AuditLog).where(AuditLog.action.in_(LEAVING_ACTIONS))
        .order_by(AuditLog.id))]
    assert bins_left == [("member.remove", [centrum.id]), ("member.erase", [heide.id])]
    assert yearly_report.build(centrum.id, 2026).left == 1
    assert yearly_report.build(heide.id, 2026).left == 1
    assert yearly_report.build(heide.id, 2026).contributions_received_cents == received
    assert yearly_report.build(centrum.id, 2026).contributions_received_cents == 500


def test_a_shared_landline_stays_with_the_other_member(app):
    centrum = make_bin(db)
    person = make_member(db, bins=[centrum], name="Gedeeld Een", phone="+3236700001")
    other = make_member(db, bins=[centrum], name="Gedeeld Twee", phone="+3236700001")
    _erase(person)
    assert db.session.get(Member, other.id).phone == "+3236700001"


def test_the_sqlite_file_holds_no_deleted_bytes(app):
    """SQLite keeps deleted rows in free pages unless secure_delete is on (it is, in
    create_app); after a checkpoint the file and its WAL must not hold the person.
    PostgreSQL keeps dead tuples until VACUUM: this check does not apply there."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("a file check for SQLite only; PostgreSQL reclaims dead rows by VACUUM")
    seeded = seed_person(make_paying_bin(db), make_bin(db))
    path = Path(db.engine.url.database)
    db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    assert PHONE.encode() in _file_bytes(path)  # the check can see a number when it is there
    _erase(seeded.member)
    db.session.remove()
    assert erasure.checkpoint()  # what `member erase` and the web pages do after the commit
    content = _file_bytes(path)
    for needle in NEEDLES:
        assert needle.encode() not in content, needle


def _file_bytes(path: Path) -> bytes:
    """The database file, its WAL and journal, read by another process: closing a file
    descriptor of the database in this one would drop SQLite's POSIX locks on it (all of
    the process's, on that file), and a worker could then rebuild the WAL index under us."""
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
    script = ("import sys; [sys.stdout.buffer.write(open(f, 'rb').read()) "
              "for f in sys.argv[1:]]")
    return subprocess.run([sys.executable, "-c", script, *(str(f) for f in files if f.exists())],
                          capture_output=True, check=True, timeout=60).stdout


def test_person_data_holds_everything_stored_about_them(app):
    centrum = make_paying_bin(db)
    seeded = seed_person(centrum, make_bin(db))
    data = erasure.person_data(seeded.member)
    assert data["member"]["phone"] == PHONE and data["member"]["street"] == "Geheimzinnigestraat"
    assert sorted(ms["bin_code"] for ms in data["memberships"]) == sorted(
        b.code for b in [ms.bin for ms in seeded.member.memberships])
    assert [(c["year"], c["paid_cents"]) for c in data["contributions"]] == [(2026, 500)]
    assert [a["status"] for a in data["applications"]] == ["approved"]
    assert [m["kind"] for m in data["mails"]] == ["link"]
    outcomes = sorted((d["message_id"], d["outcome"] or "") for d in data["deliveries"])
    assert outcomes == sorted([(seeded.alert.id, "human"), (seeded.pending.id, "")])
    assert [len(d["calls"]) for d in data["deliveries"]
            if d["message_id"] == seeded.alert.id] == [2]
    assert {c["from"] for c in data["inbound_calls"]} == {PHONE, "+3236918274"}
    assert not db.session.scalars(select(CallAttempt).where(
        CallAttempt.to_number == "erased")).all()


def test_a_call_under_way_is_closed_and_an_uncreated_attempt_keeps_no_sid(app):
    centrum = make_bin(db)
    member = make_member(db, bins=[centrum], name="Aan De Lijn")
    message = make_message(db, bins=[centrum], status="sending")
    live = make_call_attempt(db, member, message, status="ringing", call_sid="CAlive0001")
    never = make_delivery(db, make_message(db, bins=[centrum], status="completed"), member,
                          outcome="failed", attempts=[{"status": "failed", "call_sid": None,
                                                       "error": f"refused {member.phone}"}])
    calls_before = totals(never.message_id).calls
    _erase(member)
    attempt = db.session.get(CallAttempt, live.id)
    assert (attempt.status, attempt.call_sid) == ("canceled", f"erased:{live.id}")
    assert attempt.ended_at is not None
    assert db.session.get(Delivery, live.delivery_id).status == "cancelled"
    assert db.session.get(Message, message.id).status == "completed"
    refused = db.session.get(Delivery, never.id).call_attempts[0]
    assert (refused.call_sid, refused.error, refused.status) == (None, None, "failed")
    assert totals(never.message_id).calls == calls_before == 0
