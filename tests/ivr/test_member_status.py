"""The member call's status callback, over the signed webhook: a final status is taken
once, from the call it is about, and settles the delivery."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.db import db
from domain.models import CallAttempt, Delivery, Message
from tests.factories import make_bin, make_call_attempt, make_member, make_message

SID = "CA" + "7" * 32


@pytest.fixture
def live_call(app):
    """A broadcast of one member whose call is in progress (answered, not yet ended)."""
    area = make_bin(db)
    member = make_member(db, bins=[area])
    message = make_message(db, bins=[area], status="sending")
    attempt = make_call_attempt(db, member, message, status="in-progress", call_sid=SID)
    return attempt.id, attempt.delivery_id, message.id


def _state(attempt_id: int, delivery_id: int, message_id: int) -> tuple:
    db.session.expire_all()
    return (db.session.scalar(select(CallAttempt.status).where(CallAttempt.id == attempt_id)),
            db.session.scalar(select(Delivery.outcome).where(Delivery.id == delivery_id)),
            db.session.scalar(select(Message.status).where(Message.id == message_id)))


def test_final_status_settles_the_delivery_and_the_broadcast(signed_post, live_call):
    attempt_id = live_call[0]
    answer = signed_post(f"/voice/member/status?attempt={attempt_id}",
                         {"CallSid": SID, "CallStatus": "completed", "CallDuration": "41"})
    assert answer.status_code == 204
    assert _state(*live_call) == ("completed", "human", "completed")
    assert db.session.get(CallAttempt, attempt_id).duration_s == 41


@pytest.mark.parametrize("params", [
    {"CallStatus": "completed"},  # no SID: nothing says it is about this call
    {"CallSid": "CA" + "8" * 32, "CallStatus": "busy"},  # another call's news
])
def test_final_status_not_about_this_call_changes_nothing(signed_post, live_call, params):
    answer = signed_post(f"/voice/member/status?attempt={live_call[0]}", params)
    assert answer.status_code == 204
    assert _state(*live_call) == ("in-progress", None, "sending")


def test_a_repeated_final_status_is_taken_once(signed_post, live_call):
    attempt_id = live_call[0]
    for status in ("completed", "no-answer"):
        signed_post(f"/voice/member/status?attempt={attempt_id}",
                    {"CallSid": SID, "CallStatus": status})
    assert _state(*live_call) == ("completed", "human", "completed")
