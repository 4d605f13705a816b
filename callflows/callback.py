"""Callback line: whoever calls the caller ID back hears that it cannot be called back.

The whole script, top to bottom:

1. the notice: this number cannot be called back; to react call the police zone on its
   number (spelled digit by digit so it can be written down), or 101; 112 in an emergency;
2. "I repeat", the notice once more;
3. for a known member whose BIN had a message in the last 48 hours: "press 1 to hear the
   latest message again" -> 1 plays it;
4. goodbye, hang up.

It is spoken in the member's language when the caller is a known member, Dutch otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.voice_response import VoiceResponse

from callflows.speech import Speaker, spell_number

REPLAY_TIMEOUT_S = 5


@dataclass(frozen=True)
class CallbackContext:
    speaker: Speaker
    zone_name: str
    zone_phone: str
    replay_url: str | None = None  # Gather action offering the latest message, if any


def answer(ctx: CallbackContext) -> VoiceResponse:
    """TwiML for a call to the caller ID."""
    response = VoiceResponse()
    response.pause(length=1)
    notice = {"zone_name": ctx.zone_name, "zone_phone": spell_number(ctx.zone_phone)}
    ctx.speaker.say(response, "callback_notice", **notice)
    ctx.speaker.say(response, "callback_repeat")
    ctx.speaker.say(response, "callback_notice", **notice)
    if ctx.replay_url:
        gather = response.gather(input="dtmf", num_digits=1, timeout=REPLAY_TIMEOUT_S,
                                 action=ctx.replay_url, method="POST")
        ctx.speaker.say(gather, "callback_replay_offer")
    ctx.speaker.say(response, "goodbye")
    response.hangup()
    return response


def replay(ctx: CallbackContext, digits: str, message_url: str | None) -> VoiceResponse:
    """The caller's key after the offer: 1 plays the latest message, then goodbye."""
    response = VoiceResponse()
    if digits == "1" and message_url:
        response.play(message_url)
    ctx.speaker.say(response, "goodbye")
    response.hangup()
    return response
