"""Real web hosts for tests: gunicorn started as the Procfile starts it, from its own tree.

Flask puts the instance folder next to the package it imported, so two checkouts are two
instance folders. `HostTree` builds such a checkout from symlinks to this repository's
packages (and its gunicorn.conf.py), so two "hosts" on one machine differ in exactly what
two machines would: their instance folder.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
CODE = ("ivr", "jobs", "domain", "callflows", "audio", "gunicorn.conf.py")

# Settings that pass the live guard: nothing of the sandbox or the seed.
LIVE_ENV = {
    "TWILIO_API_URL": "https://api.twilio.com",
    "TWILIO_ACCOUNT_SID": "AC" + "5" * 32,
    "TWILIO_AUTH_TOKEN": "7" * 32,
    "SECRET_KEY": "a-live-secret-key-of-forty-characters-00",
    "PUBLIC_BASE_URL": "https://buurtlijn.example.be",
    "CALLER_ID": "+3233000001",
    "RECORDING_LINE": "+3233000002",
    "POLICE_ZONE_NAME": "Politiezone Voorbeeld",
    "POLICE_ZONE_PHONE": "+3233000003",
    "MAIL_FROM": "BIN Voorbeeld <bin@politie-voorbeeld.be>",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bare_environment(**settings: str) -> dict[str, str]:
    """A process environment with none of this machine's Buurtlijn settings, plus these."""
    import os

    keep = ("PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1", **settings)
    return env


class HostTree:
    """A checkout of this repository made of symlinks, with an instance folder of its own."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        directory.mkdir(parents=True, exist_ok=True)
        for name in CODE:
            (directory / name).symlink_to(ROOT / name)

    @property
    def instance(self) -> Path:
        return self.dir / "instance"


class Gunicorn:
    """`gunicorn "ivr:create_app()"` (the Procfile's web process) in a host tree."""

    def __init__(self, tree: HostTree, env: dict[str, str], log: Path) -> None:
        self.tree, self.env, self.log = tree, env, log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Gunicorn:
        env = dict(self.env, PYTHONPATH=str(self.tree.dir))
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4",
                 "-b", f"127.0.0.1:{self.port}", "ivr:create_app()"],
                cwd=self.tree.dir, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                requests.get(self.url + "/", timeout=1)
                return self
            except requests.ConnectionError:
                if self.process.poll() is not None:
                    raise AssertionError(f"gunicorn exited: {self.log.read_text()}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
