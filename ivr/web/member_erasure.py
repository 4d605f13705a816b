"""Erasing a member from the web app: a page that says what goes and what stays, then a
POST with CSRF and a ticked box.

A coordinator erases only a person all of whose BINs are theirs: erasure is everywhere,
and a BIN the coordinator does not see is not theirs to empty. For a person also in
another BIN the page says so and offers removal from their own BINs instead (the other
coordinator, the person on their own page, or `member erase` can erase them)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain import erasure, member_admin
from domain.db import db
from domain.models import Member, Role
from ivr.web.member_forms import EraseForm
from ivr.web.members import _member_or_404, bp, my_bins
from ivr.web.permissions import roles_required


def _all_mine(member: Member) -> bool:
    return all(ms.bin_id in my_bins() for ms in member.memberships)


@bp.route("/<int:member_id>/erase", methods=["GET"])
@roles_required(Role.COORDINATOR)
def confirm_erase(member_id: int):
    """What erasing this member deletes, what stays as anonymous counts; the form."""
    member = _member_or_404(member_id)
    return render_template("members/erase.html", member=member, form=EraseForm(),
                           allowed=_all_mine(member),
                           bins=member_admin.member_bins(member, my_bins()))


@bp.route("/<int:member_id>/erase", methods=["POST"])
@roles_required(Role.COORDINATOR)
def erase(member_id: int):
    """Erase the member everywhere (every BIN of theirs being the coordinator's)."""
    member = _member_or_404(member_id)
    if not _all_mine(member):
        abort(403)
    form = EraseForm()
    if not form.validate_on_submit():
        return render_template("members/erase.html", member=member, form=form, allowed=True,
                               bins=member_admin.member_bins(member, my_bins()))
    erasure.erase_person(member, current_user.email)
    db.session.commit()
    erasure.checkpoint()
    flash(_("The member was erased. Past alerts keep only anonymous counts."), "success")
    return redirect(url_for("members.index"))
