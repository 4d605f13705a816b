"""The recording line's types: events, the backend's answers, the context and the state.

Beside `callflows.recording`, which holds the script itself, so that the script reads
top to bottom without these definitions in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from callflows.speech import Speaker

ALL_BINS = "0"  # the BIN code that means every BIN

Kind = Literal["urgent", "feedback", "test"]
StepName = Literal["start", "officer", "pin", "kind", "bin", "bin_confirm", "feedback_confirm",
               "record", "review", "ended"]


# --- What the carrier tells us (events) ---------------------------------------------------

@dataclass(frozen=True)
class Start:
    """The call came in."""


@dataclass(frozen=True)
class Keys:
    """A Gather's result; "" when the caller pressed nothing."""

    digits: str


@dataclass(frozen=True)
class Recorded:
    """A Record's result: the carrier has the audio at `url`."""

    sid: str
    url: str
    duration_s: int = 0


@dataclass(frozen=True)
class NotRecorded:
    """The Record ended without audio (the carrier skipped its action)."""


Event = Start | Keys | Recorded | NotRecorded


# --- What the backend answers ---------------------------------------------------------

@dataclass(frozen=True)
class SignIn:
    outcome: Literal["ok", "wrong", "locked"]
    officer_id: int | None = None
    name: str = ""
    has_phone: bool = False


@dataclass(frozen=True)
class BinInfo:
    code: str  # "0" for all BINs
    name: str
    members: int


@dataclass(frozen=True)
class Alert:
    """The officer's latest confirmed urgent message, which feedback follows up."""

    message_id: int
    confirmed_at: datetime  # local time
    bin_codes: tuple[str, ...]
    members: int


@dataclass(frozen=True)
class Draft:
    kind: Kind
    officer_id: int
    bin_codes: tuple[str, ...] = ()
    parent_id: int | None = None


@dataclass(frozen=True)
class Audio:
    status: Literal["ready", "refused", "pending"]
    play_url: str | None = None
    refusal: str | None = None  # audio.Refusal value: silent | too_short | unreadable


@dataclass(frozen=True)
class Sent:
    recipients: int
    refusal: str | None = None  # the audio turned out refused: nothing was sent


class Backend(Protocol):
    """Questions and effects the flow needs, answered by the view (or a test)."""

    def caller_locked(self) -> bool: ...
    def check_pin(self, officer_number: str, pin: str) -> SignIn: ...
    def find_bin(self, code: str) -> BinInfo | None: ...
    def audience(self, bin_codes: Sequence[str]) -> int: ...
    def latest_alert(self, officer_id: int) -> Alert | None: ...
    def open_message(self, draft: Draft) -> int: ...
    def attach_recording(self, message_id: int, recording: Recorded) -> Audio: ...
    def audio(self, message_id: int) -> Audio: ...
    def send(self, message_id: int) -> Sent: ...
    def cancel(self, message_id: int) -> None: ...


@dataclass(frozen=True)
class RecordingContext:
    speaker: Speaker
    backend: Backend
    step_url: str  # every Gather's action
    recorded_url: str  # the Record's action, and where "nothing recorded" lands
    recording_status_url: str  # the Record's recordingStatusCallback
    gather_timeout_s: int = 7


# --- The call's state, stored per CallSid -------------------------------------------------

@dataclass
class RecordingState:
    step: StepName = "start"
    silences: int = 0
    invalid: int = 0
    refusals: int = 0
    officer_number: str | None = None
    pin_tries: int = 0
    officer_id: int | None = None
    has_phone: bool = False
    kind: Kind | None = None
    bins: list[BinInfo] = field(default_factory=list)
    pending: BinInfo | None = None
    pending_total: int = 0
    alert: Alert | None = None
    message_id: int | None = None
    play_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.alert is not None:
            data["alert"]["confirmed_at"] = self.alert.confirmed_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordingState:
        data = dict(data)
        data["bins"] = [BinInfo(**b) for b in data.get("bins") or []]
        if data.get("pending"):
            data["pending"] = BinInfo(**data["pending"])
        if data.get("alert"):
            a = dict(data["alert"])
            data["alert"] = Alert(message_id=a["message_id"],
                                  confirmed_at=datetime.fromisoformat(a["confirmed_at"]),
                                  bin_codes=tuple(a["bin_codes"]), members=a["members"])
        return cls(**data)
