"""The yearly contribution: who paid, marking by hand, and the bank statement upload.

SKELETON (issue 13): routes come from the part that owns this module."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("contributions", __name__)
