"""The coordinator's inbox of applications: approve (the person becomes a member) or
decline with a reason; the applicant gets an e-mail either way. And the BIN's privacy
statement and house rules, shown on the join form.

Own BINs only: an application or a BIN of another BIN is a 404 (domain.applications
takes the caller's BIN ids). Deciding twice does nothing the second time."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain import applications, member_admin, zones
from domain.db import db
from domain.member_page import make_link
from domain.models import Application, Bin, Role, audit, utcnow
from ivr.web import join_mail
from ivr.web.join import GENERIC_PRIVACY, GENERIC_RULES
from ivr.web.join_forms import BinTextsForm, DecideForm, DeclineForm
from ivr.web.members import my_bins
from ivr.web.permissions import roles_required

bp = Blueprint("applications", __name__, url_prefix="/applications")


def _application_or_404(application_id: int) -> Application:
    return applications.find(application_id, my_bins()) or abort(404)


@bp.route("")
@roles_required(Role.COORDINATOR)
def index():
    """Applications waiting for a decision, those waiting for their e-mail, the latest decided."""
    waiting, unconfirmed = applications.inbox(my_bins())
    zone = {a.id: [b.code for b in zones.find_bins(a.postcode, a.street, a.house_number)]
            for a in waiting + unconfirmed}
    audit(current_user.email, "application.list", None, bins=sorted(my_bins()))
    db.session.commit()
    return render_template("applications/index.html", waiting=waiting,
                           unconfirmed=unconfirmed, zone=zone,
                           decided=applications.decided(my_bins()),
                           bins=member_admin.visible_bins(my_bins()), form=DecideForm())


@bp.route("/<int:application_id>/approve", methods=["POST"])
@roles_required(Role.COORDINATOR)
def approve(application_id: int):
    """Approve: the applicant becomes a member and gets the welcome mail (once)."""
    application = _application_or_404(application_id)
    if not DecideForm().validate_on_submit():
        abort(400)
    approval = applications.approve(application, current_user.email, utcnow())
    if approval is None:
        flash(_("This application was already decided."), "warning")
        return redirect(url_for("applications.index"))
    if approval.member.email:
        token = make_link(approval.member, utcnow())
        join_mail.welcome(approval.member, application.bin, approval.contribution, token,
                          application_id=application.id)
    db.session.commit()
    flash(_("%(name)s is now a member of %(bin)s.", name=approval.member.name,
            bin=application.bin.name) + (" " + _("They have no e-mail address: give them "
                                                  "a personal link from their member page.")
                                         if not approval.member.email else ""), "success")
    return redirect(url_for("applications.index"))


@bp.route("/<int:application_id>/decline", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def decline(application_id: int):
    """Decline with a reason (required), mailed to the applicant when they gave an address."""
    application = _application_or_404(application_id)
    form = DeclineForm()
    if form.validate_on_submit():
        if applications.decline(application, form.reason.data.strip(), current_user.email,
                                utcnow()):
            if application.email:
                join_mail.decline(application)
            db.session.commit()
            flash(_("The application of %(name)s was declined.", name=application.name),
                  "success")
        else:
            flash(_("This application was already decided."), "warning")
        return redirect(url_for("applications.index"))
    return render_template("applications/decline.html", form=form, application=application)


@bp.route("/settings/<int:bin_id>", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def settings(bin_id: int):
    """The BIN's privacy statement and house rules, which applicants agree to."""
    if bin_id not in my_bins():
        abort(404)
    bin_ = db.session.get(Bin, bin_id) or abort(404)
    form = BinTextsForm(obj=bin_)
    if form.validate_on_submit():
        bin_.privacy_statement = (form.privacy_statement.data or "").strip() or None
        bin_.house_rules = (form.house_rules.data or "").strip() or None
        audit(current_user.email, "bin.edit", bin_.code, fields=["privacy_statement",
                                                                  "house_rules"])
        db.session.commit()
        flash(_("The texts of %(bin)s were saved.", bin=bin_.name), "success")
        return redirect(url_for("applications.index"))
    return render_template("applications/settings.html", form=form, bin=bin_,
                           generic={"privacy": GENERIC_PRIVACY, "rules": GENERIC_RULES})
