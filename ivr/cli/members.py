"""`member import` and `member export`, in the CSV format of DESIGN.md; `member erase`
and `member export --person` for one person's right to erasure and of access."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from domain import erasure, members_csv, spreadsheet
from domain.db import db
from domain.models import Bin, Member, Membership, audit
from domain.numbers import NumberRefused, parse_phone
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
    used = {row.bin_code for row in report.rows}
    audit("cli", "member.import", file.name[:120], rows=len(report.rows), created=report.created,
          updated=report.updated, memberships=report.memberships_added,
          bins=sorted(db.session.scalars(select(Bin.id).where(Bin.code.in_(used)))))
    db.session.commit()
    click.echo(
        f"Imported {len(report.rows)} rows from {file.name}: {report.created} new members, "
        f"{report.updated} updated, {report.memberships_added} new memberships, "
        f"{len(report.warnings)} warning(s)."
    )


def _person(member_id: int | None, phone: str | None) -> Member:
    """The one member named by --id or --phone; several on one number: ask for --id."""
    if (member_id is None) == (phone is None):
        raise click.UsageError("give exactly one of --id N or --phone E164")
    if member_id is not None:
        member = db.session.get(Member, member_id)
        if member is None:
            raise click.ClickException(f"no member {member_id}")
        return member
    try:
        phone = parse_phone(phone, current_app.config["ALLOWED_COUNTRIES"]).e164
    except NumberRefused:
        phone = phone.strip()
    found = erasure.find_by_phone(phone)
    if not found:
        raise click.ClickException("no member has this number")
    if len(found) > 1:
        ids = ", ".join(str(m.id) for m in found)
        raise click.ClickException(f"members {ids} share this number: choose one with --id")
    return found[0]


def _bin_codes(member: Member) -> str:
    return ", ".join(sorted(ms.bin.code for ms in member.memberships)) or "none"


person_options = [
    click.option("--id", "member_id", type=int, help="The member's id."),
    click.option("--phone", help="One of the member's numbers (E.164, e.g. +32470123456)."),
]


def _with_person_options(command):
    for option in reversed(person_options):
        command = option(command)
    return command


@member_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--excel", is_flag=True,
              help="For Excel: UTF-8 with BOM, semicolons, phone numbers kept as text.")
@click.option("--person", is_flag=True,
              help="One person's data as JSON (to FILE, or the screen), with --id or --phone.")
@_with_person_options
def export_members(file: Path | None, excel: bool, person: bool, member_id: int | None,
                   phone: str | None) -> None:
    """Write all members to FILE.csv, one row per BIN membership; or, with --person,
    everything stored about one person as JSON (their right of access).

    Cells Excel would run as a formula start with a quote; `member import` reads both
    formats back to the same members.
    """
    if person:
        _export_person(file, _person(member_id, phone))
        return
    if file is None:
        raise click.UsageError("give the FILE to write (or --person)")
    members = db.session.scalars(
        select(Member).options(selectinload(Member.memberships).selectinload(Membership.bin))
        .order_by(Member.name, Member.id)
    ).all()
    try:
        file.write_bytes(members_csv.export_rows(members, excel=excel).encode("utf-8"))
    except OSError as exc:
        raise click.ClickException(f"cannot write {file}: {exc.strerror or exc}") from None
    audit("cli", "member.export", file.name[:120], members=len(members),
          bins=sorted({ms.bin_id for m in members for ms in m.memberships}))
    db.session.commit()
    click.echo(f"Exported {len(members)} members to {file}.")


def _export_person(file: Path | None, member: Member) -> None:
    text = json.dumps(erasure.person_data(member), ensure_ascii=False, indent=2)
    if file is None:
        click.echo(text)
    else:
        try:
            file.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {file}: {exc.strerror or exc}") from None
    audit("cli", "member.export", str(member.id), format="person",
          bins=sorted(ms.bin_id for ms in member.memberships))
    db.session.commit()
    if file is not None:
        click.echo(f"Exported member {member.id}'s data to {file}.")


@member_cli.command("erase")
@_with_person_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_member(member_id: int | None, phone: str | None, yes: bool) -> None:
    """Erase one person everywhere (their right to erasure): their member row, BIN
    memberships, applications, contributions, mails and calls from their numbers. Past
    broadcasts keep only anonymous counts. It cannot be undone."""
    member = _person(member_id, phone)
    click.echo(f"Member {member.id}: {member.name}, BINs {_bin_codes(member)}.")
    if not yes:
        click.confirm("Erase this person everywhere? This cannot be undone", abort=True)
    done = erasure.erase_person(member, "cli")
    db.session.commit()
    erasure.checkpoint()
    click.echo(f"Erased member {done.member_id}: {done.deliveries} deliveries kept as "
               f"anonymous counts ({done.cancelled} not called any more), "
               f"{done.applications} applications, {done.mails} mails and "
               f"{done.inbound_calls} inbound calls deleted, "
               f"{done.audit_entries} audit entries cleaned.")
