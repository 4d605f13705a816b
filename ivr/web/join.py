"""The public application form, its double opt-in link, and the 'save the number' card.

SKELETON (issue 13): routes come from the part that owns this module."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("join", __name__)
