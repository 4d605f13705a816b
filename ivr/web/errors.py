"""Error pages in the reader's language; never a stack trace, not even to a police admin.

The carrier's routes keep their plain answers (a 403 for a bad signature is for a
machine); people get a page that says what happened and what to do next."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)
PAGES = {400, 403, 404, 405, 413, 429, 500}
CARRIER_PREFIXES = ("/voice/", "/audio/")


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _for_the_carrier() -> bool:
    return request.path.startswith(CARRIER_PREFIXES)


def _csrf_error(error: CSRFError):
    """A form without a valid token: 400 and nothing changed."""
    return render_template("errors/error.html", code=400, csrf=True), 400


def _http_error(error: HTTPException):
    if _for_the_carrier() or error.code not in PAGES:
        return error
    response = render_template("errors/error.html", code=error.code), error.code
    if error.code == 429 and error.response is None:
        return response[0], 429, {"Retry-After": "60"}
    return response


def _unexpected(error: Exception):
    """Any uncaught exception: logged with its trace for the operator, a plain 500 page."""
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    if _for_the_carrier():
        return InternalServerError()
    return render_template("errors/error.html", code=500), 500
