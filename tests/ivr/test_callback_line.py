"""Whoever calls the caller ID back hears it cannot be called back, and who to call."""

from __future__ import annotations

from sqlalchemy import select

from domain.db import db
from domain.models import InboundCall
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


def _replay_offer_url(xml: bytes) -> str | None:
    import xml.etree.ElementTree as ET

    gather = ET.fromstring(xml).find("Gather")
    return gather.get("action") if gather is not None else None


def test_member_with_recent_message_may_hear_it_again(app, signed_post):
    from tests.factories import make_message

    centrum = make_bin(db)
    make_member(db, bins=[centrum], phone="+32470555010", language="nl")
    message = make_message(db, bins=[centrum], status="completed")
    response = signed_post("/voice/incoming", _call(app, "+32470555010", sid="CA400"))
    heard = spoken(response.data)
    assert any("opnieuw te beluisteren" in s for s in heard)
    action = _replay_offer_url(response.data)
    path = action.removeprefix(app.config["PUBLIC_BASE_URL"])
    assert path == f"/voice/callback/replay?message={message.id}"

    replay = signed_post(path, dict(_call(app, "+32470555010", sid="CA400"), Digits="1"))
    played = [s for s in spoken(replay.data) if s.startswith("<play ")]
    assert len(played) == 1 and f"/audio/messages/{message.id}/" in played[0]
    logged = db.session.scalars(select(InboundCall)).one()
    assert logged.replayed_message_id == message.id


def test_no_offer_for_old_messages_or_strangers(app, signed_post):
    from datetime import timedelta

    from domain.models import utcnow
    from tests.factories import make_message

    centrum = make_bin(db)
    make_member(db, bins=[centrum], phone="+32470555011")
    make_message(db, bins=[centrum], status="completed",
                 confirmed_at=utcnow() - timedelta(hours=49))
    member_call = signed_post("/voice/incoming", _call(app, "+32470555011"))
    assert _replay_offer_url(member_call.data) is None
    make_message(db, bins=[centrum], status="completed")
    stranger = signed_post("/voice/incoming", _call(app, "+32470999888", sid="CA401"))
    assert _replay_offer_url(stranger.data) is None


def test_replay_for_a_message_not_of_the_callers_bin_plays_nothing(app, signed_post):
    from tests.factories import make_message

    mine, other = make_bin(db), make_bin(db)
    make_member(db, bins=[mine], phone="+32470555012")
    make_message(db, bins=[mine], status="completed")
    foreign = make_message(db, bins=[other], status="completed")
    replay = signed_post(f"/voice/callback/replay?message={foreign.id}",
                         dict(_call(app, "+32470555012"), Digits="1"))
    assert not any(s.startswith("<play ") for s in spoken(replay.data))
