"""The reconciler finishes from SQL what races and crashes left behind."""

from __future__ import annotations

from datetime import timedelta

from domain.broadcast.reconcile import reconcile
from domain.db import db
from domain.models import CallAttempt, Delivery, utcnow
from tests.factories import make_bin, make_member, make_message


def _delivery(message, member, **fields) -> Delivery:
    delivery = Delivery(message_id=message.id, member_id=member.id, phone=member.phone,
                        **fields)
    db.session.add(delivery)
    db.session.commit()
    return delivery


def test_delivery_made_due_after_a_cancel_is_cancelled(app):
    centrum = make_bin(db)
    message = make_message(db, bins=[centrum], status="cancelled")
    delivery = _delivery(message, make_member(db, bins=[centrum]), status="pending",
                         attempts=1)
    assert reconcile()["cancelled"] == 1
    db.session.refresh(delivery)
    assert (delivery.status, delivery.outcome) == ("cancelled", "cancelled")


def test_final_attempt_with_an_unsettled_delivery_is_settled(app):
    centrum = make_bin(db)
    message = make_message(db, bins=[centrum], status="sending")
    delivery = _delivery(message, make_member(db, bins=[centrum]), status="calling",
                         attempts=1)
    db.session.add(CallAttempt(delivery_id=delivery.id, attempt_no=1, to_number=delivery.phone,
                               status="completed", call_sid="CA" + "1" * 32,
                               answered_by="human", created_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert reconcile()["settled"] == 1
    db.session.refresh(delivery)
    db.session.refresh(message)
    assert (delivery.status, delivery.outcome) == ("done", "human")
    assert message.status == "completed"


def test_a_call_whose_final_status_never_came_is_asked_about_and_settled(app, sandbox):
    """The carrier says the call ended busy: the delivery is retried, or closed as busy
    when no attempt is left; the attempt records the carrier's final status."""
    from domain import carrier
    from tests.support import wait_for

    app.config["MAX_ATTEMPTS"] = 1
    centrum = make_bin(db)
    message = make_message(db, bins=[centrum], status="sending")
    member = make_member(db, bins=[centrum], phone="+32470500001")
    delivery = _delivery(message, member, status="calling", attempts=1)
    sandbox.set_scenario({"default": {"answer": "busy"}})
    # a call made without a status callback: its end is never reported to the app
    call = carrier.client().calls.create(to=member.phone, from_=app.config["CALLER_ID"],
                                         url=app.config["PUBLIC_BASE_URL"] + "/nowhere")
    wait_for(lambda: carrier.client().calls(call.sid).fetch().status == "busy")
    attempt = CallAttempt(delivery_id=delivery.id, attempt_no=1, to_number=member.phone,
                          status="queued", call_sid=call.sid,
                          created_at=utcnow() - timedelta(minutes=10))
    db.session.add(attempt)
    db.session.commit()
    assert reconcile()["fetched"] == 1
    db.session.expire_all()
    assert db.session.get(CallAttempt, attempt.id).status == "busy"
    assert (db.session.get(Delivery, delivery.id).status,
            db.session.get(Delivery, delivery.id).outcome) == ("done", "busy")
