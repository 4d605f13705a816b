"""Builds the `Speaker` flows use, from config and the recorded prompts on disk."""

from __future__ import annotations

from flask import current_app, url_for

from audio.prompts import prompt_file
from callflows.speech import Speaker
from domain.public_urls import public_url


def recorded_prompt_url(key: str, lang: str) -> str | None:
    """Public URL of a recorded prompt, or None so the flow falls back to <Say>."""
    if prompt_file(key, lang) is None:
        return None
    return public_url(url_for("media.prompt", lang=lang, key=key))


def speaker(language: str | None) -> Speaker:
    return Speaker(
        language=language or "nl",
        voices=current_app.config["SAY_VOICES"],
        prompt_url=recorded_prompt_url,
    )
