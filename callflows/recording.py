"""Recording line: a police officer records a message by phone and sends it.

The script, top to bottom (DESIGN.md "Recording line"); each step below is written as
what the caller hears while we wait (`ask_*`) followed by what their keys do (`on_*`),
in this order, and `SCRIPT` lists them once more as a table:

1. welcome; a calling number that is locked out hears that, and nothing more;
2. officer number `#`, PIN `#`; three tries per call; a lock ends the call at once;
3. kind: 1 urgent, 2 feedback on my latest alert, 3 test message to my own phone
   (3 is only offered to an officer whose own phone is on file);
4. urgent: BIN code `#` (0`#` = all BINs), read back with name and member count,
   1 confirm / 2 choose again / 3 add another BIN;
   feedback: read back which alert (date, time) and how many, 1 record / 2 back;
   test: straight on;
5. record after the beep, `#` to stop, at most 120 s; a silent or too short
   recording is refused with the reason, and recorded again;
6. listen back: 1 send, 2 record again, 3 listen again, `*` cancel;
7. "sent to N members of ..." and hang up.

Every prompt waits for keys once more after silence, then ends politely; three invalid
entries in a row end the call too (nothing is sent).

Why a `Backend`: the flow is a pure state machine (no HTTP, database or Redis), yet it
must ask questions only the database can answer (is this PIN right? what is BIN 11?)
and cause effects (open, send, cancel a message). It asks them through `ctx.backend`,
a small protocol the view implements against SQL and the tests implement in memory, so
the order of questions stays here, readable in one place, and the view stays thin.
The types (events, answers, context, state) are in `callflows.recording_types`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from twilio.twiml.voice_response import Gather, VoiceResponse

from callflows.prompts.recording import MONTHS
from callflows.recording_types import (
    ALL_BINS,
    Audio,
    BinInfo,
    Draft,
    Event,
    Keys,
    NotRecorded,
    Recorded,
    RecordingContext,
    RecordingState,
    Start,
    StepName,
)

MAX_PIN_TRIES = 3
MAX_INVALID = 3
MAX_REFUSALS = 3
MAX_RECORD_S = 120

S, R, C = RecordingState, VoiceResponse, RecordingContext


def step(state: RecordingState | dict[str, Any], event: Event,
         ctx: RecordingContext) -> tuple[RecordingState, VoiceResponse]:
    """Take one step: the state after `event`, and the TwiML the caller hears next."""
    if isinstance(state, RecordingState):
        s = replace(state, bins=list(state.bins))
    else:
        s = RecordingState.from_dict(state)
    r = VoiceResponse()
    if isinstance(event, Start):
        start(s, r, ctx)
    elif s.step == "record":
        on_record(s, event, r, ctx)
    elif s.step in ("start", "ended") or not isinstance(event, Keys):
        _ask(s, r, ctx)  # a stray or repeated request: say again what we wait for
    elif not event.digits:
        _no_input(s, r, ctx)
    else:
        s.silences = 0
        on_keys = SCRIPT[s.step].on_keys
        assert on_keys is not None
        on_keys(s, event.digits, r, ctx)
    return s, r


# --- 1. Welcome ---------------------------------------------------------------------------

def start(s: S, r: R, ctx: C) -> None:
    if ctx.backend.caller_locked():
        _end(s, r, ctx, "rec_locked")
        return
    ctx.speaker.say(r, "rec_welcome")
    _go(s, r, ctx, "officer")


# --- 2. Officer number and PIN ------------------------------------------------------------

def ask_officer(s: S, g: Gather, ctx: C, play: bool) -> None:
    ctx.speaker.say(g, "rec_officer")


def on_officer(s: S, digits: str, r: R, ctx: C) -> None:
    if not digits.isdigit() or len(digits) > 12:
        _invalid(s, r, ctx)
        return
    s.officer_number = digits
    _go(s, r, ctx, "pin")


def ask_pin(s: S, g: Gather, ctx: C, play: bool) -> None:
    ctx.speaker.say(g, "rec_pin")


def on_pin(s: S, digits: str, r: R, ctx: C) -> None:
    sign_in = ctx.backend.check_pin(s.officer_number or "", digits)
    if sign_in.outcome == "locked":
        _end(s, r, ctx, "rec_locked")
    elif sign_in.outcome == "ok":
        s.officer_id, s.has_phone, s.pin_tries = sign_in.officer_id, sign_in.has_phone, 0
        ctx.speaker.say(r, "rec_hello", name=sign_in.name)
        _go(s, r, ctx, "kind")
    else:
        s.pin_tries += 1
        s.officer_number = None
        if s.pin_tries >= MAX_PIN_TRIES:
            _end(s, r, ctx, "rec_too_many")
            return
        ctx.speaker.say(r, "rec_pin_wrong")
        _go(s, r, ctx, "officer")


# --- 3. Kind of message -------------------------------------------------------------------

def ask_kind(s: S, g: Gather, ctx: C, play: bool) -> None:
    ctx.speaker.say(g, "rec_kind_menu" if s.has_phone else "rec_kind_menu_no_test")


def on_kind(s: S, digits: str, r: R, ctx: C) -> None:
    assert s.officer_id is not None
    if digits == "1":
        s.kind, s.bins, s.pending = "urgent", [], None
        _go(s, r, ctx, "bin")
    elif digits == "2":
        alert = ctx.backend.latest_alert(s.officer_id)
        if alert is None:
            _invalid(s, r, ctx, "rec_no_alert")
            return
        s.kind, s.alert = "feedback", alert
        _go(s, r, ctx, "feedback_confirm")
    elif digits == "3" and s.has_phone:
        s.kind = "test"
        ctx.speaker.say(r, "rec_test_intro")
        _open_and_record(s, r, ctx)
    elif digits == "3":
        _invalid(s, r, ctx, "rec_no_phone")
    else:
        _invalid(s, r, ctx)


# --- 4a. Urgent: which BINs ---------------------------------------------------------------

def ask_bin(s: S, g: Gather, ctx: C, play: bool) -> None:
    ctx.speaker.say(g, "rec_bin_more" if s.bins else "rec_bin_code")


def on_bin(s: S, digits: str, r: R, ctx: C) -> None:
    if not digits.isdigit() or len(digits) > 4:
        _invalid(s, r, ctx)
        return
    code = digits.lstrip("0") or ALL_BINS
    found = ctx.backend.find_bin(code)
    if found is None:
        _invalid(s, r, ctx, "rec_bin_unknown", code=code)
        return
    s.pending = found
    s.pending_total = ctx.backend.audience(_codes(s.bins) + (code,)) if s.bins else 0
    _go(s, r, ctx, "bin_confirm")


def ask_bin_confirm(s: S, g: Gather, ctx: C, play: bool) -> None:
    assert s.pending is not None
    p = s.pending
    if p.code == ALL_BINS:
        ctx.speaker.say(g, "rec_bin_all_readback", members=p.members)
    else:
        ctx.speaker.say(g, "rec_bin_readback", code=p.code, name=p.name, members=p.members)
    if s.bins and p.code not in _codes(s.bins):
        ctx.speaker.say(g, "rec_bin_total", members=s.pending_total)
    ctx.speaker.say(g, "rec_bin_menu")


def on_bin_confirm(s: S, digits: str, r: R, ctx: C) -> None:
    assert s.pending is not None
    if digits == "1":
        _choose(s, s.pending)
        _open_and_record(s, r, ctx)
    elif digits == "2":
        s.pending = None
        _go(s, r, ctx, "bin")
    elif digits == "3":
        _choose(s, s.pending)
        _go(s, r, ctx, "bin")
    else:
        _invalid(s, r, ctx)


# --- 4b. Feedback: on which alert ---------------------------------------------------------

def ask_feedback_confirm(s: S, g: Gather, ctx: C, play: bool) -> None:
    assert s.alert is not None
    date, time = _spoken_date(s.alert.confirmed_at, ctx.speaker.language)
    ctx.speaker.say(g, "rec_feedback_readback", date=date, time=time, members=s.alert.members)
    ctx.speaker.say(g, "rec_feedback_menu")


def on_feedback_confirm(s: S, digits: str, r: R, ctx: C) -> None:
    if digits == "1":
        _open_and_record(s, r, ctx)
    elif digits == "2":
        s.kind, s.alert = None, None
        _go(s, r, ctx, "kind")
    else:
        _invalid(s, r, ctx)


# --- 5. Record ----------------------------------------------------------------------------

def ask_record(s: S, r: R, ctx: C, play: bool) -> None:
    ctx.speaker.say(r, "rec_record")
    r.record(action=ctx.recorded_url, method="POST", play_beep=True, max_length=MAX_RECORD_S,
             finish_on_key="#", timeout=8, trim="do-not-trim",
             recording_status_callback=ctx.recording_status_url,
             recording_status_callback_method="POST",
             recording_status_callback_event="completed")
    r.redirect(ctx.recorded_url, method="POST")  # reached only when nothing was recorded


def on_record(s: S, event: Event, r: R, ctx: C) -> None:
    assert s.message_id is not None
    if isinstance(event, NotRecorded):
        _no_input(s, r, ctx, "rec_nothing_recorded")
    elif isinstance(event, Recorded):
        s.silences = 0
        _listen_back(s, ctx.backend.attach_recording(s.message_id, event), r, ctx)
    else:
        _ask(s, r, ctx)


# --- 6. Listen back and decide ------------------------------------------------------------

def ask_review(s: S, g: Gather, ctx: C, play: bool) -> None:
    if play and s.play_url:
        g.play(s.play_url)
    ctx.speaker.say(g, "rec_review_menu")


def on_review(s: S, digits: str, r: R, ctx: C) -> None:
    assert s.message_id is not None
    if digits == "1":
        sent = ctx.backend.send(s.message_id)
        if sent.refusal:
            _refused(s, sent.refusal, r, ctx)
            return
        _sent(s, sent.recipients, r, ctx)
    elif digits == "2":
        _go(s, r, ctx, "record")
    elif digits == "3":
        _listen_back(s, ctx.backend.audio(s.message_id), r, ctx)
    elif digits == "*":
        ctx.backend.cancel(s.message_id)
        ctx.speaker.say(r, "rec_cancelled")
        _hang_up(s, r, ctx)
    else:
        _invalid(s, r, ctx)


# --- 7. Sent ------------------------------------------------------------------------------

def _sent(s: S, recipients: int, r: R, ctx: C) -> None:
    if s.kind == "test":
        ctx.speaker.say(r, "rec_sent_test")
    elif s.kind == "feedback":
        ctx.speaker.say(r, "rec_sent_feedback", members=recipients)
    else:
        ctx.speaker.say(r, "rec_sent", members=recipients, bins=_bins_label(s.bins, ctx))
    _hang_up(s, r, ctx)


# --- The script as a table ----------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One step: what is asked, how (an entry ended by `#`, a one-key menu, or a
    recording), and what keys do (None: the step's input is not keys)."""

    ask: Callable[..., None]
    input: Literal["entry", "menu", "record"]
    on_keys: Callable[[S, str, R, C], None] | None


SCRIPT: dict[StepName, Step] = {
    "officer": Step(ask_officer, "entry", on_officer),
    "pin": Step(ask_pin, "entry", on_pin),
    "kind": Step(ask_kind, "menu", on_kind),
    "bin": Step(ask_bin, "entry", on_bin),
    "bin_confirm": Step(ask_bin_confirm, "menu", on_bin_confirm),
    "feedback_confirm": Step(ask_feedback_confirm, "menu", on_feedback_confirm),
    "record": Step(ask_record, "record", None),
    "review": Step(ask_review, "menu", on_review),
}


# --- Building blocks ----------------------------------------------------------------------

def _ask(s: S, r: R, ctx: C, *, play: bool = False) -> None:
    """Add the prompt and the input verb of the current step (`play`: the message too)."""
    if s.step in ("start", "ended"):
        _end(s, r, ctx, "goodbye")
        return
    current = SCRIPT[s.step]
    if current.input == "record":
        current.ask(s, r, ctx, play)
    else:
        current.ask(s, _gather(r, ctx, entry=current.input == "entry"), ctx, play)


def _gather(r: R, ctx: C, *, entry: bool) -> Gather:
    """An entry ends with `#`; a menu takes one key (so `*` and 1-3 act at once)."""
    options: dict[str, Any] = {"num_digits": 1} if not entry else {}
    return r.gather(input="dtmf", action=ctx.step_url, method="POST", finish_on_key="#",
                    timeout=ctx.gather_timeout_s, action_on_empty_result=True, **options)


def _open_and_record(s: S, r: R, ctx: C) -> None:
    assert s.kind is not None and s.officer_id is not None
    if s.message_id is None:
        draft = Draft(kind=s.kind, officer_id=s.officer_id, bin_codes=_codes(s.bins),
                      parent_id=s.alert.message_id if s.alert else None)
        s.message_id = ctx.backend.open_message(draft)
    _go(s, r, ctx, "record")


def _listen_back(s: S, audio: Audio, r: R, ctx: C) -> None:
    if audio.status == "refused":
        _refused(s, audio.refusal or "unreadable", r, ctx)
        return
    s.refusals, s.play_url = 0, audio.play_url
    ctx.speaker.say(r, "rec_listen")
    _go(s, r, ctx, "review", play=True)


def _refused(s: S, reason: str, r: R, ctx: C) -> None:
    s.refusals += 1
    ctx.speaker.say(r, f"rec_refused_{reason}")
    if s.refusals >= MAX_REFUSALS:
        _end(s, r, ctx, "rec_end_unfinished")
        return
    _go(s, r, ctx, "record")


def _choose(s: S, chosen: BinInfo) -> None:
    if chosen.code not in _codes(s.bins):
        s.bins.append(chosen)
    s.pending = None


def _codes(bins: Sequence[BinInfo]) -> tuple[str, ...]:
    return tuple(b.code for b in bins)


def _bins_label(bins: Sequence[BinInfo], ctx: C) -> str:
    if any(b.code == ALL_BINS for b in bins):
        return ctx.speaker.text("rec_all_bins")
    return ", ".join(ctx.speaker.text("rec_bin_label", code=b.code, name=b.name) for b in bins)


def _spoken_date(when: datetime, language: str) -> tuple[str, str]:
    months = MONTHS.get(language, MONTHS["nl"])
    return f"{when.day} {months[when.month - 1]}", f"{when.hour}:{when.minute:02d}"


def _no_input(s: S, r: R, ctx: C, prompt: str = "rec_no_input") -> None:
    s.silences += 1
    if s.silences > 1:
        _end(s, r, ctx, "rec_end_unfinished")
        return
    ctx.speaker.say(r, prompt)
    _ask(s, r, ctx)


def _invalid(s: S, r: R, ctx: C, prompt: str = "rec_invalid", **values: object) -> None:
    """Say what was wrong and ask again; the third mistake in a row ends the call."""
    s.invalid += 1
    ctx.speaker.say(r, prompt, **values)
    if s.invalid >= MAX_INVALID:
        _end(s, r, ctx, "rec_end_unfinished")
        return
    _ask(s, r, ctx)


def _go(s: S, r: R, ctx: C, step_: StepName, *, play: bool = False) -> None:
    """Move on to `step_` and ask for its input; the counters start afresh."""
    s.step, s.silences, s.invalid = step_, 0, 0
    _ask(s, r, ctx, play=play)


def _end(s: S, r: R, ctx: C, prompt: str) -> None:
    ctx.speaker.say(r, prompt)
    _hang_up(s, r, ctx)


def _hang_up(s: S, r: R, ctx: C) -> None:
    s.step = "ended"
    r.hangup()
