"""Simulated phones: the far end of each call, driven by a scenario or a person.

A scenario (DESIGN.md, "Sandbox") says per number how the phone behaves: a dict, or a
list giving the 1st, 2nd, ... call (the last one repeats). Fields a number does not set
come from ``default``. Parties answer the interpreter's questions: which keys are pressed
at this Gather, what is said into this Record, who heard this prompt.
"""

from __future__ import annotations

import base64
import queue
import threading
from dataclasses import dataclass, fields
from typing import Any

from . import audio

ANSWERS = ("human", "machine", "busy", "no-answer", "failed")
SMS_OUTCOMES = ("delivered", "undelivered", "failed")
SILENT = ""
HANGUP = "H"


class ScenarioError(ValueError):
    """The scenario is malformed; the message names the offending entry."""


@dataclass
class Behaviour:
    answer: str = "human"
    after_s: float = 3.0
    digits: str = "1"
    hangup_after_s: float | None = None
    greeting_s: float = 8.0
    max_message_s: float = 180.0
    record_s: float = 3.0
    amd: str | None = None
    sms: str = "delivered"  # what becomes of an SMS to this number (see SMS_OUTCOMES)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str) -> Behaviour:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ScenarioError(f"{where}: unknown field(s) {sorted(unknown)}")
        b = cls(**data)
        if b.answer not in ANSWERS:
            raise ScenarioError(f"{where}: answer must be one of {ANSWERS}, not {b.answer!r}")
        if b.sms not in SMS_OUTCOMES:
            raise ScenarioError(f"{where}: sms must be one of {SMS_OUTCOMES}, not {b.sms!r}")
        return b


class Scenario:
    """Behaviour per number with a per-number call counter (for list entries)."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        data = data or {}
        if not isinstance(data, dict) or set(data) - {"default", "numbers"}:
            raise ScenarioError("scenario must be an object with 'default' and 'numbers'")
        self.raw = data
        self.default: dict[str, Any] = dict(data.get("default") or {})
        Behaviour.from_dict(self.default, "default")
        self.numbers: dict[str, list[dict[str, Any]]] = {}
        for number, entry in (data.get("numbers") or {}).items():
            entries = entry if isinstance(entry, list) else [entry]
            if not entries or not all(isinstance(e, dict) for e in entries):
                raise ScenarioError(f"numbers[{number}]: a dict or a non-empty list of dicts")
            for i, e in enumerate(entries):
                Behaviour.from_dict({**self.default, **e}, f"numbers[{number}][{i}]")
            self.numbers[number] = entries
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def behaviour_for(self, number: str) -> Behaviour:
        with self._lock:
            n = self._counts.get(number, 0)
            self._counts[number] = n + 1
        entries = self.numbers.get(number)
        chosen = entries[min(n, len(entries) - 1)] if entries else {}
        return Behaviour.from_dict({**self.default, **chosen}, number)

    def sms_outcome(self, number: str) -> str:
        """The ``sms`` field for ``number``: its first entry, without counting a call."""
        entries = self.numbers.get(number)
        return str({**self.default, **(entries[0] if entries else {})}.get("sms", "delivered"))


def tokens(spec: str | None) -> list[str]:
    return (spec or "").split()


class Party:
    """Base class: a scripted party with a list of key tokens, one per Gather."""

    kind = "human"
    interactive = False

    def __init__(self, keys: list[str]) -> None:
        self._keys = list(keys)
        self._lock = threading.Lock()

    def gather(self, spec: dict[str, Any], call: Any) -> str:
        """The token pressed at this Gather: digits (maybe + finish key), "" or "H"."""
        with self._lock:
            return self._keys.pop(0) if self._keys else SILENT

    def record(self, spec: dict[str, Any], call: Any) -> tuple[bytes | None, str]:
        """(audio spoken or None for silence, how it ends: "key" | "silence" | "hangup")."""
        return None, "silence"

    def heard(self, call: Any, start: float, end: float) -> str:
        return "human"


class HumanPhone(Party):
    """A member who answers: presses the scenario's digits, says a few seconds at Record."""

    def __init__(self, b: Behaviour) -> None:
        super().__init__(tokens(b.digits))
        self.behaviour = b

    def record(self, spec: dict[str, Any], call: Any) -> tuple[bytes | None, str]:
        return audio.tone(self.behaviour.record_s), "silence"


class MachinePhone(Party):
    """Voicemail: plays a greeting, beeps, records; presses nothing, never speaks."""

    kind = "machine"

    def __init__(self, b: Behaviour) -> None:
        super().__init__([])
        self.behaviour = b

    def gather(self, spec: dict[str, Any], call: Any) -> str:
        return SILENT

    def heard(self, call: Any, start: float, end: float) -> str:
        beep = call.beep_at
        if beep is None or end <= beep:
            return "before_beep"
        if start >= beep:
            return "after_beep"
        return "across_beep"


class ScriptedCaller(Party):
    """An inbound caller with keys and WAVs given up front (tests, unattended CLI)."""

    def __init__(self, keys: str, records: list[bytes], tone_s: float = 3.0) -> None:
        super().__init__(tokens(keys))
        self._records = records
        self._tone_s = tone_s
        self._n = 0

    def record(self, spec: dict[str, Any], call: Any) -> tuple[bytes | None, str]:
        with self._lock:
            n, self._n = self._n, self._n + 1
        if self._records:
            return self._records[min(n, len(self._records) - 1)], "key"
        return audio.tone(self._tone_s), "key"


class InteractiveCaller(Party):
    """An inbound caller typing at a terminal: each Gather/Record waits for HTTP input.

    The call thread publishes what it waits for in the transcript (``waiting_for``);
    the CLI posts ``/sandbox/calls/{sid}/input`` and this party hands that on.
    """

    interactive = True

    def __init__(self, wait_s: float = 300.0) -> None:
        super().__init__([])
        self._inputs: queue.Queue[dict[str, Any]] = queue.Queue()
        self._wait_s = wait_s

    def put(self, data: dict[str, Any]) -> None:
        self._inputs.put(data)

    def _take(self, call: Any, waiting: dict[str, Any]) -> dict[str, Any]:
        call.transcript.set(waiting_for=waiting)
        try:
            while True:
                try:
                    return self._inputs.get(timeout=0.05)
                except queue.Empty:
                    call.check(interruptible=False)
                    waiting["waited_s"] = waiting.get("waited_s", 0) + 0.05
                    if waiting["waited_s"] > self._wait_s:
                        return {}
        finally:
            call.transcript.set(waiting_for=None)

    def gather(self, spec: dict[str, Any], call: Any) -> str:
        data = self._take(call, {"kind": "gather", **spec})
        if data.get("hangup"):
            return HANGUP
        return str(data.get("keys", "")).strip()

    def record(self, spec: dict[str, Any], call: Any) -> tuple[bytes | None, str]:
        data = self._take(call, {"kind": "record", **spec})
        if data.get("hangup"):
            return None, "hangup"
        if data.get("record"):
            return base64.b64decode(data["record"]), "key"
        return audio.tone(float(data.get("tone_s", 3.0))), "key"
