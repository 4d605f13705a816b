"""Member call: what a member hears when the BIN calls, and what their voicemail keeps.

The whole script, top to bottom:

A person answers (the call's first TwiML, requested at once on answer):
  0. the message was cancelled meanwhile: hang up without a word;
  1. intro: which BIN, on behalf of which police zone (urgent / feedback / test / cold);
  2. the police recording;
  3. menu: "press 1 to confirm, 2 to hear it again" (the message itself is not
     interruptible, so a stray key cannot cut it short).
Keys (round n):
  1 -> "thank you, confirmed", closing notice, hang up;
  2 -> the message again, menu again;
  none -> the first time: "I repeat", the message again, menu again; the second time:
          closing notice, hang up;
  other -> "not a valid key", menu again (at most `MAX_ROUNDS` rounds, then closing).
An answering machine (detection reports the end of the greeting: `is_voicemail`): the
live call is redirected to the voicemail version, so all of it lands after the beep:
  intro, the recording, closing notice ("cannot be called back, call the zone on ...
  or 101; 112 in an emergency"), hang up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from twilio.twiml.voice_response import VoiceResponse

from callflows.speech import Speaker, spell_number

MAX_ROUNDS = 4
MENU_TIMEOUT_S = 6
# Detection's verdicts (AnsweredBy) that mean "a machine, and its greeting has ended":
# only then is the voicemail version left. `machine_start` and `unknown` stay live.
VOICEMAIL_ANSWERS = ("machine_end_beep", "machine_end_silence", "machine_end_other")


class KeyOutcome(StrEnum):
    CONFIRMED = "confirmed"
    REPLAY = "replay"
    REPEAT_ON_SILENCE = "repeat"
    INVALID = "invalid"
    ENDED = "ended"


@dataclass(frozen=True)
class MemberCallContext:
    speaker: Speaker
    kind: str  # urgent | feedback | test | cold
    bin_name: str
    zone_name: str
    zone_phone: str
    message_url: str
    menu_url: Callable[[int], str]  # round number -> Gather action URL
    cancelled: bool = False  # the broadcast was cancelled: nobody hears it any more

    @property
    def zone(self) -> dict[str, str]:
        return {"zone_name": self.zone_name, "zone_phone": spell_number(self.zone_phone)}


def _intro(ctx: MemberCallContext, response: VoiceResponse) -> None:
    key = f"member_intro_{ctx.kind}" if ctx.kind in ("feedback", "test", "cold") else \
        "member_intro_urgent"
    ctx.speaker.say(response, key, bin_name=ctx.bin_name, zone_name=ctx.zone_name)


def _menu(ctx: MemberCallContext, response: VoiceResponse, round_no: int) -> None:
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=MENU_TIMEOUT_S, action=ctx.menu_url(round_no),
        method="POST", action_on_empty_result=True,
    )
    ctx.speaker.say(gather, "member_menu")


def _closing(ctx: MemberCallContext, response: VoiceResponse) -> None:
    ctx.speaker.say(response, "member_closing", **ctx.zone)
    response.hangup()


def is_voicemail(answered_by: str) -> bool:
    """Detection says an answering machine finished its greeting: leave the voicemail."""
    return answered_by in VOICEMAIL_ANSWERS


def answer(ctx: MemberCallContext) -> VoiceResponse:
    """A person (or a machine still greeting) answered: intro, message, menu."""
    response = VoiceResponse()
    if ctx.cancelled:
        response.hangup()
        return response
    _intro(ctx, response)
    response.play(ctx.message_url)
    _menu(ctx, response, 1)
    return response


def on_keys(ctx: MemberCallContext, round_no: int, digits: str) -> tuple[KeyOutcome, VoiceResponse]:
    """The member pressed `digits` (empty: nothing) at the menu of round `round_no`."""
    response = VoiceResponse()
    if digits == "1":
        ctx.speaker.say(response, "member_confirmed")
        _closing(ctx, response)
        return KeyOutcome.CONFIRMED, response
    if round_no >= MAX_ROUNDS or (not digits and round_no >= 2):
        _closing(ctx, response)
        return KeyOutcome.ENDED, response
    if digits == "2":
        outcome = KeyOutcome.REPLAY
        response.play(ctx.message_url)
    elif not digits:
        outcome = KeyOutcome.REPEAT_ON_SILENCE
        ctx.speaker.say(response, "member_repeat")
        response.play(ctx.message_url)
    else:
        outcome = KeyOutcome.INVALID
        ctx.speaker.say(response, "member_invalid_key")
    _menu(ctx, response, round_no + 1)
    return outcome, response


def voicemail(ctx: MemberCallContext) -> VoiceResponse:
    """After the beep: the whole message and how to react, then hang up."""
    response = VoiceResponse()
    if ctx.cancelled:
        response.hangup()
        return response
    _intro(ctx, response)
    response.play(ctx.message_url)
    _closing(ctx, response)
    return response
