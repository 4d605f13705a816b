"""An erased member is not called again: neither by the feedback on an alert they got,
nor by the next alert, through the sandbox carrier; the alert's counts stay as they were."""

from __future__ import annotations

from domain import erasure
from domain.broadcast.start import message_confirmed
from domain.broadcast.totals import totals
from domain.db import db
from domain.models import Member
from tests.e2e.broadcast_support import calls_per_number, settled
from tests.factories import make_bin, make_member, make_message


def test_erased_member_is_not_called_in_the_next_broadcasts(app, sandbox, workers,
                                                             monkeypatch):
    monkeypatch.setenv("QUIET_HOURS", "00:00-00:00")  # the feedback goes out at once
    app.config["QUIET_HOURS"] = "00:00-00:00"
    centrum = make_bin(db)
    stays = [make_member(db, bins=[centrum], phone=f"+3247040000{i}") for i in range(3)]
    leaves = make_member(db, bins=[centrum], phone="+32470400009", phone2="+3236400009",
                         phone2_type="landline")
    sandbox.set_scenario({"default": {"answer": "human", "after_s": 1, "digits": "1"},
                          "numbers": {"+32470400001": {"answer": "machine", "greeting_s": 2}}})
    workers.start(1)
    alert = make_message(db, bins=[centrum], audio_s=1.0)
    message_confirmed(alert.id)
    assert settled(alert.id, workers=workers).status == "completed"
    assert calls_per_number(sandbox)["+32470400009"] == 1
    before = totals(alert.id)

    erasure.erase_person(db.session.get(Member, leaves.id), "cli")
    db.session.commit()
    assert totals(alert.id) == before
    sandbox.wait_idle(10)
    sandbox.reset()  # only the next broadcasts' calls from here on

    feedback = make_message(db, bins=[centrum], kind="feedback", parent_id=alert.id,
                            audio_s=1.0)
    message_confirmed(feedback.id)
    assert settled(feedback.id, workers=workers).status == "completed"
    assert totals(feedback.id).deliveries == len(stays)  # no row for the erased member
    urgent = make_message(db, bins=[centrum], audio_s=1.0)
    message_confirmed(urgent.id)
    assert settled(urgent.id, workers=workers).status == "completed"
    dialled = calls_per_number(sandbox)
    assert "+32470400009" not in dialled and "+3236400009" not in dialled
    assert all(dialled[m.phone] == 2 for m in stays), dialled
