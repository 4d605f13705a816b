"""A BIN's zone in the web app: its streets and house-number ranges, edited and imported.

SKELETON (issue 13): routes come from the part that owns this module."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("zones", __name__)
