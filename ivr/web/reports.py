"""A BIN's yearly report for its treasurer and members: a printable page and a CSV.

Counts and sums only (domain.yearly_report), so the police may read every BIN's and a
coordinator their own BINs'; another BIN's report is a 404 to a coordinator."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from domain import yearly_report
from domain.db import db
from domain.models import Bin
from ivr.web.bar_picture import stacked_bar
from ivr.web.permissions import EVERY_ROLE, roles_required, visible_bin_ids

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _visible_bins() -> list[Bin]:
    visible = visible_bin_ids()
    query = select(Bin).order_by(Bin.code)
    if visible is not None:
        query = query.where(Bin.id.in_(visible))
    return list(db.session.scalars(query))


def _bin_or_404(bin_id: int) -> Bin:
    visible = visible_bin_ids()
    if visible is not None and bin_id not in visible:
        abort(404)
    return db.session.get(Bin, bin_id) or abort(404)


@bp.app_template_filter("money")
def money(amount: Decimal | int, unit: str) -> str:
    """An amount in its currency as Belgians write it: € 0,45, USD 12,30."""
    sign = "€" if unit == "EUR" else unit
    return f"{sign}\u00a0{Decimal(amount):.2f}".replace(".", ",")


def reach_bar(reach: yearly_report.Reach) -> Markup:
    """Answered, voicemail and not reached, as one bar."""
    missed = reach.people - reach.reached
    label = _("%(answered)d answered, %(voicemail)d voicemail, %(missed)d not reached",
              answered=reach.answered, voicemail=reach.voicemail, missed=missed)
    return stacked_bar([(reach.answered, "paid"), (reach.voicemail, "reach-voicemail"),
                        (missed, "other")], label)


@bp.route("")
@roles_required(*EVERY_ROLE)
def index():
    """Pick a BIN and a year; the first visible BIN and this year by default."""
    bins = _visible_bins()
    if not bins:
        abort(404)
    chosen = request.args.get("bin", type=int)
    bin_ = next((b for b in bins if b.id == chosen), bins[0])
    years = yearly_report.years(bin_.id)
    year = request.args.get("year", type=int)
    return redirect(url_for("reports.show", bin_id=bin_.id,
                            year=year if year in years else years[0]))


@bp.route("/<int:bin_id>/<int:year>")
@roles_required(*EVERY_ROLE)
def show(bin_id: int, year: int):
    """The year in figures, as a page that prints on A4."""
    bin_ = _bin_or_404(bin_id)
    report = yearly_report.build(bin_.id, year)
    return render_template("reports/year.html", report=report, reach_bar=reach_bar(report.reach),
                           bins=_visible_bins(), years=yearly_report.years(bin_.id))


@bp.route("/<int:bin_id>/<int:year>.csv")
@roles_required(*EVERY_ROLE)
def csv_file(bin_id: int, year: int):
    """The same figures, one a line: section, item, value, unit."""
    bin_ = _bin_or_404(bin_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "item", "value", "unit"])
    writer.writerows(yearly_report.build(bin_.id, year).rows())
    response = Response(out.getvalue().encode("utf-8"), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="jaarverslag-bin-{bin_.code}-{year}.csv"'
    return response
