"""`member import` and `member export`, in the CSV format of DESIGN.md."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from domain import members_csv, spreadsheet
from domain.db import db
from domain.models import Bin, Member, Membership, audit
from ivr.cli.file_report import refuse_if_bad

member_cli = AppGroup("member", help="BIN members.")


@member_cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
def import_members(file: Path) -> None:
    """Import members from FILE.csv; a file with any bad row imports nothing."""
    console = Console(stderr=True, soft_wrap=True)
    try:
        decoded = spreadsheet.read_text(file)
    except spreadsheet.BadFile as exc:
        raise click.ClickException(f"{exc}; nothing was imported") from None
    text = decoded.text
    total = max(text.count("\n") - 1, 1)
    codes = set(db.session.scalars(select(Bin.code)))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Checking rows", total=total)
        report = members_csv.validate(
            text, codes, current_app.config["ALLOWED_COUNTRIES"],
            progress=lambda n: progress.advance(task, n),
        )
    console.print(f"Read {file.name} as {decoded.encoding}, separator {report.delimiter}",
                  markup=False, highlight=False)
    refuse_if_bad(console, report.warnings, report.errors, file.name)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Importing", total=len(report.rows))
        members_csv.store(report, progress=lambda n: progress.advance(task, n))
    audit("cli", "member.import", file.name[:120], rows=len(report.rows), created=report.created,
          updated=report.updated, memberships=report.memberships_added)
    db.session.commit()
    click.echo(
        f"Imported {len(report.rows)} rows from {file.name}: {report.created} new members, "
        f"{report.updated} updated, {report.memberships_added} new memberships, "
        f"{len(report.warnings)} warning(s)."
    )


@member_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--excel", is_flag=True,
              help="For Excel: UTF-8 with BOM, semicolons, phone numbers kept as text.")
def export_members(file: Path, excel: bool) -> None:
    """Write all members to FILE.csv, one row per BIN membership.

    Cells Excel would run as a formula start with a quote; `member import` reads both
    formats back to the same members.
    """
    members = db.session.scalars(
        select(Member).options(selectinload(Member.memberships).selectinload(Membership.bin))
        .order_by(Member.name, Member.id)
    ).all()
    try:
        file.write_bytes(members_csv.export_rows(members, excel=excel).encode("utf-8"))
    except OSError as exc:
        raise click.ClickException(f"cannot write {file}: {exc.strerror or exc}") from None
    audit("cli", "member.export", file.name[:120], members=len(members))
    db.session.commit()
    click.echo(f"Exported {len(members)} members to {file}.")
