"""The admin's web-user pages: accounts, roles, BINs and language; permission changes audited.

A deactivated account's open sessions end at their next request (the user loader
refuses inactive users); a role or BIN change applies from the next request too. An
admin cannot deactivate or demote themselves, so the zone never locks itself out."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields import SelectChoice

from domain import web_users
from domain.db import db
from domain.models import Bin, Role, WebUser
from ivr.web.admin import ADMIN, actor, bp, get_or_404
from ivr.web.admin_forms import ROLE_LABELS, ConfirmForm, UserEditForm, UserForm
from ivr.web.permissions import roles_required


@bp.route("/users", endpoint="users")
@roles_required(ADMIN)
def users_index():
    """Every web user with role, BINs, second factor and last sign-in."""
    users = db.session.scalars(select(WebUser).order_by(WebUser.active.desc(),
                                                        WebUser.email)).all()
    return render_template("admin/users.html", users=users, roles=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(ADMIN)
def new_user():
    """Add a web user; police roles set up their authenticator at the first sign-in."""
    form = UserForm()
    form.bins.choices = _bin_choices()
    if form.validate_on_submit():
        if web_users.find_user(form.email.data) is not None:
            form.email.errors.append(_("A web user with this e-mail address exists already."))
        else:
            try:
                user = web_users.create_user(
                    form.email.data, Role(form.role.data), form.password.data,
                    _codes(form), name=form.name.data or None,
                    language=form.language.data, actor=actor())
            except web_users.UserError as exc:
                form.email.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Web user %(email)s added.", email=user.email), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def edit_user(user_id: int):
    """Change a web user's role, BINs, name or language."""
    user = get_or_404(WebUser, user_id)
    form = UserEditForm(data={"name": user.name, "role": user.role, "language": user.language,
                              "bins": [str(link.bin_id) for link in user.bins]})
    form.bins.choices = _bin_choices()
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != user.role:
            form.role.errors.append(_("You cannot change your own role."))
        else:
            try:
                changed = web_users.update_user(user, Role(form.role.data), _codes(form),
                                                form.language.data, actor(),
                                                name=form.name.data or None)
            except web_users.UserError as exc:
                form.bins.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Web user %(email)s saved.", email=user.email) if changed
                      else _("Nothing changed."), "success" if changed else "info")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required(ADMIN)
def deactivate_user(user_id: int):
    """Stop a web user signing in (not yourself), after a confirmation."""
    user = get_or_404(WebUser, user_id)
    if user.id == current_user.id:
        abort(403)
    form = ConfirmForm()
    if not (form.validate_on_submit() and form.confirm.data == "yes"):
        return render_template(
            "admin/confirm.html", form=form, back=url_for("admin.users"),
            title=_("Deactivate %(email)s?", email=user.email),
            text=_("This account can no longer sign in, and its open sessions end now."),
            button=_("Deactivate web user"))
    if user.active:
        web_users.deactivate(user, actor())
        db.session.commit()
        flash(_("Web user %(email)s deactivated.", email=user.email), "success")
    return redirect(url_for("admin.users"))


def _bin_choices() -> list[SelectChoice]:
    return [SelectChoice(str(b.id), f"{b.code} {b.name}")
            for b in db.session.scalars(select(Bin).order_by(Bin.code))]


def _codes(form: UserEditForm) -> list[str]:
    """The chosen BINs' codes (what the domain takes); none for police roles."""
    if form.role.data != Role.COORDINATOR.value or not form.bins.data:
        return []
    ids = [int(value) for value in form.bins.data]
    return list(db.session.scalars(select(Bin.code).where(Bin.id.in_(ids))))
