"""Fault injection knobs: the carrier misbehaviours the app must survive.

Every decision is drawn from one seeded ``random.Random`` (``--seed``), so a failing
run can be reproduced. Knobs can be changed at runtime (``POST /sandbox/faults``).
"""

from __future__ import annotations

import random
import threading
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
