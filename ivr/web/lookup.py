"""The public address check: is my address in a BIN, and a contact form to its coordinator.

SKELETON (issue 13): routes come from the part that owns this module."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("lookup", __name__)
