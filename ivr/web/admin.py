"""The police admin's pages: BINs, officers, web users and the audit log.

This module holds the blueprint and the BIN pages; the officers, web users and audit
pages add their routes to the same blueprint from modules of their own (imported at the
end). Every change is audited with the signed-in admin's e-mail address as the actor."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain import bins
from domain.db import db
from domain.models import Bin, Role
from domain.officer_admin import mask_number
from ivr.web.admin_forms import ROLE_LABELS, BinEditForm, BinForm, reason_text
from ivr.web.permissions import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN = Role.ADMIN
NUMBER = re.compile(r"\+[0-9]{8,15}")


def actor() -> str:
    """Who the audit log names for a change made on these pages."""
    return current_user.email


def get_or_404(model, row_id: int):
    row = db.session.get(model, row_id)
    if row is None:
        abort(404)
    return row


def masked(text: str | None) -> str:
    """Phone numbers inside a text (an audit actor, a lock's subject), masked."""
    return NUMBER.sub(lambda m: mask_number(m.group(0)), text or "")


def local_time(moment: datetime | None) -> str:
    """A stored UTC moment as the zone reads it (TIMEZONE)."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(
        "%Y-%m-%d %H:%M")


@bp.context_processor
def _helpers() -> dict:
    return {"local_time": local_time, "masked": masked, "role_labels": ROLE_LABELS}


@bp.route("/bins", endpoint="bins")
@roles_required(ADMIN)
def bins_index():
    """Every BIN with its member count, coordinator accounts and callback replay."""
    return render_template("admin/bins.html", rows=bins.overview())


@bp.route("/bins/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def new_bin():
    """Add a BIN."""
    form = BinForm(callback_replay=True)
    if form.validate_on_submit():
        try:
            row = bins.add_bin(form.code.data, actor=actor(), **form.values())
        except bins.BinError as exc:
            getattr(form, exc.field).errors.append(reason_text(exc.field, exc.reason))
        else:
            db.session.commit()
            flash(_("BIN %(code)s %(name)s added.", code=row.code, name=row.name), "success")
            return redirect(url_for("admin.bins"))
    return render_template("admin/bin_form.html", form=form, row=None)


@bp.route("/bins/<int:bin_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit_bin(bin_id: int):
    """Change a BIN's name, municipality, coordinator or callback replay."""
    row = get_or_404(Bin, bin_id)
    form = BinEditForm(obj=row)
    if form.validate_on_submit():
        try:
            changes = bins.edit_bin(row, actor=actor(), **form.values())
        except bins.BinError as exc:
            getattr(form, exc.field).errors.append(reason_text(exc.field, exc.reason))
        else:
            db.session.commit()
            flash(_("BIN %(code)s saved.", code=row.code) if changes
                  else _("Nothing changed."), "success" if changes else "info")
            return redirect(url_for("admin.bins"))
    return render_template("admin/bin_form.html", form=form, row=row)


from ivr.web import admin_audit, admin_officers, admin_users  # noqa: E402, F401
