"""`officer add`: who may use the recording line."""

from __future__ import annotations

import re

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from domain.db import db
from domain.models import Officer, audit
from domain.numbers import NumberRefused, parse_phone
from domain.pins import hash_pin

officer_cli = AppGroup("officer", help="Officers allowed on the recording line.")


@officer_cli.command("add")
@click.argument("number")
@click.argument("name")
@click.option("--pin", required=True, help="At least 6 digits; stored only as an argon2 hash.")
@click.option("--phone", help="The officer's own phone, for test messages.")
@click.option("--caller", "callers", multiple=True,
              help="Only accept sign-ins from this number (repeatable).")
def add(number: str, name: str, pin: str, phone: str | None, callers: tuple[str, ...]) -> None:
    """Add an officer who identifies on the recording line with NUMBER and a PIN."""
    if not re.fullmatch(r"[0-9]{1,12}", number):
        raise click.BadParameter("must be 1 to 12 digits", param_hint="NUMBER")
    if not re.fullmatch(r"[0-9]{6,12}", pin):
        raise click.BadParameter("must be 6 to 12 digits", param_hint="--pin")
    if db.session.scalar(select(Officer).where(Officer.number == number)):
        raise click.ClickException(f"officer {number} already exists")
    allowed = current_app.config["ALLOWED_COUNTRIES"]
    try:
        own = parse_phone(phone, allowed).e164 if phone else None
        bound = [parse_phone(c, allowed).e164 for c in callers]
    except NumberRefused as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.add(Officer(number=number, name=name, pin_hash=hash_pin(pin), phone=own,
                           allowed_callers=",".join(bound) or None))
    audit("cli", "officer.add", f"officer:{number}", name=name)
    db.session.commit()
    click.echo(f"Officer {number} ({name}) added.")
