"""`flask --app ivr retention run [--dry-run]`, what an erased recording looks like on the
broadcast page and the media route, and the reconciler's queueing of runs and deletions."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import requests
from rq import Queue
from sqlalchemy import select

from audio import tone_wav
from domain import carrier
from domain.broadcast.reconcile import reconcile
from domain.db import db
from domain.models import CallAttempt, Delivery, Message, utcnow
from domain.redis_conn import redis_conn
from jobs.recordings import delete_carrier_recording
from jobs.retention import run_retention
from tests.factories import make_bin, make_delivery, make_member, make_message, make_web_user
from tests.web_support import person, sign_in

ANSWERED = [{"status": "completed", "answered_by": "human", "duration_s": 30}]


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args), env={"COLUMNS": "200"})


def over_message(days_ago: float = 1, **fields) -> Message:
    """A broadcast that completed `days_ago`, to one member who answered."""
    bin_ = make_bin(db, code="11")
    message = make_message(db, bins=[bin_], status="completed",
                           completed_at=utcnow() - timedelta(days=days_ago), **fields)
    make_delivery(db, message, make_member(db, bins=[bin_], phone="+32470123456"), "human",
                  attempts=ANSWERED)
    return message


def reloaded(message_id: int) -> Message:
    db.session.expire_all()
    return db.session.get(Message, message_id)


def test_dry_run_lists_each_kind_with_its_unit_and_period_and_changes_nothing(app):
    app.config.update(RETENTION_RECORDINGS_DAYS=0, RETENTION_CALL_DETAILS_DAYS=0)
    message = over_message()

    result = cli(app, "retention", "run", "--dry-run")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Dry run: nothing is changed."
    assert ("  recordings: would erase 1 messages' audio and caller, period 0 days "
            "(RETENTION_RECORDINGS_DAYS)") in lines
    assert ("  call_details: would erase 2 deliveries and call attempts, period 0 days "
            "(RETENTION_CALL_DETAILS_DAYS)") in lines
    assert "  audit: would erase 0 audit entries, period 730 days (RETENTION_AUDIT_DAYS)" in lines
    assert lines[-1] == "3 in all."
    assert reloaded(message.id).audio_wav is not None
    assert db.session.scalars(select(Delivery.phone)).one() == "+32470123456"


def test_a_run_with_periods_of_zero_keeps_nothing_of_a_finished_broadcast(app):
    app.config.update(RETENTION_RECORDINGS_DAYS=0, RETENTION_CALL_DETAILS_DAYS=0)
    message = over_message()
    sending = make_message(db, status="sending")

    result = cli(app, "retention", "run")

    assert result.exit_code == 0, result.output
    assert "  recordings: erased 1 messages' audio and caller" in result.output
    assert result.output.splitlines()[-1] == "3 in all."
    erased = reloaded(message.id)
    assert (erased.audio_wav, erased.recorded_from) == (None, None)
    assert erased.audio_duration_ms == 2000  # how long it was is kept
    assert reloaded(sending.id).audio_wav is not None
    attempt = db.session.scalars(select(CallAttempt)).one()
    assert attempt.to_number == attempt.call_sid == f"erased:{attempt.id}"
    assert cli(app, "retention", "run").output.splitlines()[-1] == "0 in all."


def test_an_erased_recording_says_so_and_is_no_longer_served(app):
    app.config["RETENTION_RECORDINGS_DAYS"] = 30
    message = over_message(days_ago=31)
    client = person(app)
    sign_in(client, make_web_user(db, "dispatcher", language="en"))
    page = unescape(client.get(f"/broadcasts/{message.id}").get_data(as_text=True))
    src = re.search(r'<audio controls[^>]*src="([^"]+)"', page).group(1)
    assert client.get(src).status_code == 200

    assert run_retention()["recordings"] == 1

    page = unescape(client.get(f"/broadcasts/{message.id}").get_data(as_text=True))
    assert "<audio" not in page
    assert "The recording was erased on " in page and "kept 30 days after the broadcast" in page
    assert client.get(src).status_code == 404
    assert "1 of 1 reached" in client.get(f"/broadcasts/{message.id}/live").get_data(
        as_text=True)


def test_the_reconciler_queues_one_retention_run_per_interval(app):
    app.config["RETENTION_INTERVAL_S"] = 3600
    low = Queue("low", connection=redis_conn.client)
    reconcile()
    reconcile()
    assert [j.func_name for j in low.jobs] == ["jobs.retention.run_retention"]
    app.config["RETENTION_INTERVAL_S"] = 0
    redis_conn.client.flushall()
    reconcile()
    assert low.jobs == []


def test_the_reconciler_queues_the_carrier_deletion_and_the_job_is_idempotent(app, sandbox):
    call = carrier.client().calls.create(to="+32470888001", from_="+32477777755",
                                         twiml="<Say>Opname</Say>")
    take = sandbox.carrier.add_recording(sandbox.carrier.calls[call.sid], tone_wav(2), 2).sid
    on_the_line = make_message(db, status="recording", recording_sid="REother")
    message = over_message(recording_sid=take)

    reconcile()

    (job,) = Queue("low", connection=redis_conn.client).jobs
    assert (job.func_name, job.args) == ("jobs.recordings.delete_carrier_recording",
                                         (message.id,))
    assert delete_carrier_recording(message.id) == "deleted"
    assert delete_carrier_recording(message.id) == "not_due"
    assert delete_carrier_recording(on_the_line.id) == "not_due"
    deleted = requests.get(sandbox.base_url + "/sandbox/recordings", timeout=5).json()["deleted"]
    assert [d["sid"] for d in deleted] == [take]
    assert reloaded(message.id).recording_deleted_at is not None
