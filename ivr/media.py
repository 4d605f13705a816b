"""Audio the carrier fetches with <Play>: recorded prompts and officers' messages.

Prompts are public. A message is police audio, so its URL is unguessable and expires:
`/audio/messages/<id>/<sha256[:16]>.wav?exp=<unix>&sig=<hmac>`, signed with SECRET_KEY.
The content hash in the path means a re-recorded message gets a new URL, and the
response is cacheable as immutable: the carrier fetches it once per broadcast, not once
per member. The expiry is rounded up to a bucket so that every call within one bucket
gets the very same URL (and so the same cache entry). Anything not exactly right is a
plain 404, which says nothing about why; so is a cancelled message, whose URLs stop
working at once, however validly signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import time

from flask import Blueprint, Response, abort, current_app, request, send_file
from sqlalchemy import select
from sqlalchemy.orm import undefer

from audio.prompts import prompt_file
from callflows.prompts import LANGUAGES
from ivr.extensions import db
from ivr.models import Message

bp = Blueprint("media", __name__, url_prefix="/audio")

URL_BUCKET_S = 6 * 3600


@bp.get("/prompts/<lang>/<key>.wav")
def prompt(lang: str, key: str):
    """A recorded prompt file, or 404."""
    if lang not in LANGUAGES:
        abort(404)
    path = prompt_file(key, lang)
    if path is None:
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=86400, conditional=True, etag=True)


def audio_signature(message_id: int, sha256: str, exp: int) -> str:
    """HMAC-SHA256 over what the URL grants: this message, this exact audio, until `exp`."""
    key = current_app.config["SECRET_KEY"].encode()
    payload = f"message-audio\n{message_id}\n{sha256}\n{exp}".encode()
    digest = hmac.new(key, payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def message_audio_url(message_id: int, audio_status: str, audio_sha256: str | None,
                      ttl_s: int = 72 * 3600) -> str:
    """Absolute signed URL of a message's processed audio, valid at least `ttl_s` seconds."""
    if audio_status != "ready" or not audio_sha256:
        raise ValueError(f"message {message_id} has no processed audio")
    bucket = max(1, min(URL_BUCKET_S, ttl_s))
    exp = math.ceil((time.time() + ttl_s) / bucket) * bucket
    return signed_audio_url(message_id, audio_sha256, exp)


def audio_url_of(message: Message) -> str:
    """message_audio_url for a message already loaded (the recording and callback lines)."""
    return message_audio_url(message.id, message.audio_status, message.audio_sha256)


def signed_audio_url(message_id: int, sha256: str, exp: int) -> str:
    sig = audio_signature(message_id, sha256, exp)
    path = f"{bp.url_prefix}/messages/{message_id}/{sha256[:16]}.wav?exp={exp}&sig={sig}"
    return current_app.config["PUBLIC_BASE_URL"] + path


@bp.get("/messages/<int:message_id>/<digest>.wav")
def message_audio(message_id: int, digest: str) -> Response:
    """A message's processed audio for the carrier's <Play>; 404 unless the URL is valid."""
    exp = request.args.get("exp", "")
    if not exp.isdigit() or int(exp) < time.time():
        abort(404)
    row = db.session.execute(
        select(Message.audio_sha256).where(Message.id == message_id,
                                           Message.audio_status == "ready",
                                           Message.status != "cancelled")
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
