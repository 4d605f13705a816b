"""Audio the carrier fetches with <Play>: recorded prompts (public, cacheable)."""

from __future__ import annotations

from flask import Blueprint, abort, send_file

from audio.prompts import prompt_file
from callflows.prompts import LANGUAGES

bp = Blueprint("media", __name__, url_prefix="/audio")


@bp.get("/prompts/<lang>/<key>.wav")
def prompt(lang: str, key: str):
    """A recorded prompt file, or 404."""
    if lang not in LANGUAGES:
        abort(404)
    path = prompt_file(key, lang)
    if path is None:
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=86400, conditional=True, etag=True)
