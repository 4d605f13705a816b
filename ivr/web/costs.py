"""What calls cost: per BIN and month with a picture, and per message of one month.

A coordinator sees their own BINs only; the police see every BIN (domain.costs). Another
BIN asked for by a coordinator is a 404, as everywhere in the web app. The broadcast page
shows a message's own cost and estimate (`broadcast_costs`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from domain import costs
from domain.broadcast import history
from domain.db import db
from domain.models import Bin, Message
from ivr.web.bar_picture import stacked_bar
from ivr.web.permissions import EVERY_ROLE, roles_required, visible_bin_ids
from ivr.web.reports import money

bp = Blueprint("costs", __name__, url_prefix="/costs")
MONTHS_SHOWN = 12


def _scope() -> tuple[list[Bin], set[int] | None, Bin | None]:
    """The visible BINs, the scope of the figures, and the one BIN asked for (if any)."""
    visible = visible_bin_ids()
    query = select(Bin).order_by(Bin.code)
    if visible is not None:
        query = query.where(Bin.id.in_(visible))
    bins = list(db.session.scalars(query))
    chosen_id = request.args.get("bin", type=int)
    if chosen_id is None:
        return bins, visible, None
    chosen = next((b for b in bins if b.id == chosen_id), None)
    if chosen is None:
        abort(404)
    return bins, {chosen.id}, chosen


def month_label(month: str) -> str:
    """'2026-03' as the page's language writes it: 'maart 2026'."""
    start, _end = costs.month_bounds(month)
    return format_date(start.astimezone(costs.ZONE).date(), "MMMM y")


def month_bar(month: str, amount: Decimal, largest: Decimal, unit: str) -> Markup:
    """One month's cost as a bar as long as its share of the dearest month."""
    label = _("%(month)s: %(amount)s", month=month_label(month), amount=money(amount, unit))
    spent = int(amount * 100)
    rest = max(0, int(largest * 100) - spent)
    return stacked_bar([(spent, "cost"), (rest, "blank")], label)


@bp.get("")
@roles_required(*EVERY_ROLE)
def index():
    """Totals per BIN per month with a picture, and the messages of one month."""
    bins, scope, chosen = _scope()
    months = costs.recent_months(MONTHS_SHOWN)
    month = request.args.get("month")
    if month not in months:
        month = months[-1]
    per_month = costs.by_bin_and_month(months, scope)
    names = {b.id: b for b in bins}
    table = []
    for name in reversed(months):
        for bin_id, cost in sorted(per_month[name].items(),
                                   key=lambda item: names[item[0]].code.zfill(4)
                                   if item[0] in names else "~"):
            table.append((name, names.get(bin_id), cost))
    totals = {name: _sum(per_month[name].values()) for name in months}
    largest = max([t.amount for t in totals.values()] + [Decimal(0)])
    unit = current_app.config["COST_UNIT"]
    bars = [(name, totals[name], month_bar(name, totals[name].amount, largest, unit))
            for name in months]
    return render_template(
        "costs/index.html", bins=bins, chosen=chosen, months=months, month=month,
        month_label=month_label, table=table, bars=bars, unit=unit,
        total=_sum(totals.values()), messages=costs.by_message(month, scope))


def _sum(items) -> costs.Cost:
    total = costs.Cost()
    for cost in items:
        total.add(cost)
    return total


def broadcast_costs(message: Message, scope: set[int] | None,
                    now: datetime | None = None) -> dict:
    """The broadcast page's costs: so far, and before or while sending the estimate with
    any budget warning, for the BINs in the viewer's scope."""
    spent = costs.message_cost(message.id, scope)
    context: dict = {"cost": spent, "cost_unit": current_app.config["COST_UNIT"],
                     "estimate": None, "budget_warnings": []}
    if history.finished(message):
        return context
    est = costs.message_estimate(message)
    if scope is not None:
        est = est.only(scope)
    context["estimate"] = est
    context["budget_warnings"] = costs.budget_warnings(est, now)
    return context
