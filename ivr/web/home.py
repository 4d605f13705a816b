"""The start page after sign-in, and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import current_user

from domain.db import db
from domain.models import Role
from ivr.web.auth import safe_next
from ivr.web.forms import LanguageForm
from ivr.web.i18n import LANGUAGES
from ivr.web.permissions import public

bp = Blueprint("home", __name__)
START_PAGE = {Role.COORDINATOR: "members.index", Role.DISPATCHER: "broadcasts.index",
              Role.ADMIN: "broadcasts.index"}


@bp.route("/")
@public
def index():
    """Each role's daily page; anonymous visitors go to the sign-in."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    start = START_PAGE[current_user.role_enum]
    if start in current_app.view_functions:
        return redirect(url_for(start))
    return render_template("home.html")


@bp.route("/language", methods=["POST"])
@public
def language():
    """Switch the language; a signed-in user's choice is stored with their account."""
    form = LanguageForm()
    if form.validate_on_submit() and form.language.data in LANGUAGES:
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
    return redirect(safe_next(form.next.data))
