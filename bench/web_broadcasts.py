"""Benchmark: the broadcast page and its live fragment during a 1,000-member broadcast.

    PYTHONPATH=. .venv/bin/python -m bench.web_broadcasts --database sqlite|postgresql
                                                         [--members 1000] [--cps 50]

The real stack (bench.stack): redis-server, the migrated database, the sandbox carrier,
gunicorn and two `flask --app ivr worker` processes. A dispatcher and a coordinator sign
in through /login (password, and TOTP for the dispatcher) and, while the broadcast runs,
open the broadcast page, its live fragment (what htmx polls every 2 s), the member table's
second page and a filter, round after round, until every member is settled; then once
more on the finished broadcast. The server time is gunicorn's own (its access log, %(D)s),
so it is the app's share, without the sockets; but on a small machine it includes the
wait for a core, shared with the workers, the sandbox and the carrier's webhooks served
by the same gunicorn: the load average and each part's CPU seconds are printed with the
figures. Target: p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from collections import defaultdict

import pyotp
import requests

from bench.stack import Stack, StackOptions
from bench.support import machine, median, percentile

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TARGET_MS = 100.0


def signed_in(stack: Stack, user, password: str) -> requests.Session:
    """A browser-like session signed in through the real form."""
    session = requests.Session()
    html = session.get(f"{stack.web_url}/login", timeout=10).text
    form = {"csrf_token": TOKEN.search(html).group(1), "email": user.email,
            "password": password}
    if user.totp_secret:
        form["totp"] = pyotp.TOTP(user.totp_secret).now()
    response = session.post(f"{stack.web_url}/login", data=form, timeout=10,
                            allow_redirects=False)
    if response.status_code != 302:
        raise RuntimeError(f"sign-in of {user.email} failed: {response.status_code}")
    return session


def pages(message_id: int) -> dict[str, str]:
    base = f"/broadcasts/{message_id}"
    return {"page": base, "live": f"{base}/live", "page 2": f"{base}?page=2",
            "filter": f"{base}?show=reached"}


def server_times(stack: Stack, since_line: int) -> tuple[dict[str, list[float]], int]:
    """Gunicorn's time (ms) per broadcast-page request logged after line `since_line`."""
    lines = (stack.dir / "access.log").read_text().splitlines()
    times: dict[str, list[float]] = defaultdict(list)
    for line in lines[since_line:]:
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith("/broadcasts/") and parts[1] == "200":
            kind = "live" if parts[0].endswith("/live") else "page"
            times[kind].append(int(parts[2]) / 1000)
    return times, len(lines)


def rounds(sessions: dict[str, requests.Session], stack: Stack, message_id: int,
           until_settled: bool, pause_s: float) -> int:
    """Request every page as every user; repeat until the broadcast settles (or once)."""
    from domain.db import db
    from domain.models import Message

    count = 0
    while True:
        for session in sessions.values():
            for path in pages(message_id).values():
                response = session.get(stack.web_url + path, timeout=30)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")
                count += 1
        if not until_settled:
            return count
        db.session.expire_all()
        status = db.session.get(Message, message_id).status
        db.session.commit()
        if status in ("completed", "cancelled", "refused"):
            return count
        time.sleep(pause_s)


def report(label: str, times: dict[str, list[float]]) -> bool:
    ok = True
    for kind in ("page", "live"):
        values = times.get(kind, [])
        p95 = percentile(values, 95)
        ok &= p95 < TARGET_MS
        print(f"  {label:<22} {kind:<5} n={len(values):<4} median {median(values):6.1f} ms  "
              f"p95 {p95:6.1f} ms  max {max(values, default=float('nan')):6.1f} ms")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--cps", type=float, default=50.0)
    parser.add_argument("--pause", type=float, default=0.25, help="seconds between rounds")
    args = parser.parse_args()
    options = StackOptions(database=args.database, cps=args.cps, workers=2,
                           pg_name="buurtlijn_bench_web_broadcasts")
    print(f"broadcast page benchmark: {args.members} members, CARRIER_CPS {args.cps:g}, "
          f"{args.database}; {machine()}")
    with Stack(options) as stack:
        from domain.db import db
        from domain.models import Bin
        from tests.factories import WEB_PASSWORD, make_web_user

        stack.seed_members(args.members)
        bin_ = db.session.scalar(db.select(Bin).where(Bin.code == "11"))
        users = {"dispatcher": make_web_user(db, "dispatcher"),
                 "coordinator": make_web_user(db, "coordinator", bins=[bin_])}
        sessions = {name: signed_in(stack, user, WEB_PASSWORD) for name, user in users.items()}
        _, mark = server_times(stack, 0)
        cpu_before, load_before = stack.cpu_seconds(), os.getloadavg()[0]
        started = time.monotonic()
        message_id = stack.start_broadcast()
        during = rounds(sessions, stack, message_id, until_settled=True, pause_s=args.pause)
        took = time.monotonic() - started
        cpu = {role: used - cpu_before.get(role, 0.0)
               for role, used in stack.cpu_seconds().items()}
        load_after = os.getloadavg()[0]
        live_times, mark = server_times(stack, mark)
        for _ in range(5):
            rounds(sessions, stack, message_id, until_settled=False, pause_s=0)
        done_times, _ = server_times(stack, mark)
        print(f"  broadcast settled in {took:.1f} s; {during} requests while it ran; "
              f"load average {load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} cores")
        print("  CPU seconds while calling: " + ", ".join(
            f"{role} {used:.1f}" for role, used in sorted(cpu.items(), key=lambda i: -i[1])))
        ok = report("while calling", live_times)
        ok &= report("finished (1,000 rows)", done_times)
        errors = stack.tracebacks()
        if errors:
            print(f"  tracebacks: {errors}")
    print(f"  target p95 < {TARGET_MS:.0f} ms: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
