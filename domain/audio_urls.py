"""Signed, expiring URLs of a message's processed audio (served by `ivr.media`).

A message is police audio, so its URL is unguessable and expires:
`/audio/messages/<id>/<sha256[:16]>.wav?exp=<unix>&sig=<hmac>`, signed with SECRET_KEY.
The content hash in the path means a re-recorded message gets a new URL, and the
response is cacheable as immutable: the carrier fetches it once per broadcast, not once
per member. The expiry is rounded up to a bucket so that every call within one bucket
gets the very same URL (and so the same cache entry).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import time

from flask import current_app

from domain.models import Message
from domain.public_urls import public_url

MESSAGE_AUDIO_PATH = "/audio/messages"
URL_BUCKET_S = 6 * 3600


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
    return public_url(f"{MESSAGE_AUDIO_PATH}/{message_id}/{sha256[:16]}.wav", exp=exp, sig=sig)
