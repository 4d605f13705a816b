"""A confirmed message reaches every member through the sandbox carrier, each once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from domain.broadcast.start import message_confirmed
from domain.db import db
from domain.models import CallAttempt, Delivery
from tests.e2e.broadcast_support import outbound_calls, settled
from tests.factories import make_bin, make_member, make_message


def test_scenario_mix_reaches_everyone_once(app, sandbox, workers):
    centrum, heide = make_bin(db, name="BIN Centrum"), make_bin(db, name="BIN Heide")
    people = {
        "confirms": make_member(db, bins=[centrum], phone="+32470100001"),
        "replays": make_member(db, bins=[centrum], phone="+32470100002", language="fr"),
        "voicemail": make_member(db, bins=[centrum], phone="+32470100003"),
        "busy_then_answers": make_member(db, bins=[centrum], phone="+32470100004"),
        "never_answers": make_member(db, bins=[centrum], phone="+32470100005"),
        "phone2": make_member(db, bins=[heide], phone="+32470100006", phone2="+3236100006",
                              phone2_type="landline"),
        "two_bins": make_member(db, bins=[centrum, heide], phone="+32470100007"),
    }
    sandbox.set_scenario({
        "default": {"answer": "human", "after_s": 2, "digits": "1"},
        "numbers": {
            "+32470100002": {"answer": "human", "digits": "2 1"},
            "+32470100003": {"answer": "machine", "greeting_s": 5},
            "+32470100004": [{"answer": "busy"}, {"answer": "human", "digits": "1"}],
            "+32470100005": {"answer": "no-answer"},
            "+32470100006": {"answer": "busy"},
        },
    })
    message = make_message(db, bins=[centrum, heide], audio_s=3.0)
    workers.start(1)
    message_confirmed(message.id)
    message = settled(message.id, timeout=40)
    assert message.status == "completed", workers.logs()

    by_member = {d.member_id: d for d in db.session.scalars(
        select(Delivery).where(Delivery.message_id == message.id))}
    assert len(by_member) == len(people)
    outcome = {name: by_member[m.id].outcome for name, m in people.items()}
    assert outcome == {
        "confirms": "human", "replays": "human", "voicemail": "machine",
        "busy_then_answers": "human", "never_answers": "no-answer", "phone2": "human",
        "two_bins": "human",
    }
    assert by_member[people["confirms"].id].confirmed_at is not None
    assert by_member[people["replays"].id].replays == 1
    assert by_member[people["replays"].id].confirmed_at is not None

    calls = outbound_calls(sandbox)
    dialled = Counter(c["to"] for c in calls)
    assert dialled["+32470100007"] == 1  # in two targeted BINs: one call
    assert dialled["+32470100004"] == 2  # busy, then answered on the retry
    assert dialled["+32470100005"] == app.config["MAX_ATTEMPTS"]
    assert dialled["+32470100006"] == 1 and dialled["+3236100006"] == 1  # fell back to phone2
    assert all(c["from"] == app.config["CALLER_ID"] for c in calls)

    # what each heard
    def heard(number: str) -> list[dict]:
        call = next(c for c in calls if c["to"] == number and c["status"] == "completed")
        return [e for e in call["events"] if e["type"] in ("say", "play")]

    replay = heard("+32470100002")
    assert "Message urgent" in replay[0]["text"]
    assert sum(e["type"] == "play" for e in replay) == 2  # pressed 2: heard it twice
    # Voicemail: after the beep the call was switched to the voicemail version, which
    # played whole: intro, message, how to react. (What the answer document played while
    # the greeting ran is lost to the machine, as on a real line.)
    vm = heard("+32470100003")
    intro, play, closing = vm[-3:]
    assert "Dringend bericht" in intro["text"] and play["type"] == "play"
    assert "terugbellen" in closing["text"] and "112" in closing["text"]
    assert {intro["heard"], play["heard"], closing["heard"]} == {"after_beep"}

    # one call per attempt, every attempt final
    attempts = db.session.scalars(select(CallAttempt)).all()
    assert len(attempts) == len(calls)
    assert len({a.call_sid for a in attempts}) == len(attempts)
    assert all(a.status in ("completed", "busy", "no-answer") for a in attempts)
    # answered calls say when and by whom (from detection); unanswered ones do not
    answered = [a for a in attempts if a.status == "completed"]
    assert all(a.answered_at is not None and a.answered_by for a in answered)
    assert all(a.answered_at is None for a in attempts if a.status != "completed")
    assert {a.answered_by for a in answered} == {"human", "machine_end_beep"}


def test_numbers_outside_the_allowed_countries_are_never_dialled(app, sandbox, workers):
    """A member imported under an older, wider ALLOWED_COUNTRIES is not called now."""
    app.config["MAX_ATTEMPTS"] = 1
    centrum = make_bin(db)
    dutch = make_member(db, bins=[centrum], phone="+31612345678")
    belgian = make_member(db, bins=[centrum], phone="+32470100099")
    message = make_message(db, bins=[centrum])
    workers.start(1)
    message_confirmed(message.id)
    assert settled(message.id).status == "completed"
    assert [c["to"] for c in outbound_calls(sandbox)] == [belgian.phone]
    refused = db.session.scalars(select(Delivery).where(Delivery.member_id == dutch.id)).one()
    assert refused.outcome == "failed"
    attempt = db.session.scalars(select(CallAttempt).where(
        CallAttempt.delivery_id == refused.id)).one()
    assert attempt.call_sid is None and "not allowed" in attempt.error
