"""`broadcast show` (with --follow) and `broadcast cancel`, as a coordinator uses them."""

from __future__ import annotations

from sqlalchemy import select

from domain.broadcast.start import message_confirmed
from domain.db import db
from domain.models import AuditLog, Message
from tests.e2e.broadcast_support import members_with_message, outbound_calls, settled
from tests.support import wait_for


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_show_follow_prints_progress_then_totals(app, sandbox, workers):
    members, message = members_with_message(4, first=400001)
    sandbox.set_scenario({"default": {"answer": "human", "after_s": 2, "digits": "1"},
                          "numbers": {members[0].phone: {"answer": "no-answer"}}})
    app.config["MAX_ATTEMPTS"] = 1
    workers.start(1)
    message_confirmed(message.id)
    result = cli(app, "broadcast", "show", str(message.id), "--follow")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Broadcast" in out and "completed" in out
    totals = {line.split("│")[1].strip(): line.split("│")[2].strip()
              for line in out.splitlines() if line.count("│") == 3}
    assert totals["reached (person)"] == "3"
    assert totals["of which confirmed (pressed 1)"] == "3"
    assert totals["no answer"] == "1" and totals["pending"] == "0"
    assert totals["calls made"] == "4"
    assert members[0].phone in out


def test_cancel_command_stops_the_rest_and_is_audited(app, sandbox, workers):
    app.config["CARRIER_CPS"] = 1
    members, message = members_with_message(6, first=400101)
    workers.start(1)
    message_confirmed(message.id)
    wait_for(lambda: len(outbound_calls(sandbox)) >= 1)
    result = cli(app, "broadcast", "cancel", str(message.id), "--by", "dispatch 4711")
    assert result.exit_code == 0, result.output
    assert "cancelled" in result.output
    assert settled(message.id).status == "cancelled"
    assert len(outbound_calls(sandbox)) <= 2
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "broadcast.cancel")).one()
    assert entry.actor == "dispatch 4711"
    assert db.session.get(Message, message.id).cancelled_by == "dispatch 4711"
    assert "no broadcast 999" in cli(app, "broadcast", "cancel", "999").output
