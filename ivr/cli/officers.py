"""`officer add|list|unlock|set-pin|deactivate`: who may use the recording line.

A PIN is read from a hidden prompt (asked twice) or, for scripts, from the first line of
standard input (`--pin-stdin`); `--pin PIN` still works but leaves the PIN in the shell
history, so the help says so.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from domain import officer_auth
from domain.db import db
from domain.models import Lockout, Officer, audit
from domain.numbers import NumberRefused, parse_phone
from domain.pins import hash_pin

officer_cli = AppGroup("officer", help="Officers allowed on the recording line.")

LOCK_LABELS = {"officer": "other numbers", "bound": "own phones", "caller": "calling number"}


def pin_options(command: Callable) -> Callable:
    command = click.option("--pin-stdin", is_flag=True,
                           help="Read the PIN from the first line of standard input.")(command)
    return click.option("--pin", help="The PIN (6 to 12 digits). Avoid: it stays in the "
                        "shell history; without it the PIN is asked for.")(command)


def read_pin(pin: str | None, pin_stdin: bool) -> str:
    """The PIN from --pin, --pin-stdin or a hidden prompt asked twice; 6 to 12 digits."""
    if pin is not None and pin_stdin:
        raise click.UsageError("give --pin or --pin-stdin, not both")
    if pin_stdin:
        pin = sys.stdin.readline().strip()
    elif pin is None:
        pin = click.prompt("PIN", hide_input=True, confirmation_prompt="PIN again")
    if not re.fullmatch(r"[0-9]{6,12}", pin or ""):
        raise click.BadParameter("must be 6 to 12 digits", param_hint="PIN")
    return pin


def _officer(number: str) -> Officer:
    officer = db.session.scalar(select(Officer).where(Officer.number == number))
    if officer is None:
        raise click.ClickException(f"no officer {number}")
    return officer


def _phones(values: tuple[str, ...]) -> list[str]:
    try:
        return [parse_phone(v, current_app.config["ALLOWED_COUNTRIES"]).e164 for v in values]
    except NumberRefused as exc:
        raise click.ClickException(str(exc)) from exc


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%H:%M")


@officer_cli.command("add")
@click.argument("number")
@click.argument("name")
@pin_options
@click.option("--phone", help="The officer's own phone, for test messages.")
@click.option("--caller", "callers", multiple=True,
              help="Only accept sign-ins from this number (repeatable). Failures from other "
                   "numbers then never lock the officer out.")
def add(number: str, name: str, pin: str | None, pin_stdin: bool, phone: str | None,
        callers: tuple[str, ...]) -> None:
    """Add an officer who identifies on the recording line with NUMBER and a PIN."""
    if not re.fullmatch(r"[0-9]{1,12}", number):
        raise click.BadParameter("must be 1 to 12 digits", param_hint="NUMBER")
    if db.session.scalar(select(Officer).where(Officer.number == number)):
        raise click.ClickException(f"officer {number} already exists")
    own = _phones((phone,))[0] if phone else None
    bound = _phones(callers)
    pin = read_pin(pin, pin_stdin)
    db.session.add(Officer(number=number, name=name, pin_hash=hash_pin(pin), phone=own,
                           allowed_callers=",".join(bound) or None))
    audit("cli", "officer.add", f"officer:{number}", name=name)
    db.session.commit()
    click.echo(f"Officer {number} ({name}) added.")


@officer_cli.command("list")
def list_officers() -> None:
    """Officers, whether they are bound to their own phones, and any running lock."""
    at = officer_auth.now()
    table = Table("number", "name", "status", "own phones")
    table.add_column("failures", no_wrap=True)  # within the last 15 minutes
    table.add_column("locked", no_wrap=True)
    for officer in db.session.scalars(select(Officer).order_by(Officer.number)):
        locks = [f"{LOCK_LABELS[kind]} until {_local(lock.until)}"
                 for kind in ("officer", "bound")
                 for lock in officer_auth.active_locks(kind, officer.number, at)]
        spent = officer_auth.failures("officer", officer.number, at)
        if officer.allowed_callers:
            spent += officer_auth.failures("bound", officer.number, at)
        table.add_row(officer.number, officer.name, "active" if officer.active else "inactive",
                      ", ".join(officer_auth.bound_callers(officer)) or "any number",
                      str(spent), "; ".join(locks) or "no")
    console = Console(soft_wrap=True)
    console.print(table)
    callers = db.session.scalars(select(Lockout).where(
        Lockout.kind == "caller", Lockout.until > at, Lockout.lifted_at.is_(None))
        .order_by(Lockout.until))
    for lock in callers:
        console.print(f"Calling number {lock.subject} locked until {_local(lock.until)}.")


@officer_cli.command("unlock")
@click.argument("number")
@click.option("--caller", "callers", multiple=True,
              help="Also lift the lock of this calling number (repeatable).")
def unlock(number: str, callers: tuple[str, ...]) -> None:
    """Lift the locks of officer NUMBER, of its own phones and of any --caller given."""
    officer = _officer(number)
    phones = sorted(set(officer_auth.bound_callers(officer)) | set(_phones(callers)))
    subjects = [("officer", number), ("bound", number)] + [("caller", p) for p in phones]
    lifted = officer_auth.lift(subjects, "cli")
    audit("cli", "officer.unlock", f"officer:{number}", lifted=len(lifted))
    db.session.commit()
    if not lifted:
        click.echo(f"Officer {number} was not locked; its failed attempts are cleared.")
        return
    what = ", ".join(LOCK_LABELS[lock.kind] + (f" {lock.subject}" if lock.kind == "caller"
                                               else "") for lock in lifted)
    click.echo(f"Officer {number} unlocked ({what}).")


@officer_cli.command("set-pin")
@click.argument("number")
@pin_options
def set_pin(number: str, pin: str | None, pin_stdin: bool) -> None:
    """Give officer NUMBER a new PIN."""
    officer = _officer(number)
    officer.pin_hash = hash_pin(read_pin(pin, pin_stdin))
    audit("cli", "officer.set_pin", f"officer:{number}")
    db.session.commit()
    click.echo(f"New PIN set for officer {number}.")
    if any(officer_auth.is_locked(kind, number) for kind in ("officer", "bound")):
        click.echo(f"Officer {number} is still locked; `officer unlock {number}` lifts it.")


@officer_cli.command("deactivate")
@click.argument("number")
def deactivate(number: str) -> None:
    """Officer NUMBER may no longer sign in (the line answers as for an unknown number)."""
    officer = _officer(number)
    if not officer.active:
        click.echo(f"Officer {number} is already inactive.")
        return
    officer.active = False
    audit("cli", "officer.deactivate", f"officer:{number}", name=officer.name)
    db.session.commit()
    click.echo(f"Officer {number} ({officer.name}) deactivated.")
