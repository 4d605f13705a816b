"""When Buurtlijn is *live*, and which demo settings it refuses to start live with.

Live means the carrier is not a sandbox on this machine: `TWILIO_API_URL` names a host
that is not a loopback address. The default, `https://api.twilio.com`, is live; `make run`,
`make demo`, the tests and the benchmarks run the sandbox on 127.0.0.1 and are not. The
rule is `domain.carrier.is_live()`, the one place that decides it (anything that must
be stricter live, "https when live" for instance, asks it).

Live, the web app (`create_app()` as gunicorn loads it, and `flask run`), the worker and
`demo load` refuse to start with a setting that only makes sense against the sandbox: the
sandbox's public account pair, a generated per-folder SECRET_KEY (each host would sign
audio URLs the others reject), a plain-http PUBLIC_BASE_URL, the demo officer and its
published PIN, and the seed's numbers. Each refusal is one line that says what to set; the
README's "Going live" list is the same `RULES` table (tests/ivr/test_live_guard.py checks
that they agree). The checks read only configuration and the officers table: nothing
reaches the carrier or Redis before they pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask

from domain.carrier import is_live
from ivr import config as settings

LIVE_MEANS = "TWILIO_API_URL is not a loopback sandbox"
MIN_SECRET_KEY_CHARS = 32
DEMO_LOAD_REFUSED = (
    f"not loading demo data live ({LIVE_MEANS}): demo load creates officer 4711 with a "
    "published PIN and members with made-up numbers; point TWILIO_API_URL at the sandbox "
    "(http://127.0.0.1:5050) to load them")


class NotReadyForLive(click.ClickException):
    """A live start refused; the message is one line per unmet demand, nothing else.

    A click exception, so a `flask` command (worker, run, demo load) prints
    "Error: <line>" and exits 1 without a traceback; `create_app()` raises it as is."""


@dataclass(frozen=True)
class Facts:
    """What the rules judge: the app's final config and what the database says."""

    config: Mapping[str, Any]
    instance_sqlite: bool  # DATABASE_URL unset: SQLite in this host's instance folder
    demo_officer: bool | None  # None: the officers table cannot be read
    demo_web_users: tuple[str, ...] = ()  # demo accounts that still take the demo password


@dataclass(frozen=True)
class Rule:
    """One demand of the live guard: `name` `problem`; `action` says what to set."""

    name: str
    problem: str
    action: str
    refused: Callable[[Facts], bool]

    def line(self) -> str:
        return f"not starting live ({LIVE_MEANS}): {self.name} {self.problem}; {self.action}"

    def readme_item(self) -> str:
        """The README's bullet for this rule: the same words as the refusal line."""
        names = ", ".join(f"`{name}`" if name.isupper() else name
                          for name in self.name.split(", "))
        return f"- {names} {self.problem}: {self.action}."


def _demo_pair(f: Facts) -> bool:
    return (f.config.get("TWILIO_ACCOUNT_SID") in ("", None, settings.DEMO_ACCOUNT_SID)
            or f.config.get("TWILIO_AUTH_TOKEN") in ("", None, settings.DEMO_AUTH_TOKEN))


def _weak_secret(f: Facts) -> bool:
    return len(f.config.get("SECRET_KEY") or "") < MIN_SECRET_KEY_CHARS


def _not_https(f: Facts) -> bool:
    url = urlsplit(str(f.config.get("PUBLIC_BASE_URL") or ""))
    return url.scheme != "https" or not url.hostname


RULES: tuple[Rule, ...] = (
    Rule("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN", "are the sandbox's public demo pair",
         "set your Twilio account's SID and auth token", _demo_pair),
    Rule("SECRET_KEY", f"is not set or shorter than {MIN_SECRET_KEY_CHARS} characters",
         f"set one random value of at least {MIN_SECRET_KEY_CHARS} characters, the same for "
         "every web and worker process on every host (`python3 -c 'import secrets; "
         "print(secrets.token_hex(32))'`)", _weak_secret),
    Rule("PUBLIC_BASE_URL", "is not an https:// URL",
         "set the public https:// URL at which the carrier reaches the web app", _not_https),
    Rule("DATABASE_URL", "is not set (SQLite in this host's instance folder)",
         "set the PostgreSQL URL of the one database every host shares",
         lambda f: f.instance_sqlite),
    Rule("REDIS_URL", "is not set (an embedded Redis on this host)",
         "set the URL of the one Redis every web and worker process shares",
         lambda f: not f.config.get("REDIS_URL")),
    Rule("CALLER_ID", "is the seed's number, BE-Alert's own",
         "set the Belgian number your Twilio account owns that members are called from",
         lambda f: f.config.get("CALLER_ID") == settings.DEMO_CALLER_ID),
    Rule("RECORDING_LINE", "is the demo number",
         "set your account's number that officers dial to record",
         lambda f: f.config.get("RECORDING_LINE") == settings.DEMO_RECORDING_LINE),
    Rule("POLICE_ZONE_NAME, POLICE_ZONE_PHONE", "name the demo zone or its number",
         "set your police zone's name and the number members are told to call",
         lambda f: f.config.get("POLICE_ZONE_NAME") == settings.DEMO_POLICE_ZONE[0]
         or f.config.get("POLICE_ZONE_PHONE") == settings.DEMO_POLICE_ZONE[1]),
    Rule("MAIL_FROM", "is the demo sender (an .invalid domain)",
         "set the address the BIN's e-mails come from, on a domain whose SPF and DKIM "
         "allow MAIL_SERVER to send for it",
         lambda f: f.config.get("MAIL_FROM", "").rstrip(">").endswith(".invalid")),
    Rule("the officers table", "cannot be read",
         "make DATABASE_URL reachable and run `flask --app ivr db upgrade`",
         lambda f: f.demo_officer is None),
    Rule("officer 4711", "is active with the demo PIN 246810",
         "run `flask --app ivr officer set-pin 4711` or `flask --app ivr officer "
         "deactivate 4711`", lambda f: f.demo_officer is True),
    Rule("the demo web users", "can sign in with the demo password",
         "run `flask --app ivr user deactivate EMAIL` for each of them "
         "(`flask --app ivr user list` shows them)", lambda f: bool(f.demo_web_users)),
)


def _demo_officer(app: Flask) -> bool | None:
    """Whether the demo officer may sign in here; None when the table cannot be read.

    Its own connection, disposed afterwards: in gunicorn's master this runs before the
    fork, and a forked worker must not inherit a pooled connection."""
    from sqlalchemy import inspect, select
    from sqlalchemy.exc import SQLAlchemyError

    from domain.db import db
    from domain.models import Officer
    from domain.pins import verify_pin
    from ivr.cli.demo import DEMO_OFFICER

    number, _name, pin = DEMO_OFFICER
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                if not inspect(conn).has_table(Officer.__tablename__):
                    return None
                hashes = conn.scalars(select(Officer.pin_hash).where(
                    Officer.number == number, Officer.active.is_(True))).all()
        except SQLAlchemyError:
            return None
        finally:
            db.engine.dispose()
    return any(verify_pin(h, pin) for h in hashes)


def _demo_web_users(app: Flask) -> tuple[str, ...]:
    """The demo web accounts that are active and still take the demo password."""
    from sqlalchemy import inspect, select
    from sqlalchemy.exc import SQLAlchemyError

    from domain.db import db
    from domain.models import WebUser
    from domain.web_users import check_password
    from ivr.cli.demo import DEMO_PASSWORD, DEMO_USERS

    emails = [row[0] for row in DEMO_USERS]
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                if not inspect(conn).has_table(WebUser.__tablename__):
                    return ()
                rows = conn.execute(select(WebUser.email, WebUser.password_hash).where(
                    WebUser.email.in_(emails), WebUser.active.is_(True))).all()
        except SQLAlchemyError:
            return ()
        finally:
            db.engine.dispose()
    return tuple(email for email, password_hash in rows
                 if check_password(WebUser(password_hash=password_hash), DEMO_PASSWORD))


def readme_list() -> str:
    """The guard's demands as the README's "Going live" section lists them."""
    return "\n".join(rule.readme_item() for rule in RULES)


def refusals(app: Flask) -> list[str]:
    """The lines a live start is refused with; empty when not live or all is set."""
    if not is_live(app.config):
        return []
    instance_sqlite = app.config.get("SQLALCHEMY_DATABASE_URI") == \
        settings.instance_database_url(Path(app.instance_path))
    # With DATABASE_URL refused, the officers are not read: that would create the file.
    facts = Facts(app.config, instance_sqlite,
                  False if instance_sqlite else _demo_officer(app),
                  () if instance_sqlite else _demo_web_users(app))
    return [rule.line() for rule in RULES if rule.refused(facts)]


def refuse_demo_settings(app: Flask) -> None:
    """Raise NotReadyForLive, one line per unmet demand, when `app` may not start live."""
    lines = refusals(app)
    if lines:
        raise NotReadyForLive("\n".join(lines))
