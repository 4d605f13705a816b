"""Fault injection knobs: the carrier misbehaviours the app must survive.

Every decision is drawn from one seeded ``random.Random`` (``--seed``), so a failing
run can be reproduced. Knobs can be changed at runtime (``POST /sandbox/faults``).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class Faults:
    """Fractions are probabilities in [0, 1]; latency in real milliseconds."""

    rest_429_rate: float = 0.0
    rest_500_rate: float = 0.0
    rest_timeout_rate: float = 0.0
    timeout_delay_s: float = 20.0
    rest_slow_rate: float = 0.0  # create requests held *before* the call exists
    slow_delay_s: float = 5.0
    webhook_latency_ms: float = 0.0
    callback_duplicate_rate: float = 0.0
    callback_reorder_rate: float = 0.0
    unknown_sid_callback_rate: float = 0.0

    def update(self, values: dict[str, Any]) -> None:
        """Apply known knobs; unknown names raise KeyError so typos are not silent."""
        names = {f.name for f in fields(self)}
        for key, value in values.items():
            if key not in names:
                raise KeyError(key)
            setattr(self, key, float(value))

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


# What `Fired` counts: one name per injected misbehaviour (a knob without "_rate"/"_ms").
FIRED_NAMES = ("rest_429", "rest_500", "rest_timeout", "rest_slow", "webhook_latency",
               "callback_duplicate", "callback_reorder", "unknown_sid_callback")


class Fired:
    """How often each fault was really injected, so a test of the app's fault handling can
    tell that the fault happened (a rate of 0.3 can draw no hit; a knob can have nothing to
    act on) rather than pass because nothing went wrong. Cleared by a reset."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def hit(self, name: str) -> None:
        if name not in FIRED_NAMES:
            raise KeyError(name)
        with self._lock:
            self._counts[name] += 1

    def to_dict(self) -> dict[str, int]:
        with self._lock:
            return {name: self._counts[name] for name in FIRED_NAMES}

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


class Dice:
    """A thread-safe seeded random source shared by the carrier and the REST layer."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def chance(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def hex(self, n: int) -> str:
        with self._lock:
            return "".join(self._rng.choice("0123456789abcdef") for _ in range(n))
