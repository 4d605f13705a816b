"""`contribution new-year`: open the new year's contributions (cron on 1 January)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from domain import contributions
from domain.db import db

contribution_cli = AppGroup("contribution", help="Yearly contributions of the BINs.")


@contribution_cli.command("new-year")
@click.option("--year", type=click.IntRange(2000, 2099),
              help="The year to open (default: this year, in Belgium).")
def new_year(year: int | None) -> None:
    """Ask every member of a fee-charging BIN this year's contribution; they are payment
    due until it is paid. Safe to run again: existing contributions are left alone."""
    year = year or contributions.this_year()
    report = contributions.new_year(year)
    db.session.commit()
    click.echo(f"{year}: {report.opened} contributions opened in {report.bins} "
               f"fee-charging BINs, {report.due} members now payment due.")
