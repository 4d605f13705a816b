"""The recording-line flow as a pure state machine: no HTTP, no database, no Redis.

`World` is an in-memory `Backend`: a tiny police zone with one officer, two BINs and
whatever the test sets (locks, an earlier alert, what the audio pipeline says).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from callflows.recording import step
from callflows.recording_types import (
    Alert,
    Audio,
    BinInfo,
    Draft,
    Keys,
    NotRecorded,
    Recorded,
    RecordingContext,
    RecordingState,
    Sent,
    SignIn,
    Start,
)
from callflows.speech import Speaker
from tests.support import spoken, verbs

PIN = "246810"


@dataclass
class World:
    has_phone: bool = True
    caller_is_locked: bool = False
    locked_officers: set[str] = field(default_factory=set)
    alert: Alert | None = None
    audio_results: list[Audio] = field(default_factory=list)
    send_refusal: str | None = None
    bins: dict[str, BinInfo] = field(default_factory=lambda: {
        "11": BinInfo("11", "Centrum", 3), "12": BinInfo("12", "Heide", 2),
        "0": BinInfo("0", "", 4)})
    pin_checks: list[str] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    attached: list[Recorded] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    def caller_locked(self) -> bool:
        return self.caller_is_locked

    def check_pin(self, officer_number: str, pin: str) -> SignIn:
        self.pin_checks.append(officer_number)
        if officer_number in self.locked_officers:
            return SignIn("locked")
        if officer_number == "4711" and pin == PIN:
            return SignIn("ok", 1, "Agent Peeters", has_phone=self.has_phone)
        return SignIn("wrong")

    def find_bin(self, code: str) -> BinInfo | None:
        return self.bins.get(code)

    def audience(self, bin_codes: Sequence[str]) -> int:
        return 4 if "0" in bin_codes else 4 if set(bin_codes) == {"11", "12"} else 3

    def latest_alert(self, officer_id: int) -> Alert | None:
        return self.alert

    def open_message(self, draft: Draft) -> int:
        self.drafts.append(draft)
        return 42

    def attach_recording(self, message_id: int, recording: Recorded) -> Audio:
        self.attached.append(recording)
        if self.audio_results:
            return self.audio_results.pop(0)
        return Audio("ready", play_url=f"https://app.test/audio/{recording.sid}.wav")

    def audio(self, message_id: int) -> Audio:
        return Audio("ready", play_url=f"https://app.test/audio/{self.attached[-1].sid}.wav")

    def send(self, message_id: int) -> Sent:
        if self.send_refusal:
            return Sent(0, refusal=self.send_refusal)
        self.sent.append(message_id)
        return Sent(3 if self.drafts[-1].kind != "test" else 1)

    def cancel(self, message_id: int) -> None:
        self.cancelled.append(message_id)


class Call:
    """Drives the flow like the view does, keeping the state as JSON in between."""

    def __init__(self, world: World | None = None, language: str = "nl") -> None:
        self.world = world or World()
        self.ctx = RecordingContext(
            speaker=Speaker(language), backend=self.world, step_url="https://app.test/keys",
            recorded_url="https://app.test/recorded",
            recording_status_url="https://app.test/recording-status")
        self.state: dict = {}
        self.xml = ""

    def send(self, event) -> list[str]:
        state, response = step(self.state, event, self.ctx)
        self.state = json.loads(json.dumps(state.to_dict()))
        self.xml = str(response)
        return spoken(self.xml)

    def keys(self, *tokens: str) -> list[str]:
        heard: list[str] = []
        for token in tokens:
            heard = self.send(Keys(token))
        return heard

    @property
    def step(self) -> str:
        return self.state["step"]

    def ended(self) -> bool:
        return verbs(self.xml)[-1] == "Hangup" and self.step == "ended"


def text(heard: list[str]) -> str:
    return " ".join(heard)


def signed_in(world: World | None = None) -> Call:
    call = Call(world)
    call.send(Start())
    call.keys("4711", PIN)
    assert call.step == "kind"
    return call


def at_review(world: World | None = None) -> Call:
    call = signed_in(world)
    call.keys("1", "11", "1")
    call.send(Recorded("RE1", "https://carrier.test/RE1", 5))
    assert call.step == "review"
    return call


# --- the happy path ---------------------------------------------------------------------

def test_urgent_message_from_sign_in_to_sent():
    call = Call()
    heard = call.send(Start())
    assert "Opnamelijn" in heard[0] and "agentnummer" in heard[1]
    gather = ET.fromstring(call.xml).find("Gather")
    assert gather.get("finishOnKey") == "#" and gather.get("actionOnEmptyResult") == "true"
    assert gather.get("input") == "dtmf" and gather.get("action") == "https://app.test/keys"
    assert 6 <= int(gather.get("timeout")) <= 8 and gather.get("numDigits") is None

    assert "pincode" in text(call.keys("4711"))
    heard = call.keys(PIN)
    assert heard[0] == "Aangemeld als Agent Peeters." and "3 voor een testbericht" in heard[1]
    assert ET.fromstring(call.xml).find("Gather").get("numDigits") == "1"

    assert "code van het buurtinformatienetwerk" in text(call.keys("1"))
    assert "Netwerk 11, Centrum: 3 leden." in call.keys("11")
    heard = call.keys("1")
    assert "Spreek uw bericht in na de toon" in text(heard)
    record = ET.fromstring(call.xml).find("Record")
    assert record.get("maxLength") == "120" and record.get("finishOnKey") == "#"
    assert record.get("playBeep") == "true" and record.get("action") == "https://app.test/recorded"
    assert record.get("recordingStatusCallback") == "https://app.test/recording-status"
    assert verbs(call.xml)[-1] == "Redirect"  # nothing recorded: the flow hears about it
    assert call.world.drafts == [Draft("urgent", 1, ("11",), None)]

    heard = call.send(Recorded("RE1", "https://carrier.test/RE1", 5))
    assert heard[:2] == ["U hoort nu uw bericht.", "<play https://app.test/audio/RE1.wav>"]
    assert "1 om te verzenden" in heard[2] and "sterretje om te annuleren" in heard[2]

    heard = call.keys("1")
    assert heard == ["Verzonden naar 3 leden van netwerk 11, Centrum."]
    assert call.ended() and call.world.sent == [42]


def test_state_survives_a_json_round_trip_with_an_alert():
    state = RecordingState(step="feedback_confirm", bins=[BinInfo("11", "Centrum", 3)],
                           alert=Alert(7, datetime(2025, 3, 12, 14, 5), ("11",), 3))
    again = RecordingState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state


# --- no input, invalid input -----------------------------------------------------------

def _reach(step_name: str) -> Call:
    call = signed_in(World(alert=Alert(7, datetime(2025, 3, 12, 14, 5), ("11",), 3)))
    paths = {"officer": None, "pin": None, "kind": (), "bin": ("1",),
             "bin_confirm": ("1", "11"), "feedback_confirm": ("2",),
             "review": ("1", "11", "1")}
    if step_name in ("officer", "pin"):
        call = Call()
        call.send(Start())
        if step_name == "pin":
            call.keys("4711")
    else:
        call.keys(*paths[step_name])
        if step_name == "review":
            call.send(Recorded("RE1", "https://carrier.test/RE1", 5))
    assert call.step == step_name
    return call


@pytest.mark.parametrize("step_name", ["officer", "pin", "kind", "bin", "bin_confirm",
                                       "feedback_confirm", "review"])
def test_silence_repeats_the_prompt_once_then_ends_politely(step_name):
    call = _reach(step_name)
    first_prompt = spoken(call.xml)[-1]
    heard = call.keys("")
    assert heard[0] == "Ik heb niets gehoord." and heard[-1] == first_prompt
    assert call.step == step_name and not call.ended()
    heard = call.keys("")
    assert heard == ["Ik beëindig de oproep. Er is niets verzonden. Tot ziens."]
    assert call.ended() and call.world.sent == []


def test_review_repeat_after_silence_is_the_menu_not_the_whole_message():
    call = _reach("review")
    heard = call.keys("")
    assert not any(h.startswith("<play") for h in heard)


def test_nothing_recorded_asks_again_once_then_ends():
    call = signed_in()
    call.keys("1", "11", "1")
    heard = call.send(NotRecorded())
    assert heard[0] == "Ik heb geen opname ontvangen." and "Record" in verbs(call.xml)
    call.send(NotRecorded())
    assert call.ended() and call.world.attached == []


@pytest.mark.parametrize("step_name,bad", [("officer", "12*"), ("kind", "7"), ("kind", "*"),
                                           ("bin", "1*"), ("bin", "12345"),
                                           ("bin_confirm", "5"), ("feedback_confirm", "9"),
                                           ("review", "8")])
def test_invalid_keys_are_said_and_asked_again_three_times_ends(step_name, bad):
    call = _reach(step_name)
    prompt = spoken(call.xml)[-1]
    heard = call.keys(bad)
    assert heard[0] == "Dat is geen geldige keuze." and heard[-1] == prompt
    call.keys(bad)
    assert call.step == step_name
    heard = call.keys(bad)
    assert heard[-1].startswith("Ik beëindig de oproep") and call.ended()


def test_a_valid_key_resets_the_silence_count():
    call = _reach("kind")
    call.keys("")
    call.keys("1")  # on to the BIN prompt
    call.keys("")
    assert call.step == "bin" and not call.ended()


# --- sign-in ---------------------------------------------------------------------------

def test_wrong_pin_three_times_ends_the_call_without_access():
    call = Call()
    call.send(Start())
    for attempt in range(2):
        call.keys("4711")
        heard = call.keys("111111")
        assert heard[0] == "Agentnummer of pincode niet herkend. Probeer opnieuw."
        assert "agentnummer" in heard[1] and call.step == "officer", attempt
    call.keys("4711")
    heard = call.keys("999999")
    assert heard == ["Te veel mislukte pogingen. De oproep wordt beëindigd."]
    assert call.ended() and len(call.world.pin_checks) == 3 and call.world.drafts == []


def test_a_correct_pin_on_the_third_try_signs_in():
    call = Call()
    call.send(Start())
    call.keys("4711", "1", "4711", "2")
    call.keys("4711", PIN)
    assert call.step == "kind"


def test_locked_officer_hears_it_is_locked_and_nothing_more():
    call = Call(World(locked_officers={"4711"}))
    call.send(Start())
    heard = call.keys("4711", PIN)
    assert heard == ["De toegang is tijdelijk geblokkeerd. Probeer later opnieuw."]
    assert call.ended()


def test_locked_caller_hears_only_that():
    call = Call(World(caller_is_locked=True))
    heard = call.send(Start())
    assert heard == ["De toegang is tijdelijk geblokkeerd. Probeer later opnieuw."]
    assert call.ended()


# --- kinds ----------------------------------------------------------------------------

def test_test_message_goes_to_own_phone_only():
    call = signed_in()
    heard = call.keys("3")
    assert heard[0] == "Testbericht, alleen naar uw eigen telefoon." and call.step == "record"
    assert call.world.drafts == [Draft("test", 1, (), None)]
    call.send(Recorded("RE1", "https://carrier.test/RE1", 5))
    assert call.keys("1") == ["Testbericht verzonden naar uw eigen telefoon."]


def test_test_is_not_offered_without_own_phone():
    call = Call(World(has_phone=False))
    call.send(Start())
    heard = call.keys("4711", PIN)
    assert "testbericht" not in heard[-1] and "2 voor feedback" in heard[-1]
    heard = call.keys("3")
    assert heard[0].startswith("Er is geen eigen telefoonnummer") and call.step == "kind"
    assert call.world.drafts == []


def test_feedback_without_an_earlier_alert_says_so():
    call = signed_in()
    heard = call.keys("2")
    assert heard[0].startswith("U hebt nog geen dringend bericht verzonden")
    assert call.step == "kind"


def test_feedback_reads_back_the_alert_and_skips_bin_choice():
    alert = Alert(7, datetime(2025, 3, 12, 14, 5), ("11",), 23)
    call = signed_in(World(alert=alert))
    heard = call.keys("2")
    assert heard[0] == ("Feedback op uw dringend bericht van 12 maart om 14:05, "
                        "aan 23 leden.")
    assert call.keys("2")[-1].startswith("Toets 1 voor een dringend bericht")  # back
    call.keys("2", "1")
    assert call.step == "record"
    assert call.world.drafts == [Draft("feedback", 1, (), 7)]
    call.send(Recorded("RE1", "https://carrier.test/RE1", 5))
    assert call.keys("1") == ["Feedback verzonden naar 3 leden."]


# --- BIN choice -----------------------------------------------------------------------

def test_unknown_bin_is_said_and_asked_again():
    call = signed_in()
    heard = call.keys("1", "99")
    assert heard[0] == "Netwerk 99 bestaat niet." and call.step == "bin"


def test_zero_means_all_bins():
    call = signed_in()
    assert call.keys("1", "0")[0] == "Alle netwerken: 4 leden."
    call.keys("1")
    assert call.world.drafts[-1].bin_codes == ("0",)
    call.send(Recorded("RE1", "https://carrier.test/RE1", 5))
    assert call.keys("1") == ["Verzonden naar 3 leden van alle netwerken."]


def test_choose_again_drops_the_read_back_bin():
    call = signed_in()
    call.keys("1", "11")
    assert "code van het buurtinformatienetwerk" in text(call.keys("2"))
    call.keys("12", "1")
    assert call.world.drafts[-1].bin_codes == ("12",)


def test_add_another_bin_reads_back_the_total_and_sends_to_both():
    call = signed_in()
    call.keys("1", "11")
    assert "volgende netwerk" in text(call.keys("3"))
    heard = call.keys("12")
    assert heard[:2] == ["Netwerk 12, Heide: 2 leden.", "Samen met uw vorige keuze: 4 leden."]
    call.keys("3", "11")  # 11 again: no double target
    call.keys("1")
    assert call.world.drafts[-1].bin_codes == ("11", "12")
    call.send(Recorded("RE1", "https://carrier.test/RE1", 5))
    assert call.keys("1") == ["Verzonden naar 3 leden van netwerk 11, Centrum, "
                              "netwerk 12, Heide."]


# --- recording, listening back ------------------------------------------------------------

@pytest.mark.parametrize("reason,said", [("silent", "Op de opname is niets te horen."),
                                         ("too_short", "De opname is korter dan een seconde."),
                                         ("unreadable", "De opname kon niet gelezen worden.")])
def test_refused_recording_says_why_and_records_again(reason, said):
    world = World(audio_results=[Audio("refused", refusal=reason)])
    call = signed_in(world)
    call.keys("1", "11", "1")
    heard = call.send(Recorded("RE1", "https://carrier.test/RE1", 1))
    assert heard[0] == said and call.step == "record" and "Record" in verbs(call.xml)
    heard = call.send(Recorded("RE2", "https://carrier.test/RE2", 5))
    assert heard[1] == "<play https://app.test/audio/RE2.wav>"


def test_three_refused_recordings_end_the_call():
    world = World(audio_results=[Audio("refused", refusal="silent")] * 3)
    call = signed_in(world)
    call.keys("1", "11", "1")
    for n in range(3):
        call.send(Recorded(f"RE{n}", "https://carrier.test/x", 1))
    assert call.ended() and world.sent == []


def test_pending_audio_plays_the_raw_recording():
    world = World(audio_results=[Audio("pending", play_url="https://carrier.test/RE1")])
    call = signed_in(world)
    call.keys("1", "11", "1")
    assert "<play https://carrier.test/RE1>" in call.send(Recorded("RE1", "x", 5))


def test_record_again_then_listen_again():
    call = at_review()
    assert "Spreek uw bericht in" in text(call.keys("2"))
    call.send(Recorded("RE2", "https://carrier.test/RE2", 5))
    assert "<play https://app.test/audio/RE2.wav>" in call.keys("3")
    assert call.step == "review" and len(call.world.drafts) == 1  # same message, new take


def test_star_cancels_and_nothing_is_sent():
    call = at_review()
    assert call.keys("*") == ["Geannuleerd. Er is niets verzonden."]
    assert call.ended() and call.world.cancelled == [42] and call.world.sent == []


def test_send_refused_late_records_again():
    call = at_review(World(send_refusal="silent"))
    heard = call.keys("1")
    assert heard[0] == "Op de opname is niets te horen." and call.step == "record"


def test_stray_requests_repeat_what_is_awaited():
    call = signed_in()
    heard = call.send(Recorded("RE9", "x", 3))  # a Record result while choosing the kind
    assert "Toets 1 voor een dringend bericht" in heard[-1] and call.step == "kind"
    call.keys("1", "11", "1")
    assert "Spreek uw bericht in" in text(call.send(Keys("5")))
    ended = Call()
    ended.state = {"step": "ended"}
    assert ended.keys("1") == ["Dank u, tot ziens."] and ended.ended()


def test_every_language_has_the_flow_texts():
    for language, word in (("fr", "numéro d'agent"), ("de", "Dienstnummer"),
                           ("en", "officer number")):
        call = Call(language=language)
        assert word in text(call.send(Start()))
