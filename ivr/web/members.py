"""A coordinator's member list: search, add, edit, remove, import and export.

Only the coordinator's own BINs: every query goes through `visible_bin_ids()`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/members")
