"""The web app for coordinators and police, served by the same Flask app as the webhooks.

`init_app` binds sign-in, CSRF, languages and the sign-in throttle, and registers the
pages. Carrier routes are exempt from CSRF: their proof is the carrier's signature."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, request
from flask_login import current_user

from domain.db import db
from domain.models import WebUser
from ivr.extensions import babel, csrf, login_manager
from ivr.web import errors
from ivr.web.i18n import LANGUAGE_NAMES, select_locale
from ivr.web.permissions import CARRIER_BLUEPRINTS


def init_app(app: Flask, live: bool) -> None:
    """Bind the web extensions and register the pages (after the carrier blueprints)."""
    _session_settings(app, live)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "nl")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session

    csrf.init_app(app)
    for name in CARRIER_BLUEPRINTS:
        csrf.exempt(app.blueprints[name])
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page says enough
    login_manager.user_loader(_load_user)
    babel.init_app(app, locale_selector=select_locale)

    from ivr.web import (
        admin,
        applications,
        auth,
        broadcasts,
        contributions,
        costs,
        home,
        join,
        lookup,
        me,
        members,
        reports,
        throttle,
        zones,
    )

    for blueprint in (auth.bp, home.bp, members.bp, broadcasts.bp, admin.bp,
                      lookup.bp, zones.bp, join.bp, applications.bp, me.bp,
                      contributions.bp, costs.bp, reports.bp):
        app.register_blueprint(blueprint)
    throttle.init_app(app)  # after every throttled view is registered
    errors.register(app)
    app.context_processor(_template_globals)
    app.after_request(_security_headers)


def _session_settings(app: Flask, live: bool) -> None:
    """Cookies only over HTTPS when live, never read by scripts, not sent cross-site."""
    app.config.update(
        SESSION_COOKIE_NAME="buurtlijn_session", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=live,
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=live,
        # A forgotten browser at the police desk signs itself out after a working day.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12))


def _load_user(user_id: str) -> WebUser | None:
    """A deactivated account's session ends at its next request."""
    user = db.session.get(WebUser, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def _template_globals() -> dict:
    from flask_babel import get_locale

    from ivr.web.navigation import menu

    return {"current_user": current_user, "languages": LANGUAGE_NAMES, "menu": menu,
            "current_language": str(get_locale() or "nl")}


def _security_headers(response):
    """Pages are never framed or sniffed; scripts only from our own origin."""
    if request.path.startswith(errors.CARRIER_PREFIXES):
        return response
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
    return response
