"""Absolute URLs at which the carrier reaches this app (webhooks, audio to <Play>).

Built from `PUBLIC_BASE_URL` in this one place, never from a request's Host header, so a
URL handed to the carrier is the very URL its signature is later checked against.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app


def public_url(path: str, **query: object) -> str:
    """`PUBLIC_BASE_URL` + path (+ the query, in the order given)."""
    url = current_app.config["PUBLIC_BASE_URL"] + path
    return f"{url}?{urlencode(query)}" if query else url
