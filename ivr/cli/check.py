"""`check`: what /readyz says, and what only an operator may see, in one list."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from domain.carrier import is_live
from ivr.health import READINESS, Check, check_caller_id, check_webhooks_reachable


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Check the database, migrations, Redis, the carrier, the caller ID and the webhooks."""
    config = current_app.config
    checks = [check() for check in READINESS]
    carrier_ok = checks[-1].ok
    checks.append(check_caller_id() if carrier_ok else
                  Check("caller ID", False, "not checked: the carrier is not reachable"))
    if is_live(config):
        checks.append(check_webhooks_reachable(config["PUBLIC_BASE_URL"]))
    else:
        checks.append(Check("webhooks", True, "not checked: the carrier is the sandbox"))
    width = max(len(c.name) for c in checks)
    for c in checks:
        mark = "ok  " if c.ok else "FAIL"
        click.echo(f"{mark} {c.name.ljust(width)}  {c.detail}")
    click.echo(f"caller ID {config['CALLER_ID']}, webhooks at {config['PUBLIC_BASE_URL']}")
    if not all(c.ok for c in checks):
        raise SystemExit(1)
