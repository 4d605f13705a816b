"""Helpers for web tests: a CSRF token as a browser has it, signing in like a person."""

from __future__ import annotations

import contextvars
import itertools
import re

import pyotp
from flask.testing import FlaskClient

from tests.factories import WEB_PASSWORD

_addresses = itertools.count(1)


class PersonClient(FlaskClient):
    """A browser's view of the app: each request in an application context of its own.

    The `app` fixture keeps an app context open for the test's own database work, and a
    request pushed inside it would share its `g` (Flask-Login's user, Flask-WTF's token)
    with every other request of the test. A real server never does; this client runs each
    request in an empty context, so the request gets a fresh app context as in production.
    Rows the test holds must be refreshed (`db.session.refresh`) to see a request's writes.
    Each person comes from an address of their own, as people do, so one test's failed
    sign-ins never use up another's per-address budget."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        n = next(_addresses)
        self.environ_base["REMOTE_ADDR"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def person(app) -> PersonClient:
    return PersonClient(app, app.response_class, use_cookies=True)


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's form like a browser."""
    html = client.get(path).get_data(as_text=True)
    match = TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, user, password: str = WEB_PASSWORD, follow: bool = False):
    """Sign `user` in through the /login form (with a current TOTP code for police)."""
    form = {"csrf_token": csrf_token(client), "email": user.email, "password": password}
    if user.totp_secret:
        form["totp"] = pyotp.TOTP(user.totp_secret).now()
    response = client.post("/login", data=form, follow_redirects=follow)
    assert response.status_code in (200, 302), response.status_code
    return response


def post_form(client, path: str, data: dict | None = None, token_from: str = "/logout",
              **kwargs):
    """POST a form with the session's CSRF token, as the page's own form would."""
    form = {"csrf_token": csrf_token(client, token_from), **(data or {})}
    return client.post(path, data=form, **kwargs)
