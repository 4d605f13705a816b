"""Benchmark: the cost totals (domain.costs) over a year of calls of a large zone.

    PYTHONPATH=. .venv/bin/python -m bench.costs [--attempts 100000] [--database-url URL]

A fresh database (SQLite in a temp folder, or URL: downgraded to nothing and migrated)
with 3 BINs, 10,000 members and `--attempts` priced call attempts spread over 12 months
(deliveries of 1,000 per message, one attempt each). Times, median of --runs: the /costs
page's figures (12 months per BIN for every BIN, and for one BIN, plus the messages of a
month), one message's cost (the broadcast page) and the estimate for a 10,000-member
message. Target: each under 0.5 s at 100,000 attempts.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.support import offline_app

MEMBERS = 10_000
PER_MESSAGE = 1_000


def _fill(attempts: int) -> tuple[list[int], list[int]]:
    from sqlalchemy import insert

    from domain.db import db
    from domain.models import Bin, CallAttempt, Delivery, Member, Membership, Message, MessageBin

    bins = []
    for code in ("11", "12", "13"):
        row = Bin(code=code, name=f"BIN {code}")
        db.session.add(row)
        db.session.flush()
        bins.append(row.id)
    db.session.execute(insert(Member), [
        {"id": i + 1, "name": f"Lid {i}", "phone": f"+32470{i:06d}" if i % 3 else
         f"+3236{i:06d}", "phone_type": "mobile" if i % 3 else "landline", "language": "nl",
         "status": "active"} for i in range(MEMBERS)])
    db.session.execute(insert(Membership), [
        {"member_id": i + 1, "bin_id": bins[i % 3], "status": "active"} for i in range(MEMBERS)])
    start = datetime.now(UTC) - timedelta(days=320)
    message_ids = []
    for n in range(0, attempts, PER_MESSAGE):
        when = start + timedelta(days=320 * n / attempts)
        message = Message(kind="urgent", status="completed", confirmed_at=when)
        db.session.add(message)
        db.session.flush()
        message_ids.append(message.id)
        db.session.add(MessageBin(message_id=message.id, bin_id=bins[(n // PER_MESSAGE) % 3]))
        count = min(PER_MESSAGE, attempts - n)
        first = db.session.execute(insert(Delivery).returning(Delivery.id), [
            {"message_id": message.id, "member_id": (n + i) % MEMBERS + 1,
             "bin_id": bins[((n + i) % MEMBERS) % 3], "phone": f"+32470{n + i:07d}",
             "status": "done", "outcome": "human", "attempts": 1}
            for i in range(count)]).scalars().all()
        db.session.execute(insert(CallAttempt), [
            {"delivery_id": d, "attempt_no": 1, "to_number": "+32470000000",
             "status": "completed", "dialed_at": when, "ended_at": when, "duration_s": 50,
             "price": Decimal("0.15"), "price_unit": "EUR"} for d in first])
    db.session.commit()
    return bins, message_ids


def run_once(attempts: int, database_url: str | None, workdir: Path) -> dict[str, float]:
    from domain import costs
    from domain.db import db

    with offline_app(database_url, workdir):
        bins, message_ids = _fill(attempts)
        months = costs.recent_months(12)
        timed = {
            "12 months, every BIN": lambda: costs.by_bin_and_month(months),
            "12 months, one BIN": lambda: costs.by_bin_and_month(months, {bins[0]}),
            "messages of a month": lambda: costs.by_message(months[-2]),
            "one message": lambda: costs.message_cost(message_ids[len(message_ids) // 2]),
            "estimate, 10,000 members": lambda: costs.estimate(bins, 30_000),
        }
        out = {}
        for name, work in timed.items():
            started = time.perf_counter()
            work()
            out[name] = time.perf_counter() - started
        total = sum(c.amount for m in costs.by_bin_and_month(months).values()
                    for c in m.values())
        assert total == Decimal("0.15") * attempts, total
        db.session.remove()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [run_once(args.attempts, args.database_url, Path(tmp)) for _ in range(args.runs)]
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"costs over {args.attempts} call attempts on {db} (median of {args.runs}):")
    for name in runs[0]:
        print(f"  {name:<26} {statistics.median(r[name] for r in runs) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
