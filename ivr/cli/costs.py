"""`flask --app ivr costs [--month YYYY-MM] [--bin CODE]`: what calls and SMS cost (issue 15)."""

from __future__ import annotations
