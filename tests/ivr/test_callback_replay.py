"""The replay on the callback line: per BIN, audited, never for a cancelled message.

A calling number can be spoofed, so the replay is a BIN's choice (`bin add/edit
--callback-replay on|off`); what the caller hears is read from the TwiML, and a cancelled
message's audio stops playing even from a URL signed before the cancellation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import select

from domain.audio_urls import audio_url_of
from domain.broadcast.cancel import cancel_broadcast
from domain.db import db
from domain.models import AuditLog, Bin
from tests.factories import make_bin, make_member, make_message
from tests.support import spoken

OFFER = "opnieuw te beluisteren"  # "druk 1 om het laatste bericht opnieuw te beluisteren"
CALLER = "+32470555020"


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _call(app, sid: str = "CA500", **extra) -> dict:
    return {"CallSid": sid, "From": CALLER, "To": app.config["CALLER_ID"],
            "CallStatus": "ringing", "Direction": "inbound", **extra}


def _offer_path(app, xml: bytes) -> str | None:
    gather = ET.fromstring(xml).find("Gather")
    if gather is None:
        return None
    return gather.get("action").removeprefix(app.config["PUBLIC_BASE_URL"])


def _played(xml: bytes) -> list[str]:
    return [s for s in spoken(xml) if s.startswith("<play ")]


def test_replay_on_offers_plays_and_audits_without_the_number(app, signed_post):
    centrum = make_bin(db, code="31")
    member = make_member(db, bins=[centrum], phone=CALLER)
    message = make_message(db, bins=[centrum], status="completed")
    answer = signed_post("/voice/incoming", _call(app))
    assert any(OFFER in s for s in spoken(answer.data))
    replay = signed_post(_offer_path(app, answer.data), _call(app, Digits="1"))
    assert len(_played(replay.data)) == 1
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "callback.replay")).one()
    assert entry.subject == f"message:{message.id}"
    assert entry.actor == f"member:{member.id}"
    assert entry.details["bins"] == ["31"]
    assert CALLER not in f"{entry.actor} {entry.subject} {entry.details}"


def test_no_key_no_replay_no_audit(app, signed_post):
    centrum = make_bin(db)
    make_member(db, bins=[centrum], phone=CALLER)
    make_message(db, bins=[centrum], status="completed")
    answer = signed_post("/voice/incoming", _call(app))
    replay = signed_post(_offer_path(app, answer.data), _call(app, Digits="9"))
    assert _played(replay.data) == []
    assert db.session.scalars(select(AuditLog).where(
        AuditLog.action == "callback.replay")).all() == []


def test_replay_off_hears_the_notice_only(app, signed_post):
    assert cli(app, "bin", "add", "32", "BIN Heide", "--callback-replay", "off").exit_code == 0
    heide = db.session.scalars(select(Bin).where(Bin.code == "32")).one()
    make_member(db, bins=[heide], phone=CALLER)
    message = make_message(db, bins=[heide], status="completed")
    answer = signed_post("/voice/incoming", _call(app))
    heard = spoken(answer.data)
    assert any("kan niet teruggebeld worden" in s for s in heard)
    assert not any(OFFER in s for s in heard) and _offer_path(app, answer.data) is None
    # Pressing 1 on a replay URL kept from before the BIN turned it off plays nothing.
    replay = signed_post(f"/voice/callback/replay?message={message.id}",
                         _call(app, Digits="1"))
    assert _played(replay.data) == []


def test_a_member_of_two_bins_hears_only_what_a_replay_bin_allows(app, signed_post):
    on, off = make_bin(db, code="33"), make_bin(db, code="34", callback_replay=False)
    make_member(db, bins=[on, off], phone=CALLER)
    allowed = make_message(db, bins=[on], status="completed")
    make_message(db, bins=[off], status="completed")  # newer, but its BIN says no
    answer = signed_post("/voice/incoming", _call(app))
    assert _offer_path(app, answer.data) == f"/voice/callback/replay?message={allowed.id}"


def test_bin_edit_turns_replay_off_and_on_audited(app, signed_post):
    centrum = make_bin(db, code="35")
    make_member(db, bins=[centrum], phone=CALLER)
    make_message(db, bins=[centrum], status="completed")
    result = cli(app, "bin", "edit", "35", "--callback-replay", "off")
    assert result.exit_code == 0, result.output
    assert "replay off" in result.output
    assert _offer_path(app, signed_post("/voice/incoming", _call(app)).data) is None
    assert cli(app, "bin", "edit", "35", "--callback-replay", "on").exit_code == 0
    assert _offer_path(app, signed_post("/voice/incoming", _call(app, "CA501")).data)
    edits = db.session.scalars(select(AuditLog).where(AuditLog.action == "bin.edit")
                               .order_by(AuditLog.id)).all()
    assert [e.details["callback_replay"] for e in edits] == [False, True]


def test_bin_edit_name_and_municipality_and_bad_input(app):
    make_bin(db, code="36", name="Oud", municipality="Grensdorp")
    result = cli(app, "bin", "edit", "36", "--name", "Nieuw", "--municipality", "Heidedorp")
    assert result.exit_code == 0, result.output
    row = db.session.scalars(select(Bin).where(Bin.code == "36")).one()
    db.session.refresh(row)
    assert (row.name, row.municipality, row.callback_replay) == ("Nieuw", "Heidedorp", True)
    missing = cli(app, "bin", "edit", "99", "--name", "X")
    assert missing.exit_code != 0 and "no BIN with code 99" in missing.output
    bad = cli(app, "bin", "edit", "36", "--callback-replay", "maybe")
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    nothing = cli(app, "bin", "edit", "36")
    assert nothing.exit_code != 0 and "nothing to change" in nothing.output
    listed = cli(app, "bin", "list").output
    assert "Nieuw" in listed and "replay" in listed


def test_a_cancelled_message_is_never_offered_nor_played(app, signed_post):
    centrum = make_bin(db)
    make_member(db, bins=[centrum], phone=CALLER)
    message = make_message(db, bins=[centrum], status="sending")
    answer = signed_post("/voice/incoming", _call(app))
    offer = _offer_path(app, answer.data)
    assert offer == f"/voice/callback/replay?message={message.id}"
    cancel_broadcast(message.id, "cli")
    # The caller still on the line presses 1 after the cancellation: nothing plays.
    replay = signed_post(offer, _call(app, Digits="1"))
    assert _played(replay.data) == [] and "tot ziens" in " ".join(spoken(replay.data))
    later = signed_post("/voice/incoming", _call(app, "CA502"))
    assert _offer_path(app, later.data) is None
    assert not any(OFFER in s for s in spoken(later.data))


def test_after_a_cancellation_the_newest_message_not_cancelled_is_offered(app, signed_post):
    """Decided: the offer is the newest message of the window that was not cancelled."""
    centrum = make_bin(db)
    make_member(db, bins=[centrum], phone=CALLER)
    older = make_message(db, bins=[centrum], status="completed")
    newer = make_message(db, bins=[centrum], status="sending")
    cancel_broadcast(newer.id, "cli")
    answer = signed_post("/voice/incoming", _call(app))
    assert _offer_path(app, answer.data) == f"/voice/callback/replay?message={older.id}"


def test_audio_url_of_a_cancelled_message_stops_working(app, client):
    centrum = make_bin(db)
    message = make_message(db, bins=[centrum], status="sending")
    url = audio_url_of(message).removeprefix(app.config["PUBLIC_BASE_URL"])
    before = client.get(url)
    assert before.status_code == 200 and before.data[:4] == b"RIFF"
    cancel_broadcast(message.id, "cli")
    after = client.get(url)
    assert after.status_code in (404, 410) and after.data[:4] != b"RIFF"
    etag = before.headers["ETag"].strip('"')
    conditional = client.get(url, headers={"If-None-Match": f'"{etag}"'})
    assert conditional.status_code in (404, 410)
