"""`flask --app ivr costs [--month YYYY-MM] [--bin CODE]`: what calls cost (issue 15).

Without --month: each BIN's calls of the last 12 months, a row per BIN and month. With
--month: that month per BIN, then per message. Amounts are the carrier's prices in
COST_UNIT; calls whose price the carrier has not reported yet are counted as unpriced."""

from __future__ import annotations

import re

import click
from flask import current_app
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from domain import costs
from domain.db import db
from domain.models import Bin

MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def _month(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not MONTH.fullmatch(value):
        raise click.BadParameter("must be a month as YYYY-MM, e.g. 2026-03")
    return value


def _row(cost: costs.Cost) -> list[str]:
    return [str(cost.calls), str(cost.minutes), str(cost.unpriced), f"{cost.amount:.2f}"]


@click.command("costs")
@click.option("--month", callback=_month, metavar="YYYY-MM",
              help="One month (in Belgium), with its messages; default: the last 12 months.")
@click.option("--bin", "bin_code", metavar="CODE", help="Only this BIN.")
def costs_command(month: str | None, bin_code: str | None) -> None:
    """What calls cost per BIN and month (and per message with --month)."""
    bins = {b.id: b for b in db.session.scalars(select(Bin).order_by(Bin.code))}
    scope = None
    if bin_code is not None:
        chosen = [b for b in bins.values() if b.code == bin_code]
        if not chosen:
            raise click.ClickException(f"no BIN with code {bin_code} (see `bin list`)")
        scope = {chosen[0].id}
    unit = current_app.config["COST_UNIT"]
    months = [month] if month else costs.recent_months(12)
    table = Table("month", "BIN", "calls", "minutes", "unpriced", f"cost ({unit})",
                  title="Call costs per BIN and month")
    total = costs.Cost()
    for name, per_bin in costs.by_bin_and_month(months, scope).items():
        for bin_id, cost in sorted(per_bin.items(), key=lambda i: _code(bins, i[0])):
            table.add_row(name, _bin_label(bins, bin_id), *_row(cost))
            total.add(cost)
    table.add_section()
    table.add_row("total", "", *_row(total))
    console = Console()
    console.print(table)
    if month:
        messages = Table("message", "kind", "sent", "calls", "minutes", "unpriced",
                         f"cost ({unit})", title=f"Per message, {month}")
        for message, cost in costs.by_message(month, scope):
            sent = message.confirmed_at or message.created_at
            messages.add_row(str(message.id), message.kind,
                             sent.astimezone(costs.ZONE).strftime("%Y-%m-%d %H:%M"),
                             *_row(cost))
        console.print(messages)
    if total.unpriced:
        click.echo(f"{total.unpriced} calls have no price yet: the carrier reports it some "
                   "time after a call, and the worker fetches it.")


def _code(bins: dict[int, Bin], bin_id: int | None) -> str:
    return bins[bin_id].code.zfill(4) if bin_id in bins else "~"


def _bin_label(bins: dict[int, Bin], bin_id: int | None) -> str:
    if bin_id is None or bin_id not in bins:
        return "(no BIN: test calls)"
    return f"{bins[bin_id].code} {bins[bin_id].name}"
