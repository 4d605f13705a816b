"""The `X-Twilio-Signature` check every voice webhook passes before it does anything.

The URL is rebuilt from `PUBLIC_BASE_URL`, never from the Host header: behind a proxy or
a tunnel the request's own host is not what the carrier signed, and trusting it would let
a caller choose the URL the signature is checked against.

Before that, the body is bounded: the carrier posts small form-encoded bodies, so any
other type is 415 and a body over MAX_CONTENT_LENGTH is 413, both answered from the
headers alone, before a byte of the body is read, parsed or spooled to disk.
"""

from __future__ import annotations

import functools
import logging

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)


def public_url() -> str:
    """The URL the carrier called: PUBLIC_BASE_URL + path + query string."""
    url = current_app.config["PUBLIC_BASE_URL"] + request.path
    query = request.query_string.decode("latin-1")
    return f"{url}?{query}" if query else url


def is_valid_twilio_request() -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    params = request.form if request.method == "POST" else {}
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    return validator.validate(public_url(), params, signature)


FORM = "application/x-www-form-urlencoded"


def refuse_unbounded_body() -> None:
    """415 for a body that is not a plain form, 413 for one larger than allowed."""
    if request.method == "POST" and request.mimetype != FORM:
        abort(415)
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is not None and (request.content_length or 0) > limit:
        abort(413)


def twilio_signed(view):
    """Reject with 403, before any work, a request the carrier did not sign."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        refuse_unbounded_body()
        if not is_valid_twilio_request():
            log.warning("403 for unsigned or forged webhook %s %s", request.method, request.path)
            abort(403)
        return view(*args, **kwargs)

    return wrapped
