"""Broadcasts: the history, one broadcast live with its outcomes, listen back, cancel.

The police see every BIN's broadcasts; a coordinator only those to their own BINs."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("broadcasts", __name__, url_prefix="/broadcasts")
