"""`bin add` and `bin list`."""

from __future__ import annotations

import re

import click
from flask.cli import AppGroup
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from domain.db import db
from domain.models import Bin, Membership, audit

bin_cli = AppGroup("bin", help="Neighbourhood information networks (BINs).")


@bin_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--municipality", help="Municipality the BIN lies in.")
@click.option("--coordinator-email", help="The coordinator's e-mail address.")
@click.option("--coordinator-name", help="The coordinator's name.")
def add(code: str, name: str, municipality: str | None, coordinator_email: str | None,
        coordinator_name: str | None) -> None:
    """Add a BIN; CODE is the 1-4 digit code officers key in (0 means all BINs)."""
    if not re.fullmatch(r"[0-9]{1,4}", code) or code.lstrip("0") == "":
        raise click.BadParameter("must be 1 to 4 digits and not 0 (0 selects all BINs)",
                                 param_hint="CODE")
    if db.session.scalar(select(Bin).where(Bin.code == code)):
        raise click.ClickException(f"BIN code {code} is already in use")
    db.session.add(Bin(code=code, name=name, municipality=municipality,
                       coordinator_email=coordinator_email, coordinator_name=coordinator_name))
    audit("cli", "bin.add", f"bin:{code}", name=name)
    db.session.commit()
    click.echo(f"BIN {code} '{name}' added.")


@bin_cli.command("list")
def list_bins() -> None:
    """BINs with their member counts."""
    counts = dict(db.session.execute(
        select(Membership.bin_id, func.count()).group_by(Membership.bin_id)
    ).all())
    table = Table("code", "name", "municipality", "coordinator", "members")
    for b in db.session.scalars(select(Bin).order_by(Bin.code)):
        table.add_row(b.code, b.name, b.municipality or "", b.coordinator_email or "",
                      str(counts.get(b.id, 0)))
    Console().print(table)
