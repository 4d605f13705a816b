"""`flask --app ivr retention run [--dry-run]`: erase what has outlived its period (issue 15)."""

from __future__ import annotations

from flask.cli import AppGroup

retention_cli = AppGroup("retention", help="Erase personal details older than their period.")
