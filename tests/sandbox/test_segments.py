"""SMS segment counting at the edges where a message gets split or changes encoding."""

from __future__ import annotations

import pytest

from sandbox.segments import encoding, num_segments


@pytest.mark.parametrize(("body", "expected"), [
    ("", 1),
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("é" * 160, 1),            # é is in the GSM-7 basic table
    ("€" * 80, 1),             # extension characters take two septets: 160
    ("€" + "a" * 159, 2),      # 161 septets
    ("[]{}^~|\\" + "a" * 144, 1),
    ("[]{}^~|\\" + "a" * 145, 2),
])
def test_gsm7_counts_160_single_153_split_and_extension_chars_twice(body, expected) -> None:
    assert encoding(body) == "GSM-7"
    assert num_segments(body) == expected


def test_an_escape_pair_is_not_split_across_two_segments() -> None:
    # 152 septets then a € (2 septets): it does not fit segment one, so it opens segment two
    body = "a" * 152 + "€" + "a" * 151
    assert num_segments(body) == 2
    assert num_segments(body + "a") == 3


@pytest.mark.parametrize(("body", "expected"), [
    ("ç" * 70, 1),             # lower-case ç is not GSM-7 (only Ç is)
    ("ç" * 71, 2),
    ("ç" * 134, 2),
    ("ç" * 135, 3),
    ("Привет", 1),
    ("a" * 69 + "😀", 2),      # an emoji is two UTF-16 units: 71
    ("a" * 68 + "😀", 1),
])
def test_ucs2_counts_70_single_67_split(body, expected) -> None:
    assert encoding(body) == "UCS-2"
    assert num_segments(body) == expected


def test_one_non_gsm_character_turns_a_long_text_into_ucs2() -> None:
    text = "Politie: verdachte wagen in de Kerkstraat, bel 101."
    assert num_segments(text * 3) == 1 and encoding(text * 3) == "GSM-7"
    assert num_segments(text * 3 + "’") == 3  # a curly apostrophe: 154 units in UCS-2
