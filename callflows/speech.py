"""How a flow speaks: a prompt key becomes `<Play>` of a recorded prompt or `<Say>` text.

Flows never build TwiML by string formatting; they ask a `Speaker` to add a prompt to a
TwiML element (the response itself or a `<Gather>`), in the caller's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import phonenumbers
from twilio.twiml import TwiML

from callflows.prompts import LANGUAGES, text

PromptUrl = Callable[[str, str], str | None]


def _no_recorded_prompts(_key: str, _lang: str) -> str | None:
    return None


def spell_number(e164: str) -> str:
    """A phone number as a listener notes it down: national groups, digit by digit.

    "+3236202929" becomes "0 3, 6 2 0, 2 9, 2 9": TTS engines read single digits, and the
    commas give the pause a listener needs to write.
    """
    try:
        parsed = phonenumbers.parse(e164, "BE")
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        national = e164
    groups = [g for g in national.replace("/", " ").replace(".", " ").split() if g]
    return ", ".join(" ".join(ch for ch in group if ch.isdigit()) for group in groups)


@dataclass(frozen=True)
class Speaker:
    """Speaks prompts in one language with the configured TTS voice per language."""

    language: str = "nl"
    voices: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    prompt_url: PromptUrl = _no_recorded_prompts

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            object.__setattr__(self, "language", "nl")

    def text(self, key: str, **values: object) -> str:
        return text(key, self.language, **values)

    def say(self, parent: TwiML, key: str, **values: object) -> None:
        """Add prompt `key` to `parent`; a recorded prompt wins when it needs no values."""
        recorded = None if values else self.prompt_url(key, self.language)
        if recorded:
            parent.play(recorded)
            return
        self.say_text(parent, self.text(key, **values))

    def say_text(self, parent: TwiML, spoken: str) -> None:
        voice, language = self.voices.get(self.language, (None, None))
        kwargs = {k: v for k, v in (("voice", voice), ("language", language)) if v}
        parent.say(spoken, **kwargs)
