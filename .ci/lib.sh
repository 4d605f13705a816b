# Shared by .ci/run (and its tests): what CI demands of a suite run and of PostgreSQL.
# shellcheck shell=bash

# postgres_gate URL: 0 when the server answers. When it does not: in CI (CI=true) the
# PostgreSQL run is required, so say so and return 1; elsewhere say the suite runs on
# SQLite only and return 3.
postgres_gate() {
  local url="$1" python="${PYTHON:-.venv/bin/python}"
  if "$python" - "$url" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
  then
    return 0
  fi
  if [ "${CI:-}" = "true" ]; then
    echo "--- FAIL: PostgreSQL not reachable at ${url%%\?*}; in CI (CI=true) the PostgreSQL run is required" >&2
    return 1
  fi
  echo "--- PostgreSQL not reachable: suite runs on SQLite only"
  return 3
}

# suite CMD...: run a pytest command. Exit code 5 (no tests collected) is a failure here:
# every run of .ci/run selects the whole suite, so collecting nothing means it is broken.
suite() {
  local rc=0
  "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "--- FAIL: pytest collected no tests ($*)" >&2
    return 1
  fi
  return "$rc"
}
