"""The dialing lease is a fence: a dialler held up between its claim and its request (a
stalled database connection, a starved thread) until the reconciler took its attempt
over sends nothing, so the member is called once, by whoever dials them next."""

from __future__ import annotations

import pytest
import redis

from domain.broadcast.dialer import claim_next_attempt, create_call, make_pacer
from domain.broadcast.reconcile import reconcile
from domain.db import db
from domain.models import CallAttempt, Delivery
from tests.e2e.broadcast_support import calls_per_number
from tests.factories import make_bin, make_member, make_message

NUMBER = "+32470600001"


@pytest.fixture
def claimed(app, sandbox):
    """One member, a message being sent, and an attempt its dialler claimed (written as
    `dialing`, committed) and then got no further with, for longer than the grace."""
    app.config["RECONCILE_GRACE_S"] = 0
    centrum = make_bin(db)
    member = make_member(db, bins=[centrum], phone=NUMBER)
    message = make_message(db, bins=[centrum], status="sending")
    db.session.add(Delivery(message_id=message.id, member_id=member.id, phone=member.phone,
                            status="pending"))
    db.session.commit()
    return claim_next_attempt()


def test_a_dialler_back_after_the_reconciler_took_over_does_not_call(app, sandbox, claimed):
    assert reconcile()["dials_resolved"] == 1  # no such call at the carrier: dial again
    db.session.expire_all()
    assert db.session.get(CallAttempt, claimed.id).status == "failed"

    assert create_call(claimed, make_pacer(app)) == 0  # the held-up dialler comes back
    assert calls_per_number(sandbox)[NUMBER] == 0

    again = claim_next_attempt()
    assert again.attempt_no == 2
    assert create_call(again, make_pacer(app)) == 1
    sandbox.wait_idle(10)
    assert calls_per_number(sandbox)[NUMBER] == 1


def test_a_dialler_back_after_the_reconcilers_hold_is_gone_asks_sql(app, sandbox, claimed,
                                                                    redis_server):
    assert reconcile()["dials_resolved"] == 1
    redis.Redis.from_url(redis_server.url).flushall()  # its hold lost with Redis's memory
    assert create_call(claimed, make_pacer(app)) == 0
    assert calls_per_number(sandbox)[NUMBER] == 0


def test_the_reconciler_leaves_an_attempt_alone_while_its_dialler_holds_it(app, sandbox,
                                                                          claimed,
                                                                          redis_server):
    from domain.broadcast import calls

    assert calls.take_dialing_lease(claimed.id, "dialler:live", calls.create_lease_s())
    assert reconcile()["dials_resolved"] == 0
    db.session.expire_all()
    assert db.session.get(CallAttempt, claimed.id).status == "dialing"

    redis.Redis.from_url(redis_server.url).delete(calls.DIALING_LEASE.format(claimed.id))
    assert reconcile()["dials_resolved"] == 1  # its lease ran out: the dialler is gone
