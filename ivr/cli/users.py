"""`user add|list|deactivate`: who may sign in to the web app, with which role and BINs.

A password is read from a hidden prompt (asked twice) or, for scripts, from the first
line of standard input (`--password-stdin`). For police roles `user add` prints the TOTP
provisioning URI once; the web app shows it as a QR code at the first sign-in."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from domain.db import db
from domain.models import Role, WebUser
from domain.web_users import UserError, create_user, deactivate, find_user, provisioning_uri

user_cli = AppGroup("user", help="Web users: police admins, dispatchers, coordinators.")


@user_cli.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--bin", "bin_codes", multiple=True, metavar="CODE",
              help="A BIN the coordinator keeps (repeat for more).")
@click.option("--name", help="The name shown in the app and the audit log.")
@click.option("--language", type=click.Choice(["nl", "fr", "de", "en"]), default="nl",
              show_default=True)
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
def add(email: str, role: str, bin_codes: tuple[str, ...], name: str | None,
        language: str, password_stdin: bool) -> None:
    """Add a web user (at least 12 characters of password; coordinators need --bin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True,
                                confirmation_prompt="Password again")
    try:
        user = create_user(email, Role(role), password, bin_codes, name=name,
                           language=language)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Web user {user.email} added as {user.role}"
               + (f" for BIN {', '.join(bin_codes)}" if bin_codes else "") + ".")
    if user.totp_secret:
        click.echo("Second factor: scan this in an authenticator app (shown once; the web "
                   "app shows it as a QR code at the first sign-in):")
        click.echo(provisioning_uri(user))


@user_cli.command("list")
def list_users() -> None:
    """Web users with their role, BINs, and last sign-in."""
    table = Table("e-mail", "name", "role", "BINs", "second factor", "active",
                  "last sign-in (UTC)")
    for user in db.session.scalars(select(WebUser).order_by(WebUser.email)):
        factor = "n/a" if not user.role_enum.is_police else (
            "enrolled" if user.totp_confirmed_at else "not yet enrolled")
        last = user.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if user.last_sign_in_at else "never"
        table.add_row(user.email, user.name or "", user.role,
                      ", ".join(sorted(link.bin.code for link in user.bins)), factor,
                      "yes" if user.active else "no", last)
    Console(width=140).print(table)


@user_cli.command("deactivate")
@click.argument("email")
def deactivate_user(email: str) -> None:
    """Stop a web user signing in; their open sessions end at the next request."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no web user {email}")
    deactivate(user, actor="cli")
    db.session.commit()
    click.echo(f"Web user {user.email} deactivated.")
