"""Live (the carrier is not a loopback sandbox), demo settings stop the web app, the worker
and `demo load` with one line each, before anything is contacted (ivr.live)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from domain.db import db
from domain.models import Bin, Officer
from domain.pins import hash_pin
from ivr import config, create_app, live
from tests.factories import make_officer
from tests.support import sign, spoken
from tests.web_hosts import LIVE_ENV, ROOT, Gunicorn, HostTree, bare_environment

RULE = {rule.name: rule for rule in live.RULES}


@pytest.mark.parametrize("url, live_", [
    ("http://127.0.0.1:5050", False), ("http://localhost:5050", False),
    ("http://127.8.9.10", False), ("http://[::1]:5050", False),
    ("https://api.twilio.com", True), ("", True), ("http://10.0.0.5:5050", True),
    ("http://sandbox:5050", True), ("http://127.0.0.1.example.com", True),
    ("http://[::1", True),
])
def test_only_a_loopback_carrier_is_not_live(url, live_):
    assert live.is_live({"TWILIO_API_URL": url}) is live_


def _live_config(database_url: str, redis_url: str, **changes) -> dict:
    """A test config that passes the guard live, with `changes` applied."""
    c = {key: value for key, value in LIVE_ENV.items()}
    c.update(TESTING=True, SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=redis_url)
    c.update(changes)
    return c


def _refused(test_config: dict) -> list[str]:
    with pytest.raises(live.NotReadyForLive) as refused:
        create_app(test_config)
    return str(refused.value.message).splitlines()


def test_a_live_app_with_real_settings_starts(app, base_config):
    built = create_app(_live_config(base_config["SQLALCHEMY_DATABASE_URI"],
                                    base_config["REDIS_URL"]))
    assert live.is_live(built.config)
    assert built.url_map.bind("x").match("/voice/incoming", method="POST")


@pytest.mark.parametrize("rule, changes", [
    ("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN", {"TWILIO_ACCOUNT_SID": config.DEMO_ACCOUNT_SID}),
    ("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN", {"TWILIO_AUTH_TOKEN": config.DEMO_AUTH_TOKEN}),
    ("SECRET_KEY", {"SECRET_KEY": None}),
    ("SECRET_KEY", {"SECRET_KEY": "changeme"}),
    ("PUBLIC_BASE_URL", {"PUBLIC_BASE_URL": "http://buurtlijn.example.be"}),
    ("REDIS_URL", {"REDIS_URL": None}),
    ("CALLER_ID", {"CALLER_ID": config.DEMO_CALLER_ID}),
    ("RECORDING_LINE", {"RECORDING_LINE": config.DEMO_RECORDING_LINE}),
    ("POLICE_ZONE_NAME, POLICE_ZONE_PHONE", {"POLICE_ZONE_PHONE": config.DEMO_POLICE_ZONE[1]}),
    ("POLICE_ZONE_NAME, POLICE_ZONE_PHONE", {"POLICE_ZONE_NAME": config.DEMO_POLICE_ZONE[0]}),
    ("MAIL_FROM", {"MAIL_FROM": config.DEMO_MAIL_FROM}),
])
def test_each_demo_setting_is_refused_live_with_its_own_line(app, base_config, rule, changes):
    lines = _refused(_live_config(base_config["SQLALCHEMY_DATABASE_URI"],
                                  base_config["REDIS_URL"], **changes))
    assert lines == [RULE[rule].line()]


def test_the_instance_sqlite_default_is_refused_live(app, base_config):
    instance = Path(create_app(base_config).instance_path)
    default = config.instance_database_url(instance)
    existed = Path(default.removeprefix("sqlite:///")).exists()
    lines = _refused(_live_config(default, base_config["REDIS_URL"]))
    assert lines == [RULE["DATABASE_URL"].line()]
    assert Path(default.removeprefix("sqlite:///")).exists() == existed  # no file made


def test_the_demo_officer_is_refused_live_and_only_it(app, base_config):
    settings = _live_config(base_config["SQLALCHEMY_DATABASE_URI"], base_config["REDIS_URL"])
    make_officer(db, number="4712", pin="246810")  # another number: not the demo officer
    demo = make_officer(db, number="4711", pin="135790")  # 4711 with its own PIN
    create_app(settings)
    demo.pin_hash = hash_pin("246810")
    db.session.commit()
    assert _refused(settings) == [RULE["officer 4711"].line()]
    demo.active = False
    db.session.commit()
    create_app(settings)


def test_an_unmigrated_database_is_refused_live(app, base_config, tmp_path):
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    assert _refused(_live_config(empty, base_config["REDIS_URL"])) == [
        RULE["the officers table"].line()]


def test_the_secret_key_is_generated_only_when_not_live(base_config, tmp_path):
    """Off the live carrier a missing key is made once into the instance folder (make run)."""
    not_live = create_app(dict(base_config, SECRET_KEY=None))
    key_file = Path(not_live.instance_path) / "secret_key"
    assert not_live.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(not_live.config["SECRET_KEY"]) >= live.MIN_SECRET_KEY_CHARS


# --- Real processes: the worker, flask run, gunicorn and demo load ----------------------

class ConnectionCounter:
    """A TCP listener that counts who connects: it stands in for Redis."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.sock.getsockname()[1]}/0"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def counter():
    c = ConnectionCounter()
    yield c
    c.close()


def _flask(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "ivr", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


def _assert_refused_cleanly(done: subprocess.CompletedProcess) -> list[str]:
    """Exit 1, no traceback, and every line on stderr one of the guard's lines."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines and lines[0].startswith("Error: ")
    lines[0] = lines[0].removeprefix("Error: ")
    return lines


def test_worker_with_the_defaults_is_refused_live_before_redis(app, counter, base_config):
    """The bare defaults point at api.twilio.com: every demo default gets its line."""
    done = _flask("worker", env=bare_environment(
        REDIS_URL=counter.url, DATABASE_URL=base_config["SQLALCHEMY_DATABASE_URI"]))
    lines = _assert_refused_cleanly(done)
    assert lines == [RULE[name].line() for name in (
        "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN", "SECRET_KEY", "PUBLIC_BASE_URL",
        "CALLER_ID", "RECORDING_LINE", "POLICE_ZONE_NAME, POLICE_ZONE_PHONE", "MAIL_FROM")]
    assert counter.connections == 0


def test_worker_with_the_demo_officer_is_refused_live(app, counter, base_config):
    make_officer(db, number="4711", pin="246810")
    env = bare_environment(**LIVE_ENV, REDIS_URL=counter.url,
                           DATABASE_URL=base_config["SQLALCHEMY_DATABASE_URI"])
    assert _assert_refused_cleanly(_flask("worker", env=env)) == [RULE["officer 4711"].line()]
    assert counter.connections == 0


def test_flask_run_is_refused_live(app, base_config):
    env = bare_environment(**dict(LIVE_ENV, PUBLIC_BASE_URL="http://buurtlijn.example.be"),
                           REDIS_URL=base_config["REDIS_URL"],
                           DATABASE_URL=base_config["SQLALCHEMY_DATABASE_URI"])
    done = _flask("run", "--port", "9", env=env, timeout=30)
    assert _assert_refused_cleanly(done) == [RULE["PUBLIC_BASE_URL"].line()]


def test_gunicorn_is_refused_live_in_one_line_then_starts_once_set(app, base_config, tmp_path):
    make_officer(db, number="4711", pin="246810")
    env = bare_environment(**LIVE_ENV, REDIS_URL=base_config["REDIS_URL"],
                           DATABASE_URL=base_config["SQLALCHEMY_DATABASE_URI"])
    tree = HostTree(tmp_path / "host")
    web = Gunicorn(tree, env, tmp_path / "web.log")
    try:
        with pytest.raises(AssertionError, match="gunicorn exited"):
            web.start()
    finally:
        web.stop()
    assert web.process.returncode == 1
    log = web.log.read_text()
    assert "Traceback" not in log
    assert f"Error: {RULE['officer 4711'].line()}\n" in log
    assert not tree.instance.joinpath("secret_key").exists()

    db.session.execute(Officer.__table__.update().values(active=False))
    db.session.commit()
    try:
        web.start()
        params = {"CallSid": "CA1", "From": "+32470123456", "To": LIVE_ENV["CALLER_ID"]}
        url = LIVE_ENV["PUBLIC_BASE_URL"] + "/voice/incoming"
        answer = requests.post(web.url + "/voice/incoming", data=params, timeout=10, headers={
            "X-Twilio-Signature": sign(LIVE_ENV["TWILIO_AUTH_TOKEN"], url, params)})
        assert answer.status_code == 200
        assert any(LIVE_ENV["POLICE_ZONE_NAME"] in said for said in spoken(answer.content))
    finally:
        web.stop()


def test_demo_load_is_refused_live_and_loads_nothing(app, base_config):
    env = bare_environment(**LIVE_ENV, REDIS_URL=base_config["REDIS_URL"],
                           DATABASE_URL=base_config["SQLALCHEMY_DATABASE_URI"])
    assert _assert_refused_cleanly(_flask("demo", "load", env=env)) == [live.DEMO_LOAD_REFUSED]
    db.session.expire_all()
    assert db.session.scalars(select(Officer)).all() == []
    assert db.session.scalars(select(Bin)).all() == []


def test_demo_load_on_the_sandbox_still_loads_the_demo_officer(app, base_config):
    env = bare_environment(TWILIO_API_URL="http://127.0.0.1:5050",
                           REDIS_URL=base_config["REDIS_URL"],
                           DATABASE_URL=base_config["SQLALCHEMY_DATABASE_URI"])
    done = _flask("demo", "load", env=env)
    assert done.returncode == 0, done.stderr
    assert "officer 4711 (PIN 246810)" in done.stdout
    db.session.expire_all()
    assert db.session.scalar(select(Officer.number)) == "4711"


def test_admin_commands_still_work_live_to_put_things_right(app, base_config):
    """The guard stops servers, not the commands that fix what it refuses."""
    env = bare_environment(REDIS_URL=base_config["REDIS_URL"],
                           DATABASE_URL=base_config["SQLALCHEMY_DATABASE_URI"])
    done = _flask("officer", "add", "4720", "Inspecteur Echt", "--pin", "918273", env=env)
    assert done.returncode == 0, done.stderr
    db.session.expire_all()
    assert db.session.scalar(select(Officer.number)) == "4720"


def test_readme_going_live_lists_exactly_the_guards_demands():
    readme = (ROOT / "README.md").read_text()
    section = re.search(r"^## Going live\n(.*?)(?=^## )", readme, re.S | re.M).group(1)
    listed = [line for line in section.splitlines() if line.startswith("- ")]
    assert "\n".join(listed) == live.readme_list()
    assert "demo load" in section


def test_the_demo_web_users_are_refused_live_until_deactivated(app, base_config):
    from domain.models import Role
    from domain.web_users import create_user, deactivate, find_user
    from ivr.cli.demo import DEMO_PASSWORD

    settings = _live_config(base_config["SQLALCHEMY_DATABASE_URI"], base_config["REDIS_URL"])
    create_user("dispatcher@demo.example", Role.DISPATCHER, "another-password-1")
    db.session.commit()
    create_app(settings)  # a demo address with its own password is someone's real account
    create_user("admin@demo.example", Role.ADMIN, DEMO_PASSWORD)
    db.session.commit()
    assert _refused(settings) == [RULE["the demo web users"].line()]
    deactivate(find_user("admin@demo.example"), actor="test")
    db.session.commit()
    create_app(settings)
