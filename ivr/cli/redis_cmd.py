"""`redis start|stop`: the embedded Redis for `make run`, when REDIS_URL is unset."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from domain.embedded_redis import EmbeddedRedis

redis_cli = AppGroup("redis", help="The embedded Redis (only when REDIS_URL is unset).")


def _embedded() -> EmbeddedRedis:
    if current_app.config["REDIS_URL"]:
        raise click.ClickException("REDIS_URL is set: there is no embedded Redis to manage")
    return EmbeddedRedis(current_app.instance_path)


@redis_cli.command("start")
def start() -> None:
    """Start the embedded redis-server in the background (or reuse the running one)."""
    server = _embedded().ensure_running(own=False)
    click.echo(f"embedded Redis at {server.url}")


@redis_cli.command("stop")
def stop() -> None:
    """Stop the embedded redis-server cleanly (its append-only file is flushed)."""
    click.echo("embedded Redis stopped" if _embedded().shutdown() else "embedded Redis not running")
