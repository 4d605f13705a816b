"""In-memory state: calls, recordings, numbers; and the call's interruptible clock.

Each live call runs in its own thread. Anything that must interrupt it (an API update
with a new Url, a cancel, the far end hanging up) goes through the call's Condition, so
a simulated wait ends at once instead of sleeping through the change.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .schema import FINAL_STATUSES
from .transcript import Transcript


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


class CallEnded(Exception):
    """The call is over (API hangup/cancel, far end hung up, time limit)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Redirected(Exception):
    """The live call got new TwiML via the REST API: abandon the current document."""


@dataclass
class NextDoc:
    """Where the next TwiML document comes from: a URL to request, or inline TwiML."""

    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    kind: str = "voice"


@dataclass
class Call:
    sid: str
    account_sid: str
    to: str
    from_: str
    direction: str
    scale: float
    params: dict[str, Any]
    transcript: Transcript
    status: str = "queued"
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    start: float | None = None
    answer: float | None = None
    end: float | None = None
    queue_time_ms: int = 0
    answered_by: str | None = None
    beep_at: float | None = None
    doc: NextDoc | None = None
    recordings: list[str] = field(default_factory=list)
    seq: int = 0
    reorder_callbacks: bool = False
    # callback_reorder_rate: sends held back until the final status has gone out
    held_callbacks: list[Callable[[], None]] = field(default_factory=list)
    callbacks_released: bool = False
    cond: threading.Condition = field(default_factory=threading.Condition)
    stop_reason: str | None = None
    pending_doc: NextDoc | None = None
    caller_hangup_at: float | None = None
    limit_at: float | None = None
    done: threading.Event = field(default_factory=threading.Event)
    phone: Any = None
    dispatched: bool = False
    rejected: str | None = None
    # Set by the tariff when the call ends; shown on the resource from price_known_at on.
    price: str | None = None
    price_unit: str = "USD"
    price_known_at: float | None = None

    def reported_price(self) -> str | None:
        """The Call resource's ``price``: null until the carrier has billed the call."""
        if self.price_known_at is None or time.time() < self.price_known_at:
            return None
        return self.price

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    def stop(self, reason: str) -> None:
        """Ask the call thread to end (``canceled``/``completed`` by API, ``caller``)."""
        with self.cond:
            if self.stop_reason is None:
                self.stop_reason = reason
            self.cond.notify_all()

    def redirect(self, doc: NextDoc) -> None:
        with self.cond:
            self.pending_doc = doc
            self.cond.notify_all()

    def take_redirect(self) -> NextDoc | None:
        with self.cond:
            doc, self.pending_doc = self.pending_doc, None
            return doc

    def check(self, interruptible: bool = True) -> None:
        """Raise if the call must stop or switch documents right now."""
        now = time.time()
        with self.cond:
            self._check_locked(now, interruptible)

    def _check_locked(self, now: float, interruptible: bool) -> None:
        if self.stop_reason is not None:
            raise CallEnded(self.stop_reason)
        if self.caller_hangup_at is not None and now >= self.caller_hangup_at:
            raise CallEnded("caller")
        if self.limit_at is not None and now >= self.limit_at:
            raise CallEnded("time-limit")
        if interruptible and self.pending_doc is not None:
            raise Redirected()

    def wait(self, sim_s: float, interruptible: bool = True) -> None:
        """Let ``sim_s`` simulated seconds pass, unless the call is interrupted first."""
        deadline = time.time() + max(0.0, sim_s) * self.scale
        with self.cond:
            while True:
                now = time.time()
                self._check_locked(now, interruptible)
                limits = [deadline] + [
                    x for x in (self.caller_hangup_at, self.limit_at) if x is not None
                ]
                remaining = min(limits) - now
                if now >= deadline:
                    return
                self.cond.wait(max(0.0, remaining) + 0.0005)

    def duration_s(self) -> int:
        """Simulated seconds the call was in progress (Twilio's ``duration``)."""
        if self.answer is None:
            return 0
        return int(round(((self.end or time.time()) - self.answer) / self.scale))

    def sim_since(self, ts: float | None) -> float:
        """Simulated seconds from ``ts`` until now (or until the end of the call)."""
        if ts is None:
            return 0.0
        return ((self.end or time.time()) - ts) / self.scale


@dataclass
class Recording:
    sid: str
    account_sid: str
    call_sid: str
    audio: bytes
    duration_s: float
    created: float = field(default_factory=time.time)
    source: str = "RecordVerb"


@dataclass
class Number:
    """An incoming number the account owns (with its Voice URL) or a verified caller ID."""

    sid: str
    phone_number: str
    voice_url: str | None = None
    voice_method: str = "POST"
    status_callback: str | None = None
    verified_only: bool = False
    created: float = field(default_factory=time.time)
