"""The web app's languages: nl first, then fr, de and en, chosen and stored per user."""

from __future__ import annotations

from flask import request, session
from flask_login import current_user

LANGUAGES = ("nl", "fr", "de", "en")
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}


def select_locale() -> str:
    """A signed-in user's stored language, else the visitor's choice, else nl.

    A visitor's browser language counts only for fr and de: in Belgium an English
    browser says little about the reader, and Dutch is the product's first language."""
    if current_user and current_user.is_authenticated:
        return current_user.language if current_user.language in LANGUAGES else "nl"
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(("nl", "fr", "de"), default="nl")
