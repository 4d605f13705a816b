"""`demo load`: a small, idempotent demo data set for `make run` and training."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from domain import members_csv, spreadsheet
from domain.db import db
from domain.models import Bin, Officer, audit
from domain.pins import hash_pin
from ivr.live import DEMO_LOAD_REFUSED, is_live

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
DEMO_BINS = [
    ("11", "BIN Centrum", "Grensdorp", "centrum@bin.example"),
    ("12", "BIN Heide", "Grensdorp", "heide@bin.example"),
]
DEMO_OFFICER = ("4711", "Inspecteur Demo", "246810")

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
@click.option("--members", "members_file", type=click.Path(exists=True, path_type=Path),
              default=DEMO_DIR / "members.csv", show_default=True)
def load(members_file: Path) -> None:
    """Load demo BINs, members and officer 4711 (PIN 246810); safe to run twice.

    Never on the live carrier: the officer's PIN is in the README."""
    if is_live(current_app.config):
        raise click.ClickException(DEMO_LOAD_REFUSED)
    for code, name, municipality, email in DEMO_BINS:
        if not db.session.scalar(select(Bin).where(Bin.code == code)):
            db.session.add(Bin(code=code, name=name, municipality=municipality,
                               coordinator_email=email))
    number, name, pin = DEMO_OFFICER
    if not db.session.scalar(select(Officer).where(Officer.number == number)):
        db.session.add(Officer(number=number, name=name, pin_hash=hash_pin(pin)))
    db.session.flush()
    codes = set(db.session.scalars(select(Bin.code)))
    try:
        members_text = spreadsheet.read_text(members_file).text
    except spreadsheet.BadFile as exc:
        raise click.ClickException(str(exc)) from None
    report = members_csv.validate(members_text, codes,
                                  current_app.config["ALLOWED_COUNTRIES"])
    if report.errors:
        raise click.ClickException("demo member list is invalid: " + "; ".join(report.errors))
    members_csv.store(report)
    audit("cli", "demo.load", members_file.name, rows=len(report.rows))
    db.session.commit()
    click.echo(f"Demo data: {len(DEMO_BINS)} BINs, officer {number} (PIN {pin}), "
               f"{len(report.rows)} member rows.")
