"""Buurtlijn's speed and limits, measured on the whole stack (`make bench`, `make bench-full`).

    .venv/bin/python -m bench            # quick subset, under 3 minutes
    .venv/bin/python -m bench --full     # everything (about 25 minutes on 2 cores)
    .venv/bin/python -m bench --full --databases sqlite
    .venv/bin/python -m bench --headroom [--members 10000 --cps 50 --values 0.01,0.005]

Prints the tables and writes them as markdown plus a plot of calls started over time
into docs/ (benchmarks.md and dispatch.png for --full; *-quick.* for the quick subset).
Each measurement starts its own stack (bench/stack.py): gunicorn, RQ workers, Redis, the
database and the sandbox carrier as separate processes. Figures from a shared 2-core
machine are noisy: read the ratios and medians, and compare figures of one run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime
from functools import partial
from pathlib import Path

from rich.console import Console

from bench import headroom, measure, report
from bench.support import cpu_probe_s, machine, pg_available, pg_reset

DOCS = Path(__file__).resolve().parents[1] / "docs"

QUICK = {
    "dispatch": [(1000, 50, None), (1000, 100, None)],
    "dispatch_pg": [(1000, 50, None)],
    "concurrency": 30, "first_ring": 5, "import": 2000, "scale": None,
}
FULL = {
    # (members, CPS, window): a 10,000-member broadcast is dialled for `window` seconds
    # and then cancelled, so that the whole set stays within a sane time budget
    "dispatch": [(1000, 10, None), (1000, 30, None), (1000, 50, None), (1000, 100, None),
                 (10_000, 10, 60), (10_000, 50, 90), (10_000, 100, 90)],
    "concurrency": 60, "first_ring": 20, "import": 10_000, "scale": (100_000, 45),
    # the webhook-latency target is judged at 50 calls/s: repeated, and the median reported
    "peak_runs": 3,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="all measurements")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated; postgresql is skipped when not reachable")
    parser.add_argument("--scale-all", action="store_true",
                        help="dial all 100,000 members instead of a window (long)")
    parser.add_argument("--out", type=Path, default=DOCS)
    parser.add_argument("--headroom", action="store_true",
                        help="only the PACING_HEADROOM series (bench/headroom.py), into "
                             "docs/headroom.md")
    parser.add_argument("--values", default="0.03,0.01,0.005,0.0025,0",
                        help="--headroom: comma-separated PACING_HEADROOM values")
    parser.add_argument("--members", type=int, default=10_000, help="--headroom: BIN size")
    parser.add_argument("--cps", type=int, default=50, help="--headroom: CARRIER_CPS")
    args = parser.parse_args()
    probe = Console()
    console = probe if probe.is_terminal else Console(width=170)  # logs: rows unwrapped
    if args.headroom:
        _headroom(console, args)
        return
    plan = FULL if args.full else QUICK
    databases = [d for d in args.databases.split(",") if d]
    if "postgresql" in databases and not pg_available():
        console.print("[yellow]PostgreSQL not reachable: SQLite only[/]")
        databases.remove("postgresql")
    started = time.monotonic()
    results = report.Results()
    for database in databases:
        runs = plan.get("dispatch_pg", plan["dispatch"]) if database != "sqlite" \
            else plan["dispatch"]
        for members, cps, window in runs:
            what = f"{database}: dispatch {members:,} members at {cps} calls/s"
            _step(console, what)
            row = _attempt(console, results, what, partial(
                measure.dispatch, database, members, cps, window_s=window))
            if row:
                results.dispatch.append(row)
                _show_last(console, row)
        for run in range(plan.get("peak_runs", 0)):
            what = f"{database}: peak of 50 calls/s, run {run + 1}"
            _step(console, what)
            probe_s = cpu_probe_s()
            row = _attempt(console, results, what, partial(measure.dispatch, database, 1000, 50))
            if row:
                results.peak.append((probe_s, row))
                _show_last(console, row)
        if database == "sqlite" or args.full:
            _step(console, f"{database}: concurrency, 3 slots")
            results.concurrency.append(measure.concurrency(database, plan["concurrency"]))
            _step(console, f"{database}: time to first ring, {plan['first_ring']} runs")
            results.first_ring.append(measure.first_ring(database, plan["first_ring"]))
            _step(console, f"{database}: import {plan['import']:,} members")
            results.imports.append((database, plan["import"],
                                    import_seconds(database, plan["import"])))
        if plan["scale"]:
            members, window = plan["scale"]
            _step(console, f"{database}: scale, {members:,} members")
            results.scale.append(measure.scale(database, members,
                                               window_s=None if args.scale_all else window))
    took = time.monotonic() - started
    for table in report.rich_tables(results):
        console.print(table)
    for failure in results.failures:
        console.print(f"[red]did not finish: {failure}[/]")
    suffix = "" if args.full else "-quick"
    command = "make bench-full" if args.full else "make bench"
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    preamble = [f"Measured {when} on {machine()} with `{command}` "
                f"({took / 60:.1f} min); databases: {', '.join(databases)}.", "",
                "Each row is its own stack: gunicorn (2 workers x 8 threads), 2 RQ workers, "
                "Redis, the database and the sandbox carrier as separate processes, all on "
                "this one machine. The sandbox time-scales calls (a 45 s call takes about a "
                "second) but enforces CPS and concurrency in real time. Timing figures on a "
                "shared 2-core machine are noisy: compare ratios and medians of one run.", "",
                "![calls started over time against the CPS limit]"
                f"(dispatch{suffix}.png)"]
    args.out.mkdir(parents=True, exist_ok=True)
    md = args.out / f"benchmarks{suffix}.md"
    md.write_text(report.markdown(results, "Buurtlijn benchmarks", preamble))
    if results.dispatch:
        report.plot(results, str(args.out / f"dispatch{suffix}.png"))
    console.print(f"[green]written {md} and dispatch{suffix}.png in {took / 60:.1f} min[/]")


def _headroom(console: Console, args: argparse.Namespace) -> None:
    try:
        values = [float(v) for v in args.values.split(",") if v.strip()]
    except ValueError:
        raise SystemExit(f"--values: expected numbers like 0.01,0.005, not {args.values!r}") \
            from None
    database = args.databases.split(",")[0] or "sqlite"
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    note = (f"Measured {when} on {machine()} with `python -m bench --headroom --members "
            f"{args.members} --cps {args.cps} --values {args.values}`, {database}.")
    headroom.main(console, values, args.members, args.cps, database,
                  args.out / "headroom.md", note)


def import_seconds(database: str, members: int, runs: int = 3) -> float:
    """Median of `runs` imports through the real CLI command (bench/import_members.py)."""
    from bench.import_members import run_once

    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            url = pg_reset("buurtlijn_bench_import") if database == "postgresql" else None
            times.append(run_once(members, url, Path(tmp)))
    return statistics.median(times)


def _attempt(console: Console, results: report.Results, what: str, measurement):
    """Run one measurement; one that times out is reported, and the rest still run."""
    try:
        return measurement()
    except TimeoutError as exc:
        console.print(f"[red]  failed: {exc}[/]")
        results.failures.append(f"{what}: {exc}")
        return None


def _step(console: Console, text: str) -> None:
    console.print(f"[bold cyan]→[/] {text}")


def _show_last(console: Console, d: measure.Dispatch) -> None:
    console.print(f"  efficiency {d.efficiency:.3f}, webhook p99 {d.webhook_p99_ms:.0f} ms, "
                  f"{len(d.starts):,} calls, nothing lost: {d.complete}")


if __name__ == "__main__":
    main()
