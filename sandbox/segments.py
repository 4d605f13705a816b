"""How many SMS segments a body takes, counted as Twilio (and the GSM standard) count them.

A body that fits the GSM-7 alphabet goes out in 7-bit septets: 160 in a single message,
153 per segment once it is split (the rest of each segment is the concatenation header).
The characters of the extension table (``€[]{}^~|\\`` and form feed) take two septets, an
escape and the character, and an escape pair is never split across two segments. Any
other character forces UCS-2 for the whole body: 70 UTF-16 units single, 67 per segment,
and a character outside the BMP (an emoji) is a surrogate pair that stays in one segment.
Pure and stdlib-only, so the app may copy the rule and the tests can pin the edges.
"""

from __future__ import annotations

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def encoding(body: str) -> str:
    """``"GSM-7"`` if every character is in the GSM-7 basic or extension table, else
    ``"UCS-2"``."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in body):
        return "GSM-7"
    return "UCS-2"


def _units(body: str, gsm: bool) -> list[int]:
    """The size of each character: septets (GSM-7) or UTF-16 code units (UCS-2)."""
    if gsm:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in body]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in body]


def num_segments(body: str) -> int:
    """The number of segments Twilio bills for ``body`` (an empty body counts as one)."""
    gsm = encoding(body) == "GSM-7"
    units = _units(body, gsm)
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    if sum(units) <= single:
        return 1
    segments, used = 1, 0
    for size in units:  # a character (escape pair, surrogate pair) is never split
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return segments
