"""`bin`, `officer` and `worker` commands, run as a coordinator would run them."""

from __future__ import annotations

import time

from rq import Queue
from sqlalchemy import select

from domain.db import db
from domain.models import AuditLog, Bin, Officer
from domain.pins import verify_pin
from domain.redis_conn import redis_conn
from tests.factories import make_bin, make_member


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_bin_add_and_list_with_member_counts(app):
    assert cli(app, "bin", "add", "11", "BIN Centrum", "--municipality", "Grensdorp",
               "--coordinator-email", "c@bin.example").exit_code == 0
    other = make_bin(db, code="12", name="BIN Heide")
    centrum = db.session.scalars(select(Bin).where(Bin.code == "11")).one()
    make_member(db, bins=[centrum])
    make_member(db, bins=[centrum, other])
    result = cli(app, "bin", "list")
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines()
            if line.count("│") >= 5}
    assert rows["11"].split("│")[5].strip() == "2"
    assert rows["12"].split("│")[5].strip() == "1"
    assert "c@bin.example" in rows["11"]


def test_bin_code_must_be_keypad_digits_and_unique(app):
    assert "1 to 4 digits" in cli(app, "bin", "add", "12345", "X").output
    assert "1 to 4 digits" in cli(app, "bin", "add", "0", "X").output
    assert "1 to 4 digits" in cli(app, "bin", "add", "1a", "X").output
    cli(app, "bin", "add", "7", "A")
    result = cli(app, "bin", "add", "7", "B")
    assert result.exit_code != 0 and "already in use" in result.output
    assert len(db.session.scalars(select(Bin)).all()) == 1


def test_officer_pin_is_stored_hashed_and_audited(app):
    result = cli(app, "officer", "add", "4711", "Inspecteur Peeters", "--pin", "246810",
                 "--caller", "0470 11 22 33")
    assert result.exit_code == 0, result.output
    officer = db.session.scalars(select(Officer)).one()
    assert "246810" not in officer.pin_hash and officer.pin_hash.startswith("$argon2")
    assert verify_pin(officer.pin_hash, "246810") and not verify_pin(officer.pin_hash, "246811")
    assert officer.allowed_callers == "+32470112233"
    assert db.session.scalars(select(AuditLog.action)).all() == ["officer.add"]
    assert "246810" not in str(db.session.scalars(select(AuditLog.details)).all())


def test_short_pin_is_refused(app):
    result = cli(app, "officer", "add", "4712", "X", "--pin", "1234")
    assert result.exit_code != 0 and "6 to 12 digits" in result.output
    assert db.session.scalars(select(Officer)).all() == []


def test_worker_runs_queued_jobs_urgent_first(app):
    connection = redis_conn.client
    late = Queue("low", connection=connection).enqueue("time.monotonic_ns")
    early = Queue("urgent", connection=connection).enqueue("time.monotonic_ns")
    result = cli(app, "worker", "--burst")
    assert result.exit_code == 0, result.output
    late.refresh()
    early.refresh()
    assert early.get_status() == late.get_status() == "finished"
    assert early.return_value() < late.return_value() <= time.monotonic_ns()
