"""Buurtlijn: the telephone system behind Belgian neighbourhood information networks."""

from __future__ import annotations

from pathlib import Path

import click
from dotenv import load_dotenv
from flask import Flask
from sqlalchemy import event


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app: config from the environment, extensions, views and commands.

    Live (ivr.live), a web app with demo settings is refused here with NotReadyForLive,
    before it serves anything or reaches the carrier."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if test_config is None:
        load_dotenv(override=False)
    from ivr import config, live

    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY") and not live.is_live(app.config):
        app.config["SECRET_KEY"] = config.instance_secret_key(Path(app.instance_path))

    if app.config["BEHIND_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["BEHIND_PROXY"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _init_extensions(app)
    if not _loaded_for_a_command():
        live.refuse_demo_settings(app)

    from ivr import cli, health, logs, media, member_calls, metrics, recording_line, voice

    logs.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(voice.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(recording_line.bp)
    app.register_blueprint(member_calls.bp)
    from ivr import web

    web.init_app(app, live=live.is_live(app.config))
    cli.register(app)
    return app


def _loaded_for_a_command() -> bool:
    """True when a `flask` command other than `run` (a web server) loads the app.

    Such a command must work on a live deployment the guard refuses: `db upgrade`, and
    `officer set-pin 4711` to clear the demo officer. `worker` runs the guard itself, and
    `demo load` refuses outright when live; gunicorn calls the factory outside any click
    command."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.info_name != "run"


def _init_extensions(app: Flask) -> None:
    from domain import mail, models  # noqa: F401  (models: registers the tables)
    from domain.db import db
    from domain.redis_conn import redis_conn
    from ivr.extensions import migrate

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {"timeout": 30})
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    redis_conn.init_app(app)
    mail.init_app(app)
    if uri.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets the web answer webhooks while a worker writes; foreign keys are on; what
    is deleted is overwritten with zeros, not left in free pages (an erased member leaves
    no trace in the file: domain.erasure)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
