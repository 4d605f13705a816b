"""Small helpers shared by the benchmarks: ports, a PostgreSQL database, statistics."""

from __future__ import annotations

import math
import os
import platform
import socket
import statistics
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

# The server the benchmarks may use; a fresh database is created on it per stack.
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_available() -> bool:
    import psycopg

    try:
        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3).close()
        return True
    except psycopg.Error:
        return False


def pg_reset(name: str) -> str:
    """Drop and create database `name` (never `test`); its SQLAlchemy URL."""
    import psycopg

    if name in ("test", "postgres"):
        raise ValueError(f"refusing to reset database {name!r}")
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): a value that was actually measured."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def machine() -> str:
    """`2 × Intel(R) Xeon(R) Processor, 24 GiB` — what the README's figures ran on."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or "?"
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    return f"{cores} × {model}{memory}, Python {platform.python_version()}"


def cpu_probe_s(iterations: int = 5_000_000) -> float:
    """Seconds a fixed pure-Python loop takes right now, on an otherwise idle stack: on a
    shared machine the speed of a core varies between runs, and this says by how much."""
    import time

    started = time.perf_counter()
    total = 0
    for i in range(iterations):
        total += i
    return time.perf_counter() - started


@contextmanager
def offline_app(database_url: str | None, workdir: Path) -> Iterator:
    """An app on an empty, migrated database (a new SQLite file unless `database_url`),
    with no Redis and no carrier behind it, inside its app context: what the benches
    of a single domain function need."""
    from flask_migrate import downgrade, upgrade

    from ivr import create_app

    url = database_url or f"sqlite:///{workdir / f'bench-{time.monotonic_ns()}.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "redis://unused",
                      "TWILIO_API_URL": "http://127.0.0.1:9"})  # no carrier: not live
    with app.app_context():
        if database_url:
            downgrade(revision="base")
        upgrade()
        yield app
