"""The demo's 200 members and how each of their phones behaves (a sandbox scenario).

Numbers are valid Belgian mobiles (+32 470 ...) and Antwerp landlines (+32 3 6xx ...),
checked with the same validation as the member import. The mix, by position in a cycle
of 20, is what a real BIN sees on an evening alert.
"""

from __future__ import annotations

from typing import Any

from domain.numbers import parse_phone

DEMO_BIN = ("31", "BIN Demo-wijk")
HEADER = "bin_code,name,street,house_number,postcode,municipality,phone,phone2,language,email"
MESSAGE_TEXT = ("Hier is de politie, Politiezone Grens. In de Kerkstraat is zonet ingebroken. "
                "Twee mannen zijn te voet gevlucht richting het station. Hebt u iets gezien, "
                "bel dan de politie.")
STREETS = ("Kerkstraat", "Dorpsplein", "Stationsstraat", "Molenweg", "Heidestraat")
FIRST = ("An", "Bart", "Els", "Jan", "Lies", "Marc", "Nora", "Pieter", "Sofie", "Tom")
LAST = ("Peeters", "Janssens", "Maes", "Claes", "Wouters", "Mertens", "Willems", "Goossens")

# position in a cycle of 20 -> (what happens, share)
MIX = {
    **{i: "answers, presses 1" for i in range(11)},   # 55 %
    11: "answers, hears it again (2), then 1", 12: "answers, hears it again (2), then 1",
    13: "voicemail", 14: "voicemail", 15: "voicemail",   # 15 %
    16: "busy, answers the retry", 17: "busy, answers the retry",   # 10 %
    18: "never answers",   # 5 %
    19: "first number unanswered, second number answers",   # 5 %
}


def _numbers(i: int) -> tuple[str, str]:
    landline = i % 3 == 0
    phone = f"+3236{400000 + i:06d}" if landline else f"+32470{500000 + i:06d}"
    phone2 = f"+32471{500000 + i:06d}" if i % 20 == 19 else ""
    for number in filter(None, (phone, phone2)):
        parse_phone(number)  # raises if the demo ever generates an invalid number
    return phone, phone2


def member_rows(count: int) -> list[list[str]]:
    rows = []
    for i in range(count):
        phone, phone2 = _numbers(i)
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i + 1}"
        rows.append([DEMO_BIN[0], name, STREETS[i % len(STREETS)], str(i // 5 + 1), "2990",
                     "Grensdorp", phone, phone2, "nl", ""])
    return rows


def scenario(rows: list[list[str]]) -> dict[str, Any]:
    """Per number: the behaviour of its 1st, 2nd, ... call (a list) or of every call."""
    numbers: dict[str, Any] = {}
    for i, row in enumerate(rows):
        phone, phone2 = row[6], row[7]
        kind = i % 20
        after = 3 + i % 4  # rings 3-6 s before someone picks up
        if kind in (11, 12):
            numbers[phone] = {"answer": "human", "after_s": after, "digits": "2 1"}
        elif kind in (13, 14, 15):
            numbers[phone] = {"answer": "machine", "greeting_s": 6 + i % 4}
        elif kind in (16, 17):
            numbers[phone] = [{"answer": "busy"},
                              {"answer": "human", "after_s": after, "digits": "1"}]
        elif kind == 18:
            numbers[phone] = {"answer": "no-answer"}
        elif kind == 19:
            numbers[phone] = {"answer": "no-answer"}
            numbers[phone2] = {"answer": "human", "after_s": after, "digits": "1"}
    return {"default": {"answer": "human", "after_s": 4, "digits": "1"}, "numbers": numbers}
