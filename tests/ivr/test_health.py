"""/healthz and /readyz answer what an operator's probe needs, and nothing personal;
`flask --app ivr check` says the same and more."""

from __future__ import annotations

import json

from sqlalchemy import text

from domain.db import db
from ivr import create_app
from ivr.health import check_webhooks_reachable
from tests.conftest import free_port


def _ready(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.get_json()


def _failing(body: dict) -> list[str]:
    return sorted(name for name, check in body["checks"].items() if not check["ok"])


def test_healthz_says_the_process_lives(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "service": "buurtlijn"}


def test_ready_when_every_dependency_answers(client, sandbox):
    status, body = _ready(client)
    assert (status, body["status"], _failing(body)) == (200, "ok", [])
    assert set(body["checks"]) == {"database", "migrations", "redis", "carrier"}


def test_not_ready_without_redis(client, sandbox, redis_server):
    redis_server.kill()  # the app fixture starts it again for the next test
    status, body = _ready(client)
    assert (status, _failing(body)) == (503, ["redis"])


def test_not_ready_when_the_carrier_is_unreachable(app, client, sandbox):
    app.config["TWILIO_API_URL"] = f"http://127.0.0.1:{free_port()}"
    status, body = _ready(client)
    assert (status, _failing(body)) == (503, ["carrier"])


def test_not_ready_when_the_carrier_refuses_the_credentials(app, client, sandbox):
    app.config["TWILIO_ACCOUNT_SID"] = "AC" + "9" * 32
    status, body = _ready(client)
    assert (status, _failing(body)) == (503, ["carrier"])
    assert "HTTP 40" in body["checks"]["carrier"]["detail"]


def test_not_ready_when_a_migration_is_due(client, sandbox):
    (current,) = db.session.execute(text("SELECT version_num FROM alembic_version")).one()
    db.session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    db.session.commit()
    try:
        status, body = _ready(client)
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        db.session.commit()
    assert (status, _failing(body)) == (503, ["migrations"])


def test_not_ready_without_the_database(base_config, sandbox):
    """An app whose database server is gone: the database and migrations fail, the rest
    still answers (the probe itself does not crash)."""
    down = create_app(dict(base_config, TWILIO_API_URL=sandbox.base_url,
                           SQLALCHEMY_DATABASE_URI=f"postgresql://nobody@127.0.0.1:{free_port()}/x"))
    status, body = _ready(down.test_client())
    assert (status, _failing(body)) == (503, ["database", "migrations"])


def test_readiness_says_nothing_secret_or_personal(app, client, sandbox, base_config):
    app.config["TWILIO_API_URL"] = f"http://127.0.0.1:{free_port()}"
    shown = json.dumps([_ready(client)[1], client.get("/healthz").get_json()])
    for secret in (base_config["TWILIO_AUTH_TOKEN"], base_config["TWILIO_ACCOUNT_SID"],
                   base_config["SECRET_KEY"], app.config["CALLER_ID"], "127.0.0.1",
                   base_config["SQLALCHEMY_DATABASE_URI"], base_config["REDIS_URL"]):
        assert secret not in shown


def test_check_command_lists_every_dependency(app, sandbox):
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for name in ("database", "migrations", "redis", "carrier", "caller ID", "webhooks"):
        assert any(line.startswith("ok") and f" {name} " in line for line in lines), lines


def test_check_command_fails_on_a_caller_id_the_account_does_not_own(app, sandbox):
    app.config["CALLER_ID"] = "+3233999999"
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert any(line.startswith("FAIL caller ID") for line in result.output.splitlines())


def test_webhooks_reachable_at_the_public_url(live_server, app):
    assert check_webhooks_reachable(live_server).ok
    elsewhere = check_webhooks_reachable(f"http://127.0.0.1:{free_port()}", timeout=2)
    assert not elsewhere.ok and "unreachable" in elsewhere.detail
