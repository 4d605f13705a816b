"""A BIN's yearly report for its treasurer and members: CSV and a printable page (issue 15).

A coordinator sees their own BINs only; the police see every BIN."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
