"""/healthz and /readyz, and the checks `flask --app ivr check` prints for an operator.

Both answer JSON without authentication, so they say nothing a stranger may not know:
which dependency is down and the kind of error, never a host name, URL, number or
credential. /healthz only says the process serves requests (a load balancer's liveness
probe); /readyz asks every dependency a webhook or a broadcast needs: the database, its
schema at the newest migration, Redis, and the carrier account (credentials accepted).
The carrier's answer is kept for CARRIER_CHECK_CACHE_S: a probe every few seconds from
each load balancer must not turn into as many API requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from domain import carrier
from domain.db import db
from domain.redis_conn import redis_conn
from ivr.web.permissions import public

bp = Blueprint("health", __name__)
MIGRATIONS = Path(__file__).parent / "migrations"
CARRIER_CHECK_CACHE_S = 15.0


@dataclass(frozen=True)
class Check:
    """One dependency's state: `detail` is safe to show anyone (no hosts, no numbers)."""

    name: str
    ok: bool
    detail: str


def _failed(name: str, exc: BaseException) -> Check:
    return Check(name, False, f"unreachable ({exc.__class__.__name__})")


def check_database() -> Check:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001  (any failure means "not ready")
        return _failed("database", exc)
    return Check("database", True, "ok")


def check_migrations() -> Check:
    """The schema is at the migrations' head; otherwise `flask db upgrade` is due."""
    heads = set(ScriptDirectory.from_config(_alembic_config()).get_heads())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as exc:  # noqa: BLE001
        return _failed("migrations", exc)
    if current == heads:
        return Check("migrations", True, f"at {', '.join(sorted(heads))}")
    at = ", ".join(sorted(current)) or "none"
    return Check("migrations", False, f"at {at}, newest is {', '.join(sorted(heads))}: "
                 "run `flask --app ivr db upgrade`")


def _alembic_config() -> Config:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def check_redis() -> Check:
    try:
        redis_conn.client.ping()
    except Exception as exc:  # noqa: BLE001
        return _failed("redis", exc)
    return Check("redis", True, "ok")


def check_carrier() -> Check:
    """The carrier accepts the account's credentials (one cheap authenticated list)."""
    config = current_app.config
    key = (config["TWILIO_API_URL"], config["TWILIO_ACCOUNT_SID"])
    cached = current_app.extensions.get("carrier_check")
    if cached and cached[0] == key and time.monotonic() - cached[1] < CARRIER_CHECK_CACHE_S:
        return cached[2]
    try:
        account = carrier.client().api.v2010.accounts(config["TWILIO_ACCOUNT_SID"])
        account.incoming_phone_numbers.list(limit=1)
        result = Check("carrier", True, "ok")
    except Exception as exc:  # noqa: BLE001
        status = _http_status(exc)
        result = (Check("carrier", False, f"refused (HTTP {status})") if status
                  else _failed("carrier", exc))
    current_app.extensions["carrier_check"] = (key, time.monotonic(), result)
    return result


def _http_status(exc: Exception) -> int | None:
    """The carrier's HTTP status in an SDK error: a REST error has it, a list whose page
    was refused ("Unable to fetch page") carries the response."""
    if getattr(exc, "status", None):
        return exc.status
    response = exc.args[1] if len(exc.args) > 1 else None
    return getattr(response, "status_code", None)


READINESS: tuple[Callable[[], Check], ...] = (check_database, check_migrations, check_redis,
                                              check_carrier)


def check_caller_id() -> Check:
    """CALLER_ID is a number the account owns or has verified (else error 21210 live)."""
    try:
        owned = carrier.owns_number(current_app.config["CALLER_ID"])
    except Exception as exc:  # noqa: BLE001
        return _failed("caller ID", exc)
    if owned:
        return Check("caller ID", True, "owned or verified by the account")
    return Check("caller ID", False, "not owned or verified by the carrier account: "
                 "buy or verify it, or set CALLER_ID to one that is")


def check_webhooks_reachable(base_url: str, timeout: float = 10.0) -> Check:
    """PUBLIC_BASE_URL reaches this app's /healthz from here (DNS, TLS, proxy)."""
    try:
        response = requests.get(f"{base_url}/healthz", timeout=timeout)
    except requests.RequestException as exc:
        return _failed("webhooks", exc)
    if response.ok and response.headers.get("Content-Type", "").startswith("application/json") \
            and response.json().get("service") == "buurtlijn":
        return Check("webhooks", True, f"{base_url} answers")
    return Check("webhooks", False, f"{base_url}/healthz answered HTTP {response.status_code}, "
                 "not this app")


@bp.get("/healthz")
@public  # nothing personal, no secrets: for load balancers and monitors
def healthz() -> Response:
    """Liveness: the process serves requests."""
    return jsonify(status="ok", service="buurtlijn")


@bp.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    """Readiness: every dependency answers; 503 with the failing ones otherwise."""
    checks = [check() for check in READINESS]
    ready = all(c.ok for c in checks)
    body = {"status": "ok" if ready else "unavailable", "service": "buurtlijn",
            "checks": {c.name: {"ok": c.ok, "detail": _public(c)} for c in checks}}
    return jsonify(body), 200 if ready else 503


def _public(check: Check) -> str:
    """Readiness details are shown to anyone: migrations say revision ids, nothing else."""
    return check.detail if check.ok or check.name != "migrations" else "not at the newest"
