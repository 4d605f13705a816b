"""Benchmark: the coordinator's member pages of a 10,000-member BIN, over real HTTP.

    PYTHONPATH=. .venv/bin/python -m bench.web_members --database sqlite|postgresql

A fresh stack (bench/stack.py: gunicorn, Redis, the database migrated by `flask db
upgrade`) with 10,000 members in BIN 11. A coordinator signs in through /login like a
browser and asks for the first page of the list, a search and a late page (page 150 of
200), `--requests` times each, one after the other. Server time is gunicorn's own time
for each request (its access log, %(D)s microseconds), so the figure is the app's and
not this client's; p50 and p95 per page, target p95 < 100 ms. Then a coordinator of
another BIN imports a 10,000-row CSV through the web, upload (validate and preview) plus
confirm (store), timed end to end at this client; target < 10 s.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import requests

from bench.stack import Stack, StackOptions
from bench.support import machine, median, percentile

PASSWORD = "bench-coordinator-password"
HEADER = "bin_code,name,street,house_number,postcode,municipality,phone,phone2,language,email"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CONFIRM = re.compile(r'name="token"[^>]*value="([^"]+)"')
PAGES = {"first page": ("/members", {}), "search": ("/members", {"q": "Lid 12"}),
         "late page": ("/members", {"page": "150"})}


def _coordinator(stack: Stack, email: str, codes: list[str]) -> requests.Session:
    from domain.db import db
    from domain.models import Role
    from domain.web_users import create_user

    create_user(email, Role.COORDINATOR, PASSWORD, codes, actor="bench")
    db.session.commit()
    session = requests.Session()
    token = TOKEN.search(session.get(f"{stack.web_url}/login", timeout=10).text).group(1)
    answer = session.post(f"{stack.web_url}/login", timeout=10, allow_redirects=False,
                          data={"csrf_token": token, "email": email, "password": PASSWORD})
    if answer.status_code != 302:
        raise SystemExit(f"sign-in failed: {answer.status_code}")
    return session


def _server_ms(access_log: Path, since: int, path: str) -> list[float]:
    lines = access_log.read_text().splitlines()[since:]
    return [int(line.split()[-1]) / 1000 for line in lines if line.split()[0] == path]


def _log_lines(access_log: Path) -> int:
    return len(access_log.read_text().splitlines()) if access_log.exists() else 0


def list_pages(stack: Stack, session: requests.Session, count: int) -> dict[str, list[float]]:
    """Server times (ms) of `count` requests of each page, after two warm-up requests."""
    log = stack.dir / "access.log"
    times = {}
    for name, (path, params) in PAGES.items():
        for _ in range(2):
            session.get(stack.web_url + path, params=params, timeout=30).raise_for_status()
        time.sleep(0.2)
        before = _log_lines(log)
        for _ in range(count):
            answer = session.get(stack.web_url + path, params=params, timeout=30)
            answer.raise_for_status()
            assert "Lid " in answer.text, name
        time.sleep(0.5)  # the access log line is written after the response
        times[name] = _server_ms(log, before, path)
    return times


def member_csv(n: int, code: str) -> bytes:
    rows = [HEADER]
    for i in range(n):
        phone = f"+32471{i:06d}" if i % 2 else f"+32364{i % 100000:05d}"
        rows.append(f"{code},Nieuw lid {i},Kerkstraat,{i},2990,Grensdorp,{phone},,nl,")
    return ("\n".join(rows) + "\n").encode()


def web_import(stack: Stack, session: requests.Session, n: int) -> dict[str, float]:
    """Upload (validate, preview) and confirm (store) of an n-row CSV: seconds each."""
    from sqlalchemy import text

    from domain.db import db

    body = member_csv(n, "12")
    token = TOKEN.search(session.get(f"{stack.web_url}/members/import", timeout=10).text)
    start = time.perf_counter()
    preview = session.post(f"{stack.web_url}/members/import", timeout=120,
                           data={"csrf_token": token.group(1)},
                           files={"file": ("leden.csv", body, "text/csv")})
    uploaded = time.perf_counter()
    preview.raise_for_status()
    confirm = CONFIRM.search(preview.text)
    if confirm is None:
        raise SystemExit("the preview has no confirmation form: " + preview.text[-2000:])
    done = session.post(f"{stack.web_url}/members/import/confirm", timeout=120,
                        data={"csrf_token": token.group(1), "token": confirm.group(1)})
    stored = time.perf_counter()
    done.raise_for_status()
    db.session.remove()
    count = db.session.execute(text(
        "SELECT count(*) FROM memberships m JOIN bins b ON b.id = m.bin_id "
        "WHERE b.code = '12'")).scalar()
    db.session.remove()
    if count != n:
        raise SystemExit(f"the import stored {count} memberships of BIN 12, not {n}")
    return {"upload_s": uploaded - start, "confirm_s": stored - uploaded,
            "total_s": stored - start, "bytes": len(body)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    options = StackOptions(database=args.database, workers=0,
                           pg_name="buurtlijn_bench_web_members")
    with Stack(options) as stack:
        stack.seed_members(args.members, "11")
        from domain.db import db
        from domain.models import Bin

        db.session.add(Bin(code="12", name="BIN 12", municipality="Grensdorp"))
        db.session.commit()
        pages = list_pages(stack, _coordinator(stack, "c11@bench.example", ["11"]),
                           args.requests)
        imported = web_import(stack, _coordinator(stack, "c12@bench.example", ["12"]),
                              args.members)
    print(f"member pages, {args.members:,} members in one BIN, {args.database}; "
          f"{machine()}")
    for name, times in pages.items():
        verdict = "ok" if percentile(times, 95) < 100 else "OVER 100 ms"
        print(f"  {name:<11} server p50 {median(times):6.1f} ms  p95 "
              f"{percentile(times, 95):6.1f} ms  ({len(times)} requests)  {verdict}")
    verdict = "ok" if imported["total_s"] < 10 else "OVER 10 s"
    print(f"  import of {args.members:,} rows through the web ({imported['bytes'] / 1e6:.1f} MB "
          f"CSV): upload+preview {imported['upload_s']:.2f} s, confirm {imported['confirm_s']:.2f}"
          f" s, total {imported['total_s']:.2f} s  {verdict}")


if __name__ == "__main__":
    main()
