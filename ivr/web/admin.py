"""The police admin's pages: BINs, officers, web users and the audit log."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
