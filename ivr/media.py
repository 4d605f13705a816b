"""Audio the carrier fetches with <Play>: recorded prompts and officers' messages.

Prompts are public. A message's audio is police audio, reached only by the signed,
expiring URL that `domain.audio_urls` builds. Anything not exactly right is a plain 404,
which says nothing about why; so is a cancelled message, whose URLs stop working at once,
however validly signed.
"""

from __future__ import annotations

import hmac
import time

from flask import Blueprint, Response, abort, request, send_file
from sqlalchemy import select
from sqlalchemy.orm import undefer

from audio.prompts import prompt_file
from callflows.prompts import LANGUAGES
from domain.audio_urls import audio_signature
from domain.db import db
from domain.models import Message
from domain.status import AudioStatus, MessageStatus

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


@bp.get("/messages/<int:message_id>/<digest>.wav")
def message_audio(message_id: int, digest: str) -> Response:
    """A message's processed audio for the carrier's <Play>; 404 unless the URL is valid."""
    exp = request.args.get("exp", "")
    if not exp.isdigit() or int(exp) < time.time():
        abort(404)
    row = db.session.execute(
        select(Message.audio_sha256).where(Message.id == message_id,
                                           Message.audio_status == AudioStatus.READY,
                                           Message.status != MessageStatus.CANCELLED,
                                           Message.audio_erased_at.is_(None))
    ).first()
    sha256 = row.audio_sha256 if row else None
    if not sha256 or not hmac.compare_digest(digest, sha256[:16]) or not hmac.compare_digest(
            request.args.get("sig", ""), audio_signature(message_id, sha256, int(exp))):
        abort(404)
    if sha256 in request.if_none_match:
        response = Response(status=304)
    else:
        wav = db.session.scalar(select(Message).options(undefer(Message.audio_wav))
                                .where(Message.id == message_id)).audio_wav
        response = Response(wav, mimetype="audio/wav")
    response.set_etag(sha256)
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.cache_control.max_age = int(exp) - int(time.time())
    if response.status_code == 304:
        return response
    return response.make_conditional(request, accept_ranges=True)
