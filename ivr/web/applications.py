"""The coordinator's inbox of applications: approve (a new member) or decline with a reason.

SKELETON (issue 13): routes come from the part that owns this module."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("applications", __name__)
