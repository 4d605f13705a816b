"""`user add|list|deactivate` and the demo web users of `make run`."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from domain.db import db
from domain.models import AuditLog, WebUser
from tests.factories import make_bin


def test_user_add_reads_the_password_from_stdin_and_prints_the_totp_uri_for_police(app):
    runner = app.test_cli_runner()
    done = runner.invoke(args=["user", "add", "Agent@Zone.example", "--role", "dispatcher",
                               "--password-stdin"], input="a long enough password\n")
    assert done.exit_code == 0, done.output
    uri = next(line for line in done.output.splitlines() if line.startswith("otpauth://"))
    user = db.session.scalar(select(WebUser).where(WebUser.email == "agent@zone.example"))
    assert pyotp.parse_uri(uri).secret == user.totp_secret
    assert "a long enough password" not in user.password_hash
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.subject == user.email)) \
        == "web_user.add"


def test_a_coordinator_needs_a_bin_and_a_short_password_is_refused(app):
    runner = app.test_cli_runner()
    no_bin = runner.invoke(args=["user", "add", "c@bin.example", "--role", "coordinator",
                                 "--password-stdin"], input="a long enough password\n")
    assert no_bin.exit_code == 1 and "at least one BIN" in no_bin.output
    short = runner.invoke(args=["user", "add", "d@bin.example", "--role", "dispatcher",
                                "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "12 characters" in short.output
    assert db.session.scalar(select(WebUser)) is None


def test_user_list_and_deactivate(app):
    make_bin(db, code="11")
    runner = app.test_cli_runner()
    runner.invoke(args=["user", "add", "c@bin.example", "--role", "coordinator", "--bin", "11",
                        "--password-stdin"], input="a long enough password\n")
    listed = runner.invoke(args=["user", "list"])
    assert "c@bin.example" in listed.output and "11" in listed.output
    done = runner.invoke(args=["user", "deactivate", "c@bin.example"])
    assert done.exit_code == 0
    assert db.session.scalar(select(WebUser.active)) is False


def test_demo_load_creates_the_demo_web_users_once(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    emails = set(db.session.scalars(select(WebUser.email)))
    assert emails == {"centrum@demo.example", "heide@demo.example",
                      "dispatcher@demo.example", "admin@demo.example"}
    code = runner.invoke(args=["demo", "code", "dispatcher@demo.example"])
    secret = db.session.scalar(select(WebUser.totp_secret).where(
        WebUser.email == "dispatcher@demo.example"))
    assert pyotp.TOTP(secret).verify(code.output.strip(), valid_window=1)
    refused = runner.invoke(args=["demo", "code", "somebody@zone.example"])
    assert refused.exit_code == 1
