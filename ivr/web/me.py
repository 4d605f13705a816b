"""The member's own page, by an expiring personal link: see, correct, download, leave.

SKELETON (issue 13): routes come from the part that owns this module."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("me", __name__)
