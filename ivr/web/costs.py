"""What calls and SMS cost: per message, per BIN and per month (issue 15).

A coordinator sees their own BINs only; the police see every BIN."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("costs", __name__, url_prefix="/costs")
