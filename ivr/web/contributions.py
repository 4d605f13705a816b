"""The yearly contribution: who paid, marking by hand, the settings, and per member the
payment instructions with the EPC QR code (to print for a member without e-mail).

A coordinator's own BINs only: every contribution, membership and BIN is looked up
through `my_bins()`, so another BIN's row is a 404 before any form is read. The police
set a BIN's fee on their BIN form; member payments are the BIN's own business. The bank
statement upload is in `ivr.web.contribution_statements`."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from stdnum import iban as iban_number

from domain import bins as bin_domain
from domain import contributions
from domain.db import db
from domain.models import Bin, Contribution, Membership, Role, audit
from ivr.web.admin_forms import reason_text
from ivr.web.contribution_forms import ActionForm, FeeForm, PaidForm
from ivr.web.contribution_picture import paid_bar
from ivr.web.members import my_bins
from ivr.web.permissions import roles_required

bp = Blueprint("contributions", __name__, url_prefix="/contributions")
C = Role.COORDINATOR


def _bin_or_404(bin_id: int) -> Bin:
    if bin_id not in my_bins():
        abort(404)
    return db.session.get(Bin, bin_id) or abort(404)


def _contribution_or_404(contribution_id: int) -> Contribution:
    row = db.session.get(Contribution, contribution_id)
    if row is None or row.membership.bin_id not in my_bins():
        abort(404)
    return row


def _back(row_bin_id: int, year: int):
    return redirect(url_for("contributions.index", bin=row_bin_id, year=year))


@bp.app_template_filter("euro")
def euro(cents: int | None) -> str:
    """€ 7,50 as Belgians write it."""
    cents = cents or 0
    return f"€\u00a0{cents // 100},{cents % 100:02d}"


@bp.app_template_filter("paid_day")
def paid_day(moment) -> str:
    """A payment's stored moment as its date in Belgium: 02/03/2026."""
    return moment.astimezone(contributions.ZONE).strftime("%d/%m/%Y") if moment else ""


@bp.app_template_filter("iban_spaced")
def iban_spaced(iban: str | None) -> str:
    """BE71096123456769 as printed: BE71 0961 2345 6769."""
    return iban_number.format(iban) if iban else ""


@bp.route("")
@roles_required(C)
def index():
    """A BIN's year: every member's contribution, the totals and a picture of paid vs due."""
    mine = db.session.scalars(select(Bin).where(Bin.id.in_(my_bins()))
                              .order_by(Bin.code)).all()
    if not mine:
        abort(404)
    chosen = request.args.get("bin", type=int)
    bin_ = next((b for b in mine if b.id == chosen), mine[0])
    years = contributions.years(bin_.id)
    year = request.args.get("year", type=int)
    year = year if year in years else contributions.this_year()
    view = contributions.overview(bin_, year)
    audit(current_user.email, "contribution.list", None, bins=[bin_.id], year=year)
    db.session.commit()
    return render_template("contributions/index.html", view=view, bins=mine, years=years,
                           picture=paid_bar(view), paid_form=PaidForm(),
                           action=ActionForm(), today=date.today().isoformat())


@bp.route("/<int:contribution_id>/paid", methods=["POST"])
@roles_required(C)
def mark_paid(contribution_id: int):
    """Mark one contribution paid by hand (date, optional note); audited."""
    row = _contribution_or_404(contribution_id)
    form = PaidForm()
    if not form.validate_on_submit():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        flash(" ".join(problems) or _("Check what you entered and try again."), "error")
    elif contributions.mark_paid(row.id, current_user.email, form.day.data, form.note.data):
        db.session.commit()
        flash(_("%(name)s: paid on %(day)s.", name=row.membership.member.name,
                day=form.day.data.strftime("%d/%m/%Y")), "success")
    else:
        flash(_("This contribution was already marked paid."), "info")
    return _back(row.membership.bin_id, row.year)


@bp.route("/<int:contribution_id>/unpaid", methods=["POST"])
@roles_required(C)
def undo_paid(contribution_id: int):
    """Take back a payment marked by mistake; audited."""
    row = _contribution_or_404(contribution_id)
    if ActionForm().validate_on_submit() and contributions.undo_paid(row.id,
                                                                     current_user.email):
        db.session.commit()
        flash(_("%(name)s: the payment was taken back; the contribution is due again.",
                name=row.membership.member.name), "success")
    return _back(row.membership.bin_id, row.year)


@bp.route("/ask/<int:membership_id>", methods=["POST"])
@roles_required(C)
def ask(membership_id: int):
    """Ask this year's contribution of a member who has none (imported by the coordinator)."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.bin_id not in my_bins():
        abort(404)
    year = contributions.this_year()
    if ActionForm().validate_on_submit():
        row = contributions.ask(membership, year, current_user.email)
        if row is None:
            flash(_("This BIN asks no contribution: set an amount first."), "info")
        else:
            db.session.commit()
            flash(_("%(name)s is asked %(amount)s for %(year)s.",
                    name=membership.member.name, amount=euro(row.amount_cents), year=year),
                  "success")
    return _back(membership.bin_id, year)


@bp.route("/<int:contribution_id>/instructions")
@roles_required(C)
def instructions(contribution_id: int):
    """One member's payment instructions with the EPC QR code, ready to print."""
    row = _contribution_or_404(contribution_id)
    bin_ = row.membership.bin
    return render_template("contributions/instructions.html", row=row, bin=bin_,
                           member=row.membership.member,
                           communication=contributions.formatted(row.reference))


@bp.route("/<int:contribution_id>/qr.png")
@roles_required(C)
def qr_png(contribution_id: int):
    """The EPC QR code as a PNG (to put in a letter)."""
    row = _contribution_or_404(contribution_id)
    png = contributions.epc_qr_png(row.membership.bin, row, scale=8)
    return Response(png, mimetype="image/png", headers={
        "Content-Disposition": f'inline; filename="contribution-{row.reference}.png"',
        "Cache-Control": "private, no-store"})


@bp.route("/settings/<int:bin_id>", methods=["GET", "POST"])
@roles_required(C)
def settings(bin_id: int):
    """The coordinator sets their own BIN's yearly amount, IBAN and BIC; audited."""
    bin_ = _bin_or_404(bin_id)
    form = FeeForm(obj=bin_)
    if form.validate_on_submit():
        try:
            changes = bin_domain.edit_bin(bin_, current_user.email, **form.values())
        except bin_domain.BinError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(reason_text(exc.field, exc.reason))
        else:
            db.session.commit()
            flash(_("Contribution settings of BIN %(code)s saved.", code=bin_.code)
                  if changes else _("Nothing changed."), "success" if changes else "info")
            return redirect(url_for("contributions.index", bin=bin_.id))
    return render_template("contributions/settings.html", form=form, bin=bin_)


from ivr.web import contribution_statements  # noqa: E402, F401
