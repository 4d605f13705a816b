"""The admin's officer pages: who may use the recording line, their PINs and lockouts.

A PIN made here is shown once, in the answer to the POST itself: it is not put in the
session (a signed, not encrypted, cookie), in a flash message or in any log."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _

from domain import officer_admin
from domain.db import db
from domain.models import Lockout, Officer
from ivr.web.admin import ADMIN, actor, bp, get_or_404
from ivr.web.admin_forms import ConfirmForm, OfficerForm, PinChoice, reason_text
from ivr.web.permissions import roles_required


@bp.route("/officers", endpoint="officers")
@roles_required(ADMIN)
def officers_index():
    """Officers with failed attempts and locks; locked calling numbers, masked."""
    return render_template("admin/officers.html", rows=officer_admin.overview(),
                           callers=officer_admin.caller_locks())


@bp.route("/officers/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def new_officer():
    """Add an officer with a PIN that is typed or made here and shown once."""
    form = OfficerForm()
    if form.validate_on_submit():
        pin = _chosen_pin(form)
        try:
            officer = officer_admin.add_officer(form.number.data, form.name.data, pin,
                                                actor(), phone=form.phone.data)
        except officer_admin.OfficerError as exc:
            getattr(form, exc.field).errors.append(reason_text(exc.field, exc.reason))
        else:
            db.session.commit()
            flash(_("Officer %(number)s (%(name)s) added.", number=officer.number,
                    name=officer.name), "success")
            return _done(officer, pin if form.how.data == "generate" else None)
    return render_template("admin/officer_form.html", form=form, officer=None)


@bp.route("/officers/<int:officer_id>/pin", methods=["GET", "POST"])
@roles_required(ADMIN)
def officer_pin(officer_id: int):
    """Give an officer a new PIN (a forgotten PIN is replaced, never shown)."""
    officer = get_or_404(Officer, officer_id)
    form = PinChoice()
    if form.validate_on_submit():
        pin = _chosen_pin(form)
        try:
            officer_admin.set_pin(officer, pin, actor())
        except officer_admin.OfficerError as exc:
            form.pin.errors.append(reason_text(exc.field, exc.reason))
        else:
            db.session.commit()
            flash(_("New PIN set for officer %(number)s.", number=officer.number), "success")
            return _done(officer, pin if form.how.data == "generate" else None)
    return render_template("admin/officer_form.html", form=form, officer=officer)


@bp.route("/officers/<int:officer_id>/deactivate", methods=["POST"])
@roles_required(ADMIN)
def deactivate_officer(officer_id: int):
    """Stop an officer using the recording line, after a confirmation."""
    officer = get_or_404(Officer, officer_id)
    form = ConfirmForm()
    if not (form.validate_on_submit() and form.confirm.data == "yes"):
        return render_template(
            "admin/confirm.html", form=form, back=url_for("admin.officers"),
            title=_("Deactivate officer %(number)s?", number=officer.number),
            text=_("%(name)s can no longer sign in on the recording line. Messages already "
                   "sent are kept.", name=officer.name),
            button=_("Deactivate officer"))
    if officer_admin.deactivate(officer, actor()):
        db.session.commit()
        flash(_("Officer %(number)s deactivated.", number=officer.number), "success")
    return redirect(url_for("admin.officers"))


@bp.route("/officers/<int:officer_id>/unlock", methods=["POST"])
@roles_required(ADMIN)
def unlock_officer(officer_id: int):
    """Lift an officer's lockout and clear their failed attempts."""
    officer = get_or_404(Officer, officer_id)
    lifted = officer_admin.unlock(officer, actor())
    db.session.commit()
    flash(_("Officer %(number)s unlocked.", number=officer.number) if lifted else
          _("Officer %(number)s was not locked; the failed attempts are cleared.",
            number=officer.number), "success")
    return redirect(url_for("admin.officers"))


@bp.route("/officers/lockouts/<int:lockout_id>/unlock", methods=["POST"])
@roles_required(ADMIN)
def unlock_caller(lockout_id: int):
    """Lift the lockout of one calling number."""
    lock = get_or_404(Lockout, lockout_id)
    if lock.kind != "caller":
        abort(404)  # an officer's own locks are lifted from the officer's row
    officer_admin.unlock_caller(lock, actor())
    db.session.commit()
    flash(_("Calling number %(number)s unlocked.",
            number=officer_admin.mask_number(lock.subject)), "success")
    return redirect(url_for("admin.officers"))


def _chosen_pin(form: PinChoice) -> str:
    return officer_admin.generate_pin() if form.how.data == "generate" else form.pin.data


def _done(officer: Officer, shown_pin: str | None):
    """Back to the list, or the one page that shows a PIN made here (never cached)."""
    if shown_pin is None:
        return redirect(url_for("admin.officers"))
    response = make_response(render_template("admin/pin_shown.html", officer=officer,
                                             pin=shown_pin))
    response.headers["Cache-Control"] = "no-store"
    return response
