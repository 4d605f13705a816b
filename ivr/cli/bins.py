"""`bin add`, `bin edit` and `bin list`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from domain import bins
from domain.db import db
from domain.models import Bin, Membership

bin_cli = AppGroup("bin", help="Neighbourhood information networks (BINs).")

ON_OFF = click.Choice(["on", "off"])
REPLAY_HELP = ("Whether a member calling the caller ID back may hear the latest message "
               "again (the calling number can be spoofed; default on).")


@bin_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--municipality", help="Municipality the BIN lies in.")
@click.option("--coordinator-email", help="The coordinator's e-mail address.")
@click.option("--coordinator-name", help="The coordinator's name.")
@click.option("--callback-replay", type=ON_OFF, default="on", show_default=True,
              help=REPLAY_HELP)
def add(code: str, name: str, municipality: str | None, coordinator_email: str | None,
        coordinator_name: str | None, callback_replay: str) -> None:
    """Add a BIN; CODE is the 1-4 digit code officers key in (0 means all BINs)."""
    try:
        bins.add_bin(code, name, "cli", municipality=municipality,
                     coordinator_email=coordinator_email, coordinator_name=coordinator_name,
                     callback_replay=callback_replay == "on")
    except bins.BinError as exc:
        if exc.reason == "taken":
            raise click.ClickException(f"BIN code {code} is already in use") from None
        if exc.field == "name":
            raise click.BadParameter("must not be empty", param_hint="NAME") from None
        raise click.BadParameter("must be 1 to 4 digits and not 0 (0 selects all BINs)",
                                 param_hint="CODE") from None
    db.session.commit()
    click.echo(f"BIN {code} '{name}' added (callback replay {callback_replay}).")


@bin_cli.command("edit")
@click.argument("code")
@click.option("--name", help="The BIN's new name.")
@click.option("--municipality", help="Municipality the BIN lies in.")
@click.option("--callback-replay", type=ON_OFF, help=REPLAY_HELP)
def edit(code: str, name: str | None, municipality: str | None,
         callback_replay: str | None) -> None:
    """Change a BIN's name, municipality or callback replay; audited with what changed."""
    row = db.session.scalar(select(Bin).where(Bin.code == code))
    if row is None:
        raise click.ClickException(f"no BIN with code {code} (see `bin list`)")
    if name is not None and not name.strip():
        raise click.BadParameter("must not be empty", param_hint="--name")
    wanted = {"name": name, "municipality": municipality,
              "callback_replay": None if callback_replay is None else callback_replay == "on"}
    if not any(value is not None for value in wanted.values()):
        raise click.ClickException(
            "nothing to change: give --name, --municipality or --callback-replay")
    changes = bins.edit_bin(row, "cli", **{field: value for field, value in wanted.items()
                                            if value is not None})
    db.session.commit()
    replay = "on" if row.callback_replay else "off"
    click.echo(f"BIN {code} '{row.name}': {'updated' if changes else 'unchanged'} "
               f"(callback replay {replay}).")


@bin_cli.command("list")
def list_bins() -> None:
    """BINs with their member counts."""
    counts = dict(db.session.execute(
        select(Membership.bin_id, func.count()).group_by(Membership.bin_id)
    ).all())
    table = Table("code", "name", "municipality", "coordinator", "members", "replay")
    for b in db.session.scalars(select(Bin).order_by(Bin.code)):
        table.add_row(b.code, b.name, b.municipality or "", b.coordinator_email or "",
                      str(counts.get(b.id, 0)), "on" if b.callback_replay else "off")
    Console().print(table)
