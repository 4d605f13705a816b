"""What .ci/run demands: PostgreSQL in CI, tests actually collected, a per-test timeout."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def lib(call: str, ci: bool) -> subprocess.CompletedProcess:
    """Run one function of .ci/lib.sh in bash, as .ci/run does, with or without CI=true."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    env["PYTHON"] = sys.executable
    return subprocess.run(["bash", "-c", f". .ci/lib.sh && {call}"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def nobody_listening() -> str:
    return f"postgresql://postgres@127.0.0.1:{free_port()}/test"


def test_ci_fails_when_postgresql_is_not_reachable():
    result = lib(f"postgres_gate {nobody_listening()}", ci=True)
    assert result.returncode == 1
    assert "PostgreSQL run is required" in result.stderr


def test_outside_ci_a_missing_postgresql_means_sqlite_only():
    result = lib(f"postgres_gate {nobody_listening()}", ci=False)
    assert result.returncode == 3
    assert "SQLite only" in result.stdout


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="needs a reachable PostgreSQL (TEST_DATABASE_URL)")
def test_a_reachable_postgresql_passes_the_gate():
    result = lib(f"postgres_gate {os.environ['TEST_DATABASE_URL']}", ci=True)
    assert result.returncode == 0, result.stderr


def test_a_run_that_collects_no_tests_fails(tmp_path):
    (tmp_path / "test_nothing.py").write_text("def test_one():\n    pass\n")
    result = lib(f"suite {sys.executable} -m pytest -q -p no:cacheprovider "
                 f"{tmp_path}/test_nothing.py -k no_such_test", ci=True)
    assert result.returncode == 1
    assert "collected no tests" in result.stderr


def test_the_suite_passes_failures_through():
    assert lib("suite true", ci=True).returncode == 0
    assert lib("suite bash -c 'exit 1'", ci=True).returncode == 1


def test_a_stuck_test_fails_on_the_configured_timeout(request, tmp_path):
    """The project's pytest settings carry a timeout, and pytest-timeout enforces it: a test
    that hangs is failed (here with the limit lowered to 1 s so this takes a moment)."""
    assert request.config.getini("timeout") == "120"
    (tmp_path / "test_stuck.py").write_text(textwrap.dedent("""
        import time
        def test_stuck():
            time.sleep(60)
    """))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
         str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), "-o", "timeout=1",
         str(tmp_path / "test_stuck.py")],
        capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert "Timeout" in result.stdout + result.stderr
