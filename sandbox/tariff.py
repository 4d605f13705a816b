"""What a call costs in the sandbox, reported on the Call resource like Twilio does.

Twilio fills ``price`` (a negative decimal string: money leaving the account) and
``price_unit`` some time after a call ends, not at once; an app must fetch the call again
later. The sandbox does the same from a simple tariff so that cost tracking can be tested
offline: per minute for landlines and mobiles, every started minute billed, unanswered
calls free (``"0.00000"``). Belgian mobiles are ``+324...``; every other number is billed
as a landline. Inbound calls are not billed here.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

MOBILE_PREFIX = "+324"


@dataclass
class Tariff:
    landline_per_min: Decimal = Decimal("0.03")
    mobile_per_min: Decimal = Decimal("0.15")
    sms_per_segment: Decimal = Decimal("0.08")
    unit: str = "EUR"
    # Real (wall-clock) seconds after the end of a call before its price is known.
    delay_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, knobs: dict[str, Any]) -> None:
        """Set any of ``landline``, ``mobile`` (per minute), ``sms`` (per segment),
        ``unit``, ``delay_s``."""
        names = {"landline": "landline_per_min", "mobile": "mobile_per_min",
                 "sms": "sms_per_segment", "unit": "unit", "delay_s": "delay_s"}
        unknown = set(knobs) - set(names)
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        with self.lock:
            for key, value in knobs.items():
                if key in ("landline", "mobile", "sms"):
                    value = Decimal(str(value))
                    if value < 0:
                        raise ValueError(f"{key} must not be negative")
                elif key == "delay_s":
                    value = float(value)
                else:
                    value = str(value)
                setattr(self, names[key], value)

    def to_dict(self) -> dict[str, Any]:
        return {"landline": str(self.landline_per_min), "mobile": str(self.mobile_per_min),
                "sms": str(self.sms_per_segment), "unit": self.unit, "delay_s": self.delay_s}

    def per_minute(self, to: str) -> Decimal:
        return self.mobile_per_min if to.startswith(MOBILE_PREFIX) else self.landline_per_min

    def price(self, to: str, direction: str, answered: bool, duration_s: int) -> str:
        """Twilio's string: ``"-0.30000"`` for two started minutes at 0.15."""
        if direction == "inbound" or not answered or duration_s <= 0:
            return "0.00000"
        minutes = math.ceil(duration_s / 60)
        return f"{-(self.per_minute(to) * minutes):.5f}"

    def settle(self, call: Any) -> None:
        """Fix the price of a call that just ended; it shows after ``delay_s``."""
        with self.lock:
            call.price = self.price(call.to, call.direction, call.answer is not None,
                                    call.duration_s())
            call.price_unit = self.unit
            call.price_known_at = time.time() + self.delay_s

    def sms_price(self, segments: int) -> str:
        """An outbound SMS: ``"-0.16000"`` for two segments at 0.08."""
        with self.lock:
            return f"{-(self.sms_per_segment * segments):.5f}"
