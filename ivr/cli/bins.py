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
FEE_HELP = "Yearly contribution in euro (5, 7.50 or 7,50; 0 = free); needs --iban."
IBAN_HELP = "The account the contribution is paid to (IBAN; spaces allowed)."
BIC_HELP = "The BIC of that account's bank (optional: Belgian apps find it from the IBAN)."
PROBLEMS = {
    ("code", "format"): ("CODE", "must be 1 to 4 digits and not 0 (0 selects all BINs)"),
    ("code", "zero"): ("CODE", "must be 1 to 4 digits and not 0 (0 selects all BINs)"),
    ("name", "empty"): ("NAME", "must not be empty"),
    ("fee", "format"): ("--fee", "must be an amount in euro, such as 5, 7.50 or 7,50"),
    ("fee", "negative"): ("--fee", "must not be negative (0 = free)"),
    ("fee", "too_high"): ("--fee", f"must be at most {bins.MAX_FEE_CENTS // 100} euro"),
    ("iban", "invalid"): ("--iban", "is not a valid IBAN (check the digits)"),
    ("iban", "needed"): ("--iban", "is needed: a BIN with a fee needs an account"),
    ("bic", "invalid"): ("--bic", "is not a valid BIC (8 or 11 characters)"),
    ("monthly_budget_cents", "format"): ("--budget", "must be an amount in euro, such as 25"),
    ("monthly_budget_cents", "negative"): ("--budget", "must not be negative"),
    ("monthly_budget_cents", "too_high"): ("--budget", "must be at most 100000 euro"),
}


def _refuse(exc: bins.BinError, code: str) -> click.ClickException:
    """The domain's reason as a command-line error on the option it is about."""
    if exc.reason == "taken":
        return click.ClickException(f"BIN code {code} is already in use")
    hint, text = PROBLEMS.get((exc.field, exc.reason), (exc.field, exc.reason))
    return click.BadParameter(text, param_hint=hint)


def fee_text(cents: int) -> str:
    """`€5.00` or `free`, as the list shows it."""
    return f"€{cents / 100:.2f}" if cents else "free"


@bin_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--municipality", help="Municipality the BIN lies in.")
@click.option("--coordinator-email", help="The coordinator's e-mail address.")
@click.option("--coordinator-name", help="The coordinator's name.")
@click.option("--callback-replay", type=ON_OFF, default="on", show_default=True,
              help=REPLAY_HELP)
@click.option("--fee", help=FEE_HELP)
@click.option("--iban", help=IBAN_HELP)
@click.option("--bic", help=BIC_HELP)
def add(code: str, name: str, municipality: str | None, coordinator_email: str | None,
        coordinator_name: str | None, callback_replay: str, fee: str | None,
        iban: str | None, bic: str | None) -> None:
    """Add a BIN; CODE is the 1-4 digit code officers key in (0 means all BINs)."""
    try:
        row = bins.add_bin(code, name, "cli", municipality=municipality,
                           coordinator_email=coordinator_email,
                           coordinator_name=coordinator_name,
                           callback_replay=callback_replay == "on",
                           fee_cents=fee or 0, iban=iban, bic=bic)
    except bins.BinError as exc:
        raise _refuse(exc, code) from None
    db.session.commit()
    click.echo(f"BIN {code} '{name}' added (callback replay {callback_replay}, "
               f"contribution {fee_text(row.fee_cents)}).")


@bin_cli.command("edit")
@click.argument("code")
@click.option("--name", help="The BIN's new name.")
@click.option("--municipality", help="Municipality the BIN lies in.")
@click.option("--coordinator-email", help="The coordinator's e-mail address.")
@click.option("--coordinator-name", help="The coordinator's name.")
@click.option("--callback-replay", type=ON_OFF, help=REPLAY_HELP)
@click.option("--fee", help=FEE_HELP)
@click.option("--iban", help=IBAN_HELP + " An empty value removes it.")
@click.option("--bic", help=BIC_HELP + " An empty value removes it.")
@click.option("--budget", help="Monthly budget for calls in euro, warned about before "
                               "sending (`costs`); an empty value removes it.")
def edit(code: str, name: str | None, municipality: str | None,
         coordinator_email: str | None, coordinator_name: str | None,
         callback_replay: str | None, fee: str | None, iban: str | None,
         bic: str | None, budget: str | None) -> None:
    """Change a BIN's settings (name, coordinator, contribution...); audited with what changed."""
    row = db.session.scalar(select(Bin).where(Bin.code == code))
    if row is None:
        raise click.ClickException(f"no BIN with code {code} (see `bin list`)")
    if name is not None and not name.strip():
        raise click.BadParameter("must not be empty", param_hint="--name")
    wanted = {"name": name, "municipality": municipality,
              "coordinator_email": coordinator_email, "coordinator_name": coordinator_name,
              "callback_replay": None if callback_replay is None else callback_replay == "on",
              "fee_cents": fee, "iban": iban, "bic": bic, "monthly_budget_cents": budget}
    if not any(value is not None for value in wanted.values()):
        raise click.ClickException(
            "nothing to change: give --name, --municipality, --coordinator-email, "
            "--coordinator-name, --callback-replay, --fee, --iban, --bic or --budget")
    try:
        changes = bins.edit_bin(row, "cli", **{field: value for field, value in wanted.items()
                                                if value is not None})
    except bins.BinError as exc:
        db.session.rollback()
        raise _refuse(exc, code) from None
    db.session.commit()
    replay = "on" if row.callback_replay else "off"
    budget_text = "none" if row.monthly_budget_cents is None \
        else f"€{row.monthly_budget_cents / 100:.2f}"
    click.echo(f"BIN {code} '{row.name}': {'updated' if changes else 'unchanged'} "
               f"(callback replay {replay}, contribution {fee_text(row.fee_cents)}, "
               f"monthly budget {budget_text}).")


@bin_cli.command("list")
def list_bins() -> None:
    """BINs with their member counts and yearly contribution."""
    counts = dict(db.session.execute(
        select(Membership.bin_id, func.count()).group_by(Membership.bin_id)
    ).all())
    table = Table("code", "name", "municipality", "coordinator", "members", "replay",
                  "fee")
    for b in db.session.scalars(select(Bin).order_by(Bin.code)):
        table.add_row(b.code, b.name, b.municipality or "", b.coordinator_email or "",
                      str(counts.get(b.id, 0)), "on" if b.callback_replay else "off",
                      fee_text(b.fee_cents))
    Console().print(table)
