"""Planning a broadcast: who is called, once each, when, and only from our own number."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from domain.broadcast.plan import _not_before, plan_broadcast
from domain.db import db
from domain.models import AuditLog, Delivery, Message
from tests.factories import make_bin, make_member, make_message, make_officer


def phones(message_id: int) -> list[str]:
    return sorted(db.session.scalars(select(Delivery.phone).where(
        Delivery.message_id == message_id)))


def test_one_delivery_per_distinct_number(app, sandbox):
    a, b, other = make_bin(db), make_bin(db), make_bin(db)
    make_member(db, bins=[a, b], phone="+32470300001")  # in both targeted BINs
    make_member(db, bins=[a], name="Jan", phone="+3236300002")  # a household landline...
    make_member(db, bins=[b], name="Mia", phone="+3236300002")  # ...shared with Mia
    make_member(db, bins=[a], phone="+32470300003", status="left")  # no longer a member
    make_member(db, bins=[other], phone="+32470300004")  # another BIN
    message = make_message(db, bins=[a, b])
    assert plan_broadcast(message.id) == 2
    assert phones(message.id) == sorted(["+32470300001", "+3236300002"])
    db.session.refresh(message)
    assert message.status == "sending" and message.planned_at is not None
    assert plan_broadcast(message.id) == 0  # planned once, whoever asks again
    assert len(phones(message.id)) == 2


def test_feedback_goes_to_the_original_recipients_still_members(app, sandbox):
    centrum, other = make_bin(db), make_bin(db)
    first = [make_member(db, bins=[centrum]) for _ in range(3)]
    moved = make_member(db, bins=[centrum, other])
    alert = make_message(db, bins=[centrum])
    plan_broadcast(alert.id)
    make_member(db, bins=[centrum])  # joined after the alert: does not get the feedback
    db.session.delete(first[0].memberships[0])  # left after the alert: never called again
    db.session.delete(moved.memberships[0])  # still a member of another BIN: gets it
    first[1].status = "left"
    db.session.commit()
    feedback = make_message(db, bins=[centrum], kind="feedback", parent_id=alert.id)
    plan_broadcast(feedback.id)
    assert phones(feedback.id) == sorted([first[2].phone, moved.phone])


def test_test_message_calls_only_the_officer(app, sandbox):
    centrum = make_bin(db)
    make_member(db, bins=[centrum])
    officer = make_officer(db, phone="+32470300099")
    message = make_message(db, bins=[centrum], kind="test", officer_id=officer.id)
    assert plan_broadcast(message.id) == 1
    assert phones(message.id) == ["+32470300099"]


def test_caller_id_not_owned_refuses_the_broadcast(app, sandbox):
    app.config["CALLER_ID"] = "+32470777777"  # not a number of the sandbox account
    centrum = make_bin(db)
    make_member(db, bins=[centrum])
    message = make_message(db, bins=[centrum])
    assert plan_broadcast(message.id) == 0
    db.session.refresh(message)
    assert message.status == "refused"
    assert phones(message.id) == []
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "broadcast.refused")).one()
    assert "+32470777777" in entry.details["reason"]
    assert not [c for c in sandbox.calls() if c["direction"].startswith("outbound")]


def test_message_without_ready_audio_waits(app, sandbox):
    centrum = make_bin(db)
    make_member(db, bins=[centrum])
    message = make_message(db, bins=[centrum], audio_status="pending")
    assert plan_broadcast(message.id) == 0
    assert db.session.get(Message, message.id).status == "confirmed"


def test_quiet_hours_hold_non_urgent_messages_until_morning(app):
    night = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)  # 23:30 in Brussels
    morning = _not_before("cold", night)
    assert morning.isoformat() == "2026-11-28T08:00:00+01:00"
    assert _not_before("feedback", datetime(2026, 11, 28, 5, 0, tzinfo=UTC)).hour == 8
    assert _not_before("urgent", night) is None
    assert _not_before("cold", datetime(2026, 11, 27, 12, 0, tzinfo=UTC)) is None


def test_each_delivery_is_for_the_first_targeted_bin_of_its_member(app, sandbox):
    """What each BIN pays is summed over its deliveries (domain.costs)."""
    a, b = make_bin(db), make_bin(db)
    both = make_member(db, bins=[b, a], phone="+32470300201")
    only_b = make_member(db, bins=[b], phone="+32470300202")
    message = make_message(db, bins=[a, b])
    plan_broadcast(message.id)
    bins = dict(db.session.execute(select(Delivery.member_id, Delivery.bin_id).where(
        Delivery.message_id == message.id)).all())
    assert bins == {both.id: a.id, only_b.id: b.id}
    feedback = make_message(db, bins=[a, b], kind="feedback", parent_id=message.id)
    plan_broadcast(feedback.id)
    assert dict(db.session.execute(select(Delivery.member_id, Delivery.bin_id).where(
        Delivery.message_id == feedback.id)).all()) == bins
