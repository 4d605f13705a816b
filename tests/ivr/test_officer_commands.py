"""`officer list|unlock|set-pin|deactivate` and how `add`/`set-pin` take a PIN.

Run as a police admin runs them; the effect is checked where an officer notices it: on
the recording line, through signed webhooks.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from domain.db import db
from domain.models import AuditLog, Lockout, Officer
from domain.pins import verify_pin
from tests.factories import make_officer
from tests.support import spoken

PIN = "246810"
LOCKED = "De toegang is tijdelijk geblokkeerd. Probeer later opnieuw."
_sids = itertools.count(1)


def cli(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def sign_in(app, signed_post, number: str, pin: str, caller: str) -> str:
    """One call to the recording line; the first thing heard after the PIN."""
    base = {"CallSid": f"CA{next(_sids):032d}", "From": caller,
            "To": app.config["RECORDING_LINE"], "AccountSid": app.config["TWILIO_ACCOUNT_SID"]}
    heard = spoken(signed_post("/voice/incoming", {**base, "CallStatus": "ringing"}).data)
    if heard == [LOCKED]:
        return LOCKED
    signed_post("/voice/recording/keys", {**base, "Digits": number})
    return spoken(signed_post("/voice/recording/keys", {**base, "Digits": pin}).data)[0]


def actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def the_officer() -> Officer:
    db.session.expire_all()
    return db.session.scalars(select(Officer)).one()


def test_add_asks_for_the_pin_twice_hidden(app):
    result = cli(app, "officer", "add", "4711", "Inspecteur Peeters",
                 input="246810\n246811\n246810\n246810\n")
    assert result.exit_code == 0, result.output
    assert "246810" not in result.output and "do not match" in result.output
    assert verify_pin(the_officer().pin_hash, "246810")


def test_add_reads_the_pin_from_stdin(app):
    result = cli(app, "officer", "add", "4711", "X", "--pin-stdin", input="135790\n")
    assert result.exit_code == 0, result.output
    assert "135790" not in result.output and verify_pin(the_officer().pin_hash, "135790")


@pytest.mark.parametrize(("args", "stdin", "says"), [
    (["--pin-stdin"], "12345\n", "6 to 12 digits"),
    (["--pin-stdin"], "", "6 to 12 digits"),
    (["--pin", "246810", "--pin-stdin"], "246810\n", "not both"),
])
def test_a_bad_pin_is_one_clear_line(app, args, stdin, says):
    result = cli(app, "officer", "add", "4711", "X", *args, input=stdin)
    assert result.exit_code == 2 and says in result.output
    assert "Traceback" not in result.output
    assert db.session.scalars(select(Officer)).all() == []


def test_set_pin_replaces_the_pin_and_is_audited(app, signed_post):
    officer = make_officer(db, pin=PIN)
    result = cli(app, "officer", "set-pin", officer.number, "--pin-stdin", input="975310\n")
    assert result.exit_code == 0 and f"New PIN set for officer {officer.number}" in result.output
    assert sign_in(app, signed_post, officer.number, PIN, "+32470100001").startswith(
        "Agentnummer of pincode niet herkend")
    assert sign_in(app, signed_post, officer.number, "975310", "+32470100002").startswith(
        "Aangemeld als")
    assert "officer.set_pin" in actions()
    assert "975310" not in repr(list(db.session.scalars(select(AuditLog.details))))


def test_list_shows_the_lock_and_unlock_lifts_it(app, signed_post):
    officer = make_officer(db, pin=PIN, name="Claes")
    for n in range(5):  # five numbers, one wrong PIN each: the officer number is locked
        heard = sign_in(app, signed_post, officer.number, "111111", f"+3247020000{n}")
    assert heard == LOCKED
    listed = cli(app, "officer", "list")
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.output.splitlines() if officer.number in line)
    assert "Claes" in row and "other numbers until" in row and "│ 5 " in row

    result = cli(app, "officer", "unlock", officer.number)
    assert result.exit_code == 0 and "unlocked (other numbers)" in result.output
    assert sign_in(app, signed_post, officer.number, PIN, "+32470300001").startswith(
        "Aangemeld als")
    lock = db.session.scalars(select(Lockout)).one()
    assert lock.lifted_by == "cli" and lock.lifted_at is not None
    assert [a for a in actions() if a.endswith("lock")] == [
        "auth.lock", "auth.unlock", "officer.unlock"]
    row = next(line for line in cli(app, "officer", "list").output.splitlines()
               if officer.number in line)
    assert row.rstrip("│ ").endswith("no") and "│ 0 " in row


def test_unlock_lifts_a_locked_calling_number_on_request(app, signed_post):
    officer = make_officer(db, pin=PIN)
    phone = "+32470400001"
    for n in range(5):  # one phone, five invented officer numbers: the phone is locked
        sign_in(app, signed_post, f"99{n}", "111111", phone)
    assert f"Calling number {phone} locked until" in cli(app, "officer", "list").output
    assert sign_in(app, signed_post, officer.number, PIN, phone) == LOCKED
    result = cli(app, "officer", "unlock", officer.number, "--caller", "0470 40 00 01")
    assert result.exit_code == 0 and f"calling number {phone}" in result.output
    assert sign_in(app, signed_post, officer.number, PIN, phone).startswith("Aangemeld als")


def test_deactivate_stops_sign_in_like_an_unknown_number(app, signed_post):
    officer = make_officer(db, pin=PIN)
    result = cli(app, "officer", "deactivate", officer.number)
    assert result.exit_code == 0 and "deactivated" in result.output
    assert sign_in(app, signed_post, officer.number, PIN, "+32470500001").startswith(
        "Agentnummer of pincode niet herkend")
    assert actions()[0] == "officer.deactivate"
    assert "inactive" in cli(app, "officer", "list").output


@pytest.mark.parametrize("command", ["unlock", "set-pin", "deactivate"])
def test_an_unknown_officer_is_one_clear_line(app, command):
    result = cli(app, "officer", command, "9999", input="246810\n246810\n")
    assert result.exit_code == 1 and result.output.strip() == "Error: no officer 9999"
    assert actions() == []
