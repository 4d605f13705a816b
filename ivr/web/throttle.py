"""Which pages are throttled, and how: one table, applied to each app's own Limiter.

Flask-Limiter keeps its storage on the Limiter object, so one module-level Limiter would
follow whichever app was created last (tests and tools create several). Each app gets a
Limiter of its own on its own Redis, and the limits below are applied to its views when
the app is built. Only failed attempts use up a budget (`deduct_when`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Flask, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from domain.embedded_redis import EmbeddedRedis
from domain.web_users import normalise_email

SIGN_IN_LIMIT = "10 per minute"  # the 11th wrong password in a minute gets 429


def failed_attempt(_response) -> bool:
    """True when the view said this attempt failed (`g.attempt_failed`)."""
    return bool(g.get("attempt_failed"))


JOIN_LIMIT = "5 per hour"  # applications from one address
JOIN_POST_LIMIT = "30 per hour"  # tries of the form, corrections included
LINK_LIMIT = "5 per hour"  # "send me a new link"


def counted_application(_response) -> bool:
    """True when the join form stored an application or caught a robot."""
    return bool(g.get("application_counted"))


def account_key() -> str:
    """The account a sign-in names, hashed: Redis keys hold no e-mail address."""
    email = normalise_email(request.form.get("email", ""))[:254]
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


# endpoint -> [(limit, key function, scope, deduct_when or None for every request)]
THROTTLED: dict[str, list[tuple[str, Callable[[], str], str, Callable | None]]] = {
    "auth.login": [(SIGN_IN_LIMIT, get_remote_address, "sign-in-ip", failed_attempt),
                   (SIGN_IN_LIMIT, account_key, "sign-in-account", failed_attempt)],
    "auth.enrol": [(SIGN_IN_LIMIT, get_remote_address, "sign-in-ip", failed_attempt)],
    # issue 13, join: applications stored (or caught by the honeypot) per address, and
    # every POST of the form; requests for a new personal link.
    "join.apply": [(JOIN_LIMIT, get_remote_address, "join-ip", counted_application),
                   (JOIN_POST_LIMIT, get_remote_address, "join-ip-posts", None)],
    "me.request_link": [(LINK_LIMIT, get_remote_address, "me-link-ip", None)],
}
# The public pages of issue 13's zones part: the contact form counts every POST, the
# address check every request (a scraper only reads), per address.
THROTTLED["lookup.contact"] = [("5 per 10 minutes", get_remote_address, "bin-contact-ip", None)]
THROTTLED_EVERY_METHOD: dict[str, list[tuple[str, str]]] = {
    "lookup.check": [("30 per minute", "zone-lookup-ip"), ("300 per hour", "zone-lookup-ip-h")],
}


def init_app(app: Flask) -> Limiter:
    """A Limiter for `app` on its Redis, with THROTTLED applied to its POST requests."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", _storage_uri(app))
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "buurtlijn-limits")
    # A Redis outage must not lock a dispatcher out at 3 a.m.: the throttle is skipped
    # (logged) until Redis answers again, while sign-ins stay argon2-slow and audited. No
    # in-memory fallback: it would count per process and linger after Redis is back.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {
        "socket_timeout": app.config["REDIS_SOCKET_TIMEOUT_S"],
        "socket_connect_timeout": app.config["REDIS_CONNECT_TIMEOUT_S"]})
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[])
    for endpoint, limits in THROTTLED.items():
        view = app.view_functions[endpoint]
        for limit, key, scope, deduct_when in limits:
            view = limiter.limit(limit, key_func=key, scope=scope, methods=["POST"],
                                 deduct_when=deduct_when)(view)
        app.view_functions[endpoint] = view
    for endpoint, every in THROTTLED_EVERY_METHOD.items():
        view = app.view_functions[endpoint]
        for limit, scope in every:
            view = limiter.limit(limit, key_func=get_remote_address, scope=scope)(view)
        app.view_functions[endpoint] = view
    app.extensions["buurtlijn_limiter"] = limiter
    return limiter


def _storage_uri(app: Flask) -> str:
    """The app's own Redis (the embedded one's socket when REDIS_URL is unset)."""
    url = app.config.get("REDIS_URL") or EmbeddedRedis(app.instance_path).url
    return "redis+unix://" + url.removeprefix("unix://") if url.startswith("unix://") else url
