"""Faults: each ends with every member final, nobody missed, one call per attempt."""

from __future__ import annotations

import os
import signal
import time

import pytest
import redis
from sqlalchemy import select

from domain.broadcast.start import message_confirmed
from domain.db import db
from domain.models import CallAttempt, Delivery, Message
from tests.e2e.broadcast_support import (
    assert_one_call_per_attempt,
    calls_per_number,
    members_with_message,
    outbound_calls,
    settled,
)
from tests.support import wait_for


def everyone_reached_once(sandbox, members, message_id: int) -> None:
    assert_one_call_per_attempt(sandbox, message_id)
    assert calls_per_number(sandbox) == {m.phone: 1 for m in members}
    outcomes = db.session.scalars(select(Delivery.outcome).where(
        Delivery.message_id == message_id)).all()
    assert outcomes == ["human"] * len(members)


def broadcast_through(sandbox, workers, members: int, **faults) -> dict[str, int]:
    """One worker broadcasts to `members` humans while the carrier misbehaves; returns how
    often the sandbox injected each fault."""
    people, message = members_with_message(members)
    sandbox.set_faults(**faults)
    workers.start(1)
    message_confirmed(message.id)
    assert settled(message.id, workers=workers).status == "completed"
    everyone_reached_once(sandbox, people, message.id)
    return sandbox.fired()


def test_carrier_answers_429_and_500(app, sandbox, workers):
    fired = broadcast_through(sandbox, workers, 12, rest_429_rate=0.3, rest_500_rate=0.2)
    assert fired["rest_429"] >= 1 and fired["rest_500"] >= 1, fired


def test_create_times_out_after_the_call_was_made(app, sandbox, workers):
    app.config["CARRIER_TIMEOUT_S"] = 1
    fired = broadcast_through(sandbox, workers, 8, rest_timeout_rate=0.5, timeout_delay_s=2.5)
    assert fired["rest_timeout"] >= 1, fired
    timed_out = [c for c in outbound_calls(sandbox)
                 if any(e.get("fault") == "rest_timeout" for e in c["events"])]
    assert len(timed_out) == fired["rest_timeout"]  # each such call still reached once


def test_create_slower_than_the_client_timeout(app, sandbox, workers):
    """The request is still on its way when the dialler gives up and finds no call: it must
    not dial again at once, but wait for the reconciler, which then adopts the late call."""
    app.config["CARRIER_TIMEOUT_S"] = 1
    fired = broadcast_through(sandbox, workers, 6, rest_slow_rate=0.5, slow_delay_s=2)
    assert fired["rest_slow"] >= 1, fired
    assert "unclear" in workers.logs()  # the dialler really gave up on a held request


def test_duplicated_reordered_and_unknown_callbacks(app, sandbox, workers):
    members, message = members_with_message(10)
    flaky = members[0].phone
    sandbox.set_scenario({"default": {"answer": "human", "after_s": 2, "digits": "1"},
                          "numbers": {flaky: [{"answer": "busy"}, {"answer": "human"}]}})
    sandbox.set_faults(callback_duplicate_rate=0.6, callback_reorder_rate=0.5,
                       unknown_sid_callback_rate=0.3)
    workers.start(1)
    message_confirmed(message.id)
    assert settled(message.id, workers=workers).status == "completed"
    assert_one_call_per_attempt(sandbox, message.id)
    per_number = calls_per_number(sandbox)
    assert per_number.pop(flaky) == 2  # busy once, retried once: not twice
    assert set(per_number.values()) == {1}
    fired = sandbox.fired()
    assert min(fired["callback_duplicate"], fired["callback_reorder"],
               fired["unknown_sid_callback"]) >= 1, fired
    # detection's news came after the end for some calls: still stored who answered
    answered = db.session.scalars(select(CallAttempt).where(
        CallAttempt.status == "completed")).all()
    assert {a.answered_by for a in answered} == {"human"}


@pytest.mark.parametrize("when", ["before", "during", "after"])
def test_worker_killed_around_the_create_request(app, sandbox, workers, when):
    """SIGKILL the only worker before, during or after its create requests; a new worker
    (and its reconciler) finishes the broadcast with nobody missed or called twice."""
    if when == "before":
        app.config["CARRIER_CPS"] = 2  # most deliveries still wait for their start time
    if when == "during":
        app.config["CARRIER_TIMEOUT_S"] = 3
        # Create responses hang, and callbacks (which carry the SID too) are late: the
        # new worker's reconciler can only learn the calls from the carrier's call list.
        sandbox.set_faults(rest_timeout_rate=1.0, timeout_delay_s=10, webhook_latency_ms=6000)
    members, message = members_with_message(6)
    (victim,) = workers.start(1)
    message_confirmed(message.id)
    if when == "before":
        wait_for(lambda: len(outbound_calls(sandbox)) >= 2)
    elif when == "during":
        wait_for(lambda: len(outbound_calls(sandbox)) == 6)  # created, responses pending
        assert not db.session.scalars(select(CallAttempt.call_sid).where(
            CallAttempt.call_sid.is_not(None))).all()
    else:
        wait_for(lambda: len(db.session.scalars(select(CallAttempt.call_sid).where(
            CallAttempt.call_sid.is_not(None))).all()) == 6 or None)
    made_before_the_kill = len(outbound_calls(sandbox))
    os.kill(victim.pid, signal.SIGKILL)
    assert victim.wait(timeout=10) == -signal.SIGKILL  # it really died, and of the kill
    if when == "before":
        assert made_before_the_kill < len(members)  # the kill left calls to be made
    sandbox.set_faults(rest_timeout_rate=0, webhook_latency_ms=0)
    workers.start(1)
    assert settled(message.id, workers=workers).status == "completed"
    everyone_reached_once(sandbox, members, message.id)


def test_redis_killed_and_restarted_mid_broadcast(app, sandbox, workers, redis_server):
    app.config["CARRIER_CPS"] = 4
    members, message = members_with_message(12)
    workers.start(1)
    message_confirmed(message.id)
    wait_for(lambda: len(outbound_calls(sandbox)) >= 3)
    redis_server.kill()
    killed_at = time.time()
    with pytest.raises(redis.ConnectionError):  # really down
        redis.Redis.from_url(redis_server.url, socket_timeout=2).ping()

    def webhooks_since(ts: float) -> list[dict]:
        return [w for c in outbound_calls(sandbox) for w in c["webhooks"] if w["ts"] > ts]

    wait_for(lambda: any(w["kind"] == "status_callback" for w in webhooks_since(killed_at)))
    restarted_at = time.time()
    redis_server.start()  # empty: everything RQ held is gone
    workers.start(1)  # a supervisor restarts a worker that lost Redis; old ones may live on
    assert settled(message.id, timeout=60, workers=workers).status == "completed"
    everyone_reached_once(sandbox, members, message.id)
    answered = [w for c in outbound_calls(sandbox) for w in c["webhooks"]]
    assert answered and all(w.get("status_code", 200) < 400 for w in answered), \
        "a webhook failed while Redis was down"
    during_outage = [w for w in answered if killed_at < w["ts"] < restarted_at]
    assert during_outage  # the app really answered the carrier while Redis was down


def test_flushall_mid_broadcast(app, sandbox, workers, redis_server):
    app.config["CARRIER_CPS"] = 4
    members, message = members_with_message(10)
    workers.start(1)
    message_confirmed(message.id)
    wait_for(lambda: len(outbound_calls(sandbox)) >= 3)
    client = redis.Redis.from_url(redis_server.url)
    held = client.dbsize()
    client.flushall()
    assert held > 0 and client.dbsize() < held  # there was work in Redis, and it is gone
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == "sending"  # flushed mid-broadcast
    assert settled(message.id, timeout=60, workers=workers).status == "completed"
    everyone_reached_once(sandbox, members, message.id)


def test_cancel_mid_broadcast(app, sandbox, workers):
    from domain.broadcast.cancel import cancel_broadcast

    app.config["CARRIER_CPS"] = 2
    sandbox.carrier.scale = 0.2  # calls long enough to be live when the cancel comes
    members, message = members_with_message(10, audio_s=10)
    sandbox.set_scenario({"default": {"answer": "human", "after_s": 3, "digits": "1"}})
    workers.start(1)
    message_confirmed(message.id)
    wait_for(lambda: len(outbound_calls(sandbox)) >= 3)
    stopped, ended = cancel_broadcast(message.id, "cli")
    made = len(outbound_calls(sandbox))
    assert stopped >= 1 and ended >= 1
    assert settled(message.id).status == "cancelled"
    sandbox.wait_idle(10)
    db.session.expire_all()
    assert len(outbound_calls(sandbox)) <= made + 1  # at most one create was in flight
    assert_one_call_per_attempt(sandbox, message.id)
    statuses = {c["status"] for c in outbound_calls(sandbox)}
    assert statuses <= {"canceled", "completed"}
    outcomes = db.session.scalars(select(Delivery.outcome).where(
        Delivery.message_id == message.id)).all()
    assert outcomes.count("cancelled") >= len(members) - made - 1


def test_cancel_hangs_up_a_call_answered_moments_ago(app, sandbox, workers):
    """Answered, but detection has not reported yet: the cancel still ends the call."""
    from domain.broadcast.cancel import cancel_broadcast

    sandbox.carrier.scale = 1.0  # real time: detection reports 2 s after the answer
    members, message = members_with_message(1, audio_s=30)
    sandbox.set_scenario({"default": {"answer": "human", "after_s": 0.5, "digits": "1"}})
    workers.start(1)
    message_confirmed(message.id)
    wait_for(lambda: [c for c in outbound_calls(sandbox) if c["status"] == "in-progress"],
             interval=0.02)
    attempt = db.session.scalars(select(CallAttempt)).one()
    assert attempt.status != "in-progress"  # the app does not know it was answered
    cancelled_at = time.monotonic()
    assert cancel_broadcast(message.id, "cli") == (0, 1)
    wait_for(lambda: outbound_calls(sandbox)[0]["status"] == "completed", timeout=5)
    assert time.monotonic() - cancelled_at < 5  # not the 30 s message played to the end
    assert settled(message.id).status == "cancelled"
