"""Whoever calls the caller ID back hears it cannot be called back, and who to call."""

from __future__ import annotations

from sqlalchemy import select

from ivr.extensions import db
from ivr.models import InboundCall
from tests.factories import make_bin, make_member
from tests.support import spoken, verbs


def _call(app, caller: str, sid: str = "CA100") -> dict:
    return {"CallSid": sid, "From": caller, "To": app.config["CALLER_ID"],
            "CallStatus": "ringing", "Direction": "inbound"}


def test_stranger_hears_dutch_notice_twice_then_hangup(app, signed_post):
    response = signed_post("/voice/incoming", _call(app, "+32470123456"))
    heard = spoken(response.data)
    notices = [s for s in heard if "kan niet teruggebeld worden" in s]
    assert len(notices) == 2
    for notice in notices:
        assert "Politiezone Grens" in notice
        assert "0 3, 6 2 0, 2 9, 2 9" in notice  # +3236202929, digit by digit
        assert "101" in notice and "112" in notice
    assert verbs(response.data)[-1] == "Hangup"


def test_known_member_hears_own_language_and_call_is_logged(app, signed_post):
    bin_ = make_bin(db)
    member = make_member(db, bins=[bin_], phone="+32470555001", language="fr")
    response = signed_post("/voice/incoming", _call(app, "+32470555001", sid="CA200"))
    heard = " ".join(spoken(response.data))
    assert "ne peut pas être rappelé" in heard
    assert "kan niet teruggebeld" not in heard
    logged = db.session.scalars(select(InboundCall)).one()
    assert (logged.call_sid, logged.line, logged.member_id, logged.language) == (
        "CA200", "callback", member.id, "fr")


def test_member_found_by_second_number(app, signed_post):
    make_member(db, phone="+32470555002", phone2="+3236400099", language="de")
    response = signed_post("/voice/incoming", _call(app, "+3236400099"))
    assert "nicht zurückgerufen" in " ".join(spoken(response.data))


def test_any_other_of_our_numbers_gets_the_notice_too(app, signed_post):
    params = dict(_call(app, "+32470123456"), To="+3238889999")
    response = signed_post("/voice/incoming", params)
    assert any("kan niet teruggebeld" in s for s in spoken(response.data))


def test_redelivered_webhook_logs_the_call_once(app, signed_post):
    signed_post("/voice/incoming", _call(app, "+32470123456", sid="CA300"))
    signed_post("/voice/incoming", _call(app, "+32470123456", sid="CA300"))
    assert len(db.session.scalars(select(InboundCall)).all()) == 1
