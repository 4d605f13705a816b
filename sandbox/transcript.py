"""Per-call transcript: what the phone heard and what happened, in order.

Tests and demos read this to show what each member heard (spoken text, played URLs with
their audio length, whether before or after a voicemail beep). Times are given twice:
``at`` (wall clock, ISO 8601 UTC) and ``t`` (simulated seconds since the call was
created, i.e. wall time divided by the time scale), so a run at ``--time-scale 0.01``
still reads like a real call.
"""

from __future__ import annotations

import copy
import threading
import time
from datetime import UTC, datetime
from typing import Any


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


class Transcript:
    """Thread-safe, append-only log; events are dicts so the JSON shape stays obvious."""

    def __init__(self, *, sid: str, direction: str, from_: str, to: str, scale: float) -> None:
        self._lock = threading.Lock()
        self.created = time.time()
        self.scale = scale
        self.info: dict[str, Any] = {
            "sid": sid, "direction": direction, "from": from_, "to": to,
            "status": None, "answered_by": None, "created_at": iso(self.created),
            "duration_s": None, "error": None, "recordings": [], "waiting_for": None,
        }
        self.timeline: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.webhooks: list[dict[str, Any]] = []

    def _stamp(self, ts: float | None = None) -> dict[str, Any]:
        ts = time.time() if ts is None else ts
        return {"at": iso(ts), "ts": round(ts, 4), "t": round((ts - self.created) / self.scale, 2)}

    def status(self, status: str, ts: float | None = None) -> None:
        with self._lock:
            self.info["status"] = status
            self.timeline.append({"status": status, **self._stamp(ts)})

    def event(self, type_: str, ts: float | None = None, **fields: Any) -> dict[str, Any]:
        """Append an event and return it; the caller may fill in fields once it ends."""
        ev = {"type": type_, **self._stamp(ts), **fields}
        with self._lock:
            self.events.append(ev)
        return ev

    def update(self, ev: dict[str, Any], **fields: Any) -> None:
        with self._lock:
            ev.update(fields)

    def webhook(self, **fields: Any) -> None:
        with self._lock:
            self.webhooks.append({**self._stamp(), **fields})

    def set(self, **fields: Any) -> None:
        with self._lock:
            self.info.update(fields)

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(
                {**self.info, "timeline": self.timeline, "events": self.events,
                 "webhooks": self.webhooks}
            )
