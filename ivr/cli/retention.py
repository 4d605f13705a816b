"""`flask --app ivr retention run [--dry-run]`: erase what has outlived its period (issue 15)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from domain import retention

retention_cli = AppGroup("retention", help="Erase personal details older than their period.")


def _period(kind: retention.Kind) -> str:
    if kind.period is None:
        return "as soon as ours is processed"
    days = current_app.config[f"RETENTION_{kind.period}_DAYS"]
    return f"period {days} days (RETENTION_{kind.period}_DAYS)"


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Count what would be erased; change nothing.")
def run(dry_run: bool) -> None:
    """Erase every kind of personal detail past its period, printing each kind as it is
    done; counts and costs are kept. Safe to run again: a second run erases nothing."""
    verb = "would erase" if dry_run else "erased"
    click.echo("Dry run: nothing is changed." if dry_run else "Retention run:")

    def report(name: str, count: int) -> None:
        kind = retention.KINDS[name]
        click.echo(f"  {name}: {verb} {count} {kind.unit}, {_period(kind)}")

    done = retention.run(dry_run=dry_run, progress=report)
    click.echo(f"{sum(done.values())} in all.")
