"""The member call script as pure functions: what a member and a voicemail hear."""

from __future__ import annotations

from callflows.member_call import (
    KeyOutcome,
    MemberCallContext,
    answer,
    is_voicemail,
    on_keys,
    voicemail,
)
from callflows.speech import Speaker
from tests.support import spoken, verbs

MESSAGE = "https://app.test/audio/messages/1/abc.wav"


def ctx(lang: str = "nl", kind: str = "urgent") -> MemberCallContext:
    return MemberCallContext(
        speaker=Speaker(lang), kind=kind, bin_name="BIN Centrum", zone_name="Politiezone Grens",
        zone_phone="+3236202929", message_url=MESSAGE,
        menu_url=lambda n: f"https://app.test/voice/member/menu?attempt=9&round={n}",
    )


def test_human_hears_intro_then_message_then_menu():
    xml = str(answer(ctx()))
    heard = spoken(xml)
    assert "Dringend bericht" in heard[0] and "BIN Centrum" in heard[0]
    assert "Politiezone Grens" in heard[0]
    assert heard[1] == f"<play {MESSAGE}>"
    assert "Druk 1" in heard[2] and "Druk 2" in heard[2]
    assert verbs(xml) == ["Say", "Play", "Gather", "Say"]
    assert 'action="https://app.test/voice/member/menu?attempt=9&amp;round=1"' in xml
    assert 'actionOnEmptyResult="true"' in xml and 'numDigits="1"' in xml


def test_press_1_confirms_with_closing_notice():
    outcome, response = on_keys(ctx(), 1, "1")
    heard = " ".join(spoken(str(response)))
    assert outcome is KeyOutcome.CONFIRMED
    assert "bevestiging is genoteerd" in heard and "101" in heard and "112" in heard
    assert verbs(str(response))[-1] == "Hangup"


def test_press_2_replays_message_and_asks_again():
    outcome, response = on_keys(ctx(), 1, "2")
    assert outcome is KeyOutcome.REPLAY
    assert spoken(str(response))[0] == f"<play {MESSAGE}>"
    assert "round=2" in str(response)


def test_no_key_repeats_once_then_closes():
    outcome, response = on_keys(ctx(), 1, "")
    assert outcome is KeyOutcome.REPEAT_ON_SILENCE
    assert spoken(str(response))[:2] == ["Ik herhaal het bericht.", f"<play {MESSAGE}>"]
    outcome, response = on_keys(ctx(), 2, "")
    assert outcome is KeyOutcome.ENDED
    assert "kunt dit nummer niet terugbellen" in spoken(str(response))[0]
    assert "Play" not in verbs(str(response)) and verbs(str(response))[-1] == "Hangup"


def test_wrong_key_is_explained_and_rounds_are_bounded():
    outcome, response = on_keys(ctx(), 1, "7")
    assert outcome is KeyOutcome.INVALID and "Die toets ken ik niet" in spoken(str(response))[0]
    outcome, _ = on_keys(ctx(), 4, "2")
    assert outcome is KeyOutcome.ENDED


def test_voicemail_gets_whole_message_and_how_to_react():
    xml = str(voicemail(ctx("fr")))
    heard = spoken(xml)
    assert "Message urgent" in heard[0]
    assert heard[1] == f"<play {MESSAGE}>"
    assert "ne pouvez pas rappeler" in heard[2] and "0 3, 6 2 0, 2 9, 2 9" in heard[2]
    assert "101" in heard[2] and "112" in heard[2]
    assert "Gather" not in verbs(xml)


def test_intro_follows_message_kind():
    assert "Feedback" in spoken(str(answer(ctx(kind="feedback"))))[0]
    assert "testbericht" in spoken(str(answer(ctx(kind="test"))))[0]


def test_a_cancelled_message_is_never_heard_live_or_on_voicemail():
    cancelled = MemberCallContext(**{**ctx().__dict__, "cancelled": True})
    assert verbs(str(answer(cancelled))) == ["Hangup"]
    assert verbs(str(voicemail(cancelled))) == ["Hangup"]


def test_only_a_finished_greeting_counts_as_voicemail():
    assert all(is_voicemail(v) for v in
               ("machine_end_beep", "machine_end_silence", "machine_end_other"))
    assert not any(is_voicemail(v) for v in ("human", "machine_start", "unknown", "fax", ""))
