"""Signing in and out: password, then a TOTP code for police roles, throttled and audited."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from domain.db import db
from domain.models import WebUser, audit
from domain.web_users import (
    check_password,
    check_totp,
    find_user,
    normalise_email,
    provisioning_uri,
    record_sign_in,
)
from ivr.web.forms import EnrolForm, LoginForm
from ivr.web.permissions import public
from ivr.web.qr import qr_svg

bp = Blueprint("auth", __name__)
ENROL_WINDOW_S = 600  # the QR code of a first sign-in stays valid this long


def safe_next(target: str | None) -> str:
    """Only a path on this site: a sign-in link must not send anyone elsewhere."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """The sign-in form: e-mail and password, plus the code when the role needs one."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    ask_code = False
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if check_password(user, form.password.data) and user.active:
            if not user.role_enum.is_police:
                return _signed_in(user)
            if user.totp_confirmed_at is None and not form.totp.data:
                return _start_enrolment(user)
            if form.totp.data and check_totp(user, form.totp.data):
                return _signed_in(user)
            if not form.totp.data:
                flash(_("Enter the 6-digit code from your authenticator app."), "info")
                return render_template("auth/login.html", form=form, ask_code=True)
        _sign_in_failed(form.email.data)
        ask_code = bool(form.totp.data)
    elif request.method == "POST":
        g.attempt_failed = True
        flash(_("Fill in your e-mail address and password."), "error")
    return render_template("auth/login.html", form=form, ask_code=ask_code)


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def enrol():
    """First sign-in of a police user: scan the QR code, type a code to prove it works."""
    user = _enrolling_user()
    if user is None:
        flash(_("Sign in again to set up your authenticator app."), "info")
        return redirect(url_for("auth.login"))
    form = EnrolForm()
    if form.validate_on_submit():
        if check_totp(user, form.totp.data):
            return _signed_in(user)
        g.attempt_failed = True
        audit(user.email, "web.sign_in_failed", user.email, reason="totp")
        db.session.commit()
        flash(_("That code is not right. Check the time on your phone and try again."),
              "error")
    uri = provisioning_uri(user)
    return render_template("auth/enrol.html", form=form, uri=uri, secret=user.totp_secret,
                           qr=qr_svg(uri, _("QR code for your authenticator app")))


@bp.route("/logout", methods=["GET", "POST"])
@public
def logout():
    """Sign out (POST from the menu; GET only asks, so a link cannot sign anyone out)."""
    if request.method == "POST" and current_user.is_authenticated:  # CSRF checked app-wide
        audit(current_user.email, "web.sign_out", current_user.email)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.login"))
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html")


def _signed_in(user: WebUser):
    target = safe_next(request.args.get("next"))
    session.clear()  # a new session: an identifier set before sign-in is not kept
    session.permanent = True  # PERMANENT_SESSION_LIFETIME: 12 hours
    login_user(user)
    record_sign_in(user)
    db.session.commit()
    return redirect(target)


def _sign_in_failed(email: str) -> None:
    g.attempt_failed = True
    audit(normalise_email(email)[:120], "web.sign_in_failed", normalise_email(email)[:120])
    db.session.commit()
    flash(_("E-mail address, password or code is not right."), "error")


def _start_enrolment(user: WebUser):
    session["enrol_user_id"] = user.id
    session["enrol_until"] = time.time() + ENROL_WINDOW_S
    return redirect(url_for("auth.enrol", next=request.args.get("next")))


def _enrolling_user() -> WebUser | None:
    user_id, until = session.get("enrol_user_id"), session.get("enrol_until", 0)
    if not user_id or time.time() > until:
        return None
    user = db.session.get(WebUser, user_id)
    if user is None or not user.active or user.totp_confirmed_at is not None:
        return None
    return user
