"""An upload validated and previewed, waiting for its confirmation: parked in Redis.

The member import, the zone import and the bank statement all show a preview first and
store on a second POST. Between the two the validated rows wait here for 30 minutes,
under a random token and the user's id (another user's token finds nothing), and are
read with GETDEL, so confirming twice stores once. Redis being away means "try again",
never a half-stored file."""

from __future__ import annotations

import json
import re
import secrets

import redis
from flask_login import current_user

from domain.redis_conn import redis_conn

PENDING_S = 30 * 60
_TOKEN = re.compile(r"[A-Za-z0-9_-]{10,64}")


def _key(kind: str, token: str) -> str:
    return f"buurtlijn:{kind}:{current_user.id}:{token}"


def park(kind: str, payload: dict) -> str | None:
    """Keep `payload` (JSON-able) for the confirmation; its token, or None if Redis is away."""
    token = secrets.token_urlsafe(18)
    try:
        redis_conn.client.set(_key(kind, token), json.dumps(payload), ex=PENDING_S)
    except redis.RedisError:
        return None
    return token


def take(kind: str, token: str | None) -> dict | None:
    """The parked payload, once; None if unknown, taken already, expired or Redis away."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    try:
        payload = redis_conn.client.getdel(_key(kind, token))
    except redis.RedisError:
        return None
    return json.loads(payload) if payload is not None else None
