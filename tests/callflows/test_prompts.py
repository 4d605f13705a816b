"""Every prompt exists in all four languages with the same placeholders."""

from __future__ import annotations

import string

from callflows.prompts import LANGUAGES, PROMPTS


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_prompt_in_every_language_with_same_placeholders():
    for key, variants in PROMPTS.items():
        assert set(variants) == set(LANGUAGES), key
        assert all(v.strip() for v in variants.values()), key
        assert len({frozenset(_fields(v)) for v in variants.values()}) == 1, key
