"""`demo load`: a small, idempotent demo data set for `make run` and training."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from domain import members_csv, spreadsheet, zones
from domain.db import db
from domain.models import Bin, Officer, Role, audit
from domain.pins import hash_pin
from domain.web_users import create_user, find_user
from ivr.live import DEMO_LOAD_REFUSED, is_live

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
DEMO_BINS = [
    ("11", "BIN Centrum", "Grensdorp", "centrum@bin.example"),
    ("12", "BIN Heide", "Grensdorp", "heide@bin.example"),
]
# BIN 11 asks €5 a year (a valid Belfius test account), BIN 12 is free.
DEMO_FEE = ("11", 500, "BE71096123456769", "GKCCBEBB")
DEMO_OFFICER = ("4711", "Inspecteur Demo", "246810")
# Web users of `make run`: (e-mail, name, role, BINs). One password for all, in the README;
# the live guard (ivr.live) refuses to start while any of them can sign in with it.
DEMO_PASSWORD = "buurtlijn-demo"
DEMO_USERS = [
    ("centrum@demo.example", "Coördinator Centrum", Role.COORDINATOR, ("11",)),
    ("heide@demo.example", "Coördinator Heide", Role.COORDINATOR, ("12",)),
    ("dispatcher@demo.example", "Dispatcher Demo", Role.DISPATCHER, ()),
    ("admin@demo.example", "Beheerder Demo", Role.ADMIN, ()),
]

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
    _demo_zones(codes)
    _contributions()
    for email, user_name, role, bin_codes in DEMO_USERS:
        if find_user(email) is None:
            create_user(email, role, DEMO_PASSWORD, bin_codes, name=user_name, actor="demo")
    audit("cli", "demo.load", members_file.name, rows=len(report.rows))
    db.session.commit()
    zones.changed()
    click.echo(f"Demo data: {len(DEMO_BINS)} BINs, officer {number} (PIN {pin}), "
               f"{len(report.rows)} member rows, {len(DEMO_USERS)} web users "
               f"(password {DEMO_PASSWORD}).")


def _demo_zones(codes: set[str]) -> None:
    """Zones for BINs 11 and 12 (demo/zones.csv), unless they have streets already."""
    from domain import zones_csv
    from domain.models import BinStreet

    if db.session.scalar(select(BinStreet.id).limit(1)) is None:
        report = zones_csv.validate((DEMO_DIR / "zones.csv").read_text(encoding="utf-8"), codes)
        if report.errors:
            raise click.ClickException("demo zones are invalid: " + "; ".join(report.errors))
        zones_csv.replace_zones(report.rows)
def _contributions() -> None:
    """BIN 11's fee, and this year's contribution asked of six of its members, three
    paid: the contributions page has something to show (idempotent)."""
    from domain import contributions
    from domain.models import Member, Membership

    code, fee, iban, bic = DEMO_FEE
    bin_ = db.session.scalar(select(Bin).where(Bin.code == code))
    if not bin_.fee_cents:
        bin_.fee_cents, bin_.iban, bin_.bic = fee, iban, bic
        db.session.flush()
    year = contributions.this_year()
    memberships = db.session.scalars(
        select(Membership).join(Member).where(Membership.bin_id == bin_.id)
        .order_by(Member.name).limit(6)).all()
    for index, membership in enumerate(memberships):
        row = contributions.open_contribution(membership, year)
        if index < 3:
            contributions.mark_paid(row.id, "demo", min(date(year, 1, 10 + index),
                                                        date.today()), "demo")
        else:
            contributions.settle(membership.id)


@demo_cli.command("code")
@click.argument("email")
def code(email: str) -> None:
    """Print the current sign-in code of a demo police user (no authenticator needed).

    Only for the demo accounts, and never live: it is a second factor in plain sight."""
    import pyotp

    if is_live(current_app.config):
        raise click.ClickException(DEMO_LOAD_REFUSED)
    user = find_user(email)
    if user is None or email not in {row[0] for row in DEMO_USERS} or not user.totp_secret:
        raise click.ClickException(f"{email} is not a demo police user")
    click.echo(pyotp.TOTP(user.totp_secret).now())
