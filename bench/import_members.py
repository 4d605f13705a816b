"""Benchmark: `member import` of a generated N-member CSV on a fresh database.

    .venv/bin/python -m bench.import_members --members 1000 [--database-url URL]

Prints validation and storage time for the real CLI command (median of --runs).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench.support import offline_app

HEADER = "bin_code,name,street,house_number,postcode,municipality,phone,phone2,language,email"


def member_csv(n: int) -> str:
    rows = [HEADER]
    for i in range(n):
        phone = f"+32470{i:06d}" if i % 2 else f"+32364{i % 100000:05d}"
        phone2 = f"+32471{i:06d}" if i % 7 == 0 else ""
        rows.append(f"{11 + i % 3},Lid {i},Kerkstraat,{i},2990,Grensdorp,{phone},{phone2},nl,")
    return "\n".join(rows) + "\n"


def run_once(n: int, database_url: str | None, workdir: Path) -> float:
    from domain.db import db
    from domain.models import Bin

    csv_path = workdir / "members.csv"
    csv_path.write_text(member_csv(n))
    with offline_app(database_url, workdir) as app:
        for code in ("11", "12", "13"):
            db.session.add(Bin(code=code, name=f"BIN {code}"))
        db.session.commit()
        runner = app.test_cli_runner()
        start = time.perf_counter()
        result = runner.invoke(args=["member", "import", str(csv_path)])
        elapsed = time.perf_counter() - start
        if result.exit_code != 0:
            raise SystemExit(result.output)
        stored = db.session.execute(text("SELECT count(*) FROM members")).scalar()
        assert stored == n, (stored, n)
        db.session.remove()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = [run_once(args.members, args.database_url, Path(tmp)) for _ in range(args.runs)]
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"import of {args.members} members on {db}: median {statistics.median(times):.2f} s "
          f"(runs: {', '.join(f'{t:.2f} s' for t in times)}); "
          f"{args.members / statistics.median(times):.0f} members/s")


if __name__ == "__main__":
    main()
