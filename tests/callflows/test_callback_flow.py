"""The callback notice as a pure function: no HTTP, no database."""

from __future__ import annotations

from callflows.callback import CallbackContext, answer
from callflows.speech import Speaker, spell_number
from tests.support import spoken


def test_number_is_spelled_in_national_groups():
    assert spell_number("+3236202929") == "0 3, 6 2 0, 2 9, 2 9"
    assert spell_number("+32477777755") == "0 4 7 7, 7 7, 7 7, 5 5"


def test_each_language_has_its_own_notice():
    expectations = {"nl": "teruggebeld", "fr": "rappelé", "de": "zurückgerufen",
                    "en": "cannot be called back"}
    for lang, phrase in expectations.items():
        ctx = CallbackContext(Speaker(lang), "Politiezone Grens", "+3236202929")
        heard = spoken(str(answer(ctx)))
        assert sum(phrase in s for s in heard) == 2, lang


def test_unknown_language_falls_back_to_dutch():
    ctx = CallbackContext(Speaker("xx"), "PZ", "+3236202929")
    assert "teruggebeld" in " ".join(spoken(str(answer(ctx))))


def test_configured_voice_is_used():
    voices = {"nl": ("Polly.Lotte", "nl-NL")}
    xml = str(answer(CallbackContext(Speaker("nl", voices), "PZ", "+3236202929")))
    assert 'voice="Polly.Lotte"' in xml and 'language="nl-NL"' in xml


def test_recorded_prompt_replaces_say_when_present():
    def recorded(key, lang):
        return f"https://x.test/{lang}/{key}.wav" if key == "goodbye" else None

    xml = str(answer(CallbackContext(Speaker("nl", prompt_url=recorded), "PZ", "+3236202929")))
    assert "<Play>https://x.test/nl/goodbye.wav</Play>" in xml


def test_replay_offer_only_when_there_is_a_recent_message():
    plain = str(answer(CallbackContext(Speaker("nl"), "PZ", "+3236202929")))
    assert "<Gather" not in plain
    offered = str(answer(CallbackContext(Speaker("en"), "PZ", "+3236202929",
                                         replay_url="https://x.test/replay?message=3")))
    assert 'action="https://x.test/replay?message=3"' in offered
    assert "Press 1 to hear the latest message" in offered


def test_replay_plays_message_only_on_1():
    from callflows.callback import replay

    ctx = CallbackContext(Speaker("nl"), "PZ", "+3236202929")
    assert spoken(str(replay(ctx, "1", "https://x.test/m.wav")))[0] == "<play https://x.test/m.wav>"
    assert not any(s.startswith("<play") for s in spoken(str(replay(ctx, "5", "https://x"))))
    assert not any(s.startswith("<play") for s in spoken(str(replay(ctx, "1", None))))
