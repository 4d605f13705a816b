"""`zone import`, `zone export` and `zone list`, in the CSV format of domain.zones_csv."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from domain import spreadsheet, zones, zones_csv
from domain.db import db
from domain.models import Bin, audit
from ivr.cli.file_report import refuse_if_bad

zone_cli = AppGroup("zone", help="BIN zones: streets and house-number ranges.")


@zone_cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
def import_zones(file: Path) -> None:
    """Replace the zone of each BIN named in FILE.csv; a file with any bad row stores
    nothing."""
    console = Console(stderr=True, soft_wrap=True)
    try:
        decoded = spreadsheet.read_text(file)
    except spreadsheet.BadFile as exc:
        raise click.ClickException(f"{exc}; nothing was imported") from None
    codes = set(db.session.scalars(select(Bin.code)))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Checking rows", total=max(decoded.text.count("\n") - 1, 1))
        report = zones_csv.validate(decoded.text, codes,
                                    progress=lambda n: progress.advance(task, n))
    refuse_if_bad(console, report.warnings, report.errors, file.name)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Importing", total=len(report.rows))
        changes = zones_csv.replace_zones(report.rows,
                                          progress=lambda n: progress.advance(task, n))
    for change in changes:
        audit("cli", "zone.import", f"BIN {change.code}", file=file.name[:120],
              rows_before=change.rows_before, rows=change.rows_after,
              streets_added=len(change.added), streets_removed=len(change.removed))
    db.session.commit()
    zones.changed()
    for change in changes:
        click.echo(f"BIN {change.code}: {change.rows_before} -> {change.rows_after} rows, "
                   f"{len(change.added)} street(s) added, {len(change.removed)} removed.")
        for street in change.added[:20]:
            click.echo(f"  + {street}")
        for street in change.removed[:20]:
            click.echo(f"  - {street}")
    click.echo(f"Imported {len(report.rows)} zone rows from {file.name} for "
               f"{len(changes)} BIN(s), {len(report.warnings)} warning(s).")


def _bins(code: str | None) -> list[Bin]:
    query = select(Bin).options(selectinload(Bin.streets)).order_by(Bin.code)
    if code is not None:
        query = query.where(Bin.code == code)
    found = list(db.session.scalars(query))
    if code is not None and not found:
        raise click.ClickException(f"no BIN with code {code}")
    return found


@zone_cli.command("export")
@click.option("--bin", "code", help="Only this BIN's zone.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_zones(code: str | None, file: Path) -> None:
    """Write the zones (of every BIN, or --bin CODE) to FILE.csv, the import's format."""
    found = _bins(code)
    try:
        file.write_bytes(zones_csv.export_rows(found).encode("utf-8"))
    except OSError as exc:
        raise click.ClickException(f"cannot write {file}: {exc.strerror or exc}") from None
    rows = sum(len(b.streets) for b in found)
    click.echo(f"Exported {rows} zone rows of {len(found)} BIN(s) to {file}.")


@zone_cli.command("list")
@click.argument("code")
def list_zone(code: str) -> None:
    """Show one BIN's zone: street, postcode, municipality, house numbers."""
    (b,) = _bins(code)
    table = Table("Street", "Postcode", "Municipality", "Numbers",
                  title=f"BIN {b.code} {b.name}")
    for s in sorted(b.streets, key=zones_csv.sort_key):
        table.add_row(escape(s.street), s.postcode, escape(s.municipality or ""),
                      range_text(s.house_from, s.house_to, s.parity))
    Console(soft_wrap=True).print(table)


def range_text(house_from: int | None, house_to: int | None, parity: str) -> str:
    """'2-48 even', 'from 50', 'all numbers' (English, for the terminal)."""
    if house_from is None and house_to is None:
        numbers = "all numbers" if parity == "all" else f"all {parity} numbers"
        return numbers
    if house_to is None:
        text = f"from {house_from}"
    elif house_from is None:
        text = f"up to {house_to}"
    else:
        text = f"{house_from}-{house_to}"
    return text if parity == "all" else f"{text} {parity}"
