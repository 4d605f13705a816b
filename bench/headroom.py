"""How much pacing headroom the carrier needs: `python -m bench --headroom` (item 9, issue 10).

For each PACING_HEADROOM value one broadcast runs on its own whole stack (bench/stack.py:
gunicorn, 2 RQ workers, Redis, the database, the sandbox with its CPS set to CARRIER_CPS),
and what is judged is what the *carrier* saw: the sandbox's own `created_ts` of every
create request, not our `dialed_at`. Between the two lie the twilio SDK, the HTTP request
and the sandbox's request thread; their jitter is what can put CARRIER_CPS + 1 creates into
one second at the carrier although the gate (domain.broadcast.pacing) let them out a second apart.

Columns: *rate* = (creates - 1) / (last create - first create) / CPS; *max in 1 s* = most
creates in any one-second window, sliding over the create times (the strictest way to
count: any fixed one-second buckets hold no more); *violations* = creates that made such a
window hold more than CPS; *tightest* = the shortest span of CPS + 1 consecutive creates
minus one second (negative: a violation, by that much); *send->receipt* = the sandbox's
create time minus the gate's (same machine, same clock), p50 / p99 / max.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.measure import HUMAN, completeness, repair_s
from bench.stack import Stack, StackOptions
from bench.support import percentile


@dataclass
class HeadroomRun:
    headroom: float
    members: int
    cps: int
    creates: int
    rate: float  # achieved create rate at the carrier / CPS
    max_window: int  # most creates in any one-second window at the carrier
    violations: int  # creates that put a window over CPS
    tightest_ms: float  # shortest span of CPS + 1 creates, minus 1 s
    latency_ms: tuple[float, float, float]  # gate -> sandbox receipt: p50, p99, max
    took_s: float
    complete: bool


def windows(created: list[float], cps: int) -> tuple[int, int, float]:
    """(most creates in any one-second window, violations, tightest span - 1 s in ms)
    over sorted create times; a window [t, t + 1 s) starts at each create."""
    most, violations, tightest = 0, 0, float("inf")
    j = 0
    for i, t in enumerate(created):
        while j < len(created) and created[j] < t + 1.0:
            j += 1
        most = max(most, j - i)
        if i + cps < len(created):
            span = created[i + cps] - t
            tightest = min(tightest, span - 1.0)
            violations += span < 1.0
    return most, violations, tightest * 1000


def run(headroom: float, members: int, cps: int, database: str = "sqlite",
        workers: int = 2) -> HeadroomRun:
    """One broadcast to `members` at CARRIER_CPS `cps` with PACING_HEADROOM `headroom`."""
    from sqlalchemy import select

    from domain.db import db
    from domain.models import CallAttempt

    options = StackOptions(database=database, cps=cps, workers=workers, scenario=HUMAN,
                           env={"PACING_HEADROOM": repr(headroom)})
    with Stack(options) as stack:
        stack.seed_members(members)
        started = time.monotonic()
        message_id = stack.start_broadcast()
        stack.wait_settled(message_id, timeout=max(members / cps * 3 + 120, repair_s()))
        took = time.monotonic() - started
        stack.sandbox_idle()
        calls = stack.sandbox_calls()
        check = completeness(stack, message_id, calls)
        sent = dict(db.session.execute(select(CallAttempt.call_sid, CallAttempt.dialed_at)
                                       .where(CallAttempt.call_sid.is_not(None))).all())
        db.session.commit()
    created = sorted(c["created_ts"] for c in calls)
    most, violations, tightest = windows(created, cps)
    rate = (len(created) - 1) / (created[-1] - created[0]) / cps if len(created) > 1 else 0.0
    latency = [(c["created_ts"] - _epoch(sent[c["sid"]])) * 1000 for c in calls
               if sent.get(c["sid"])]
    return HeadroomRun(headroom=headroom, members=members, cps=cps, creates=len(created),
                       rate=rate, max_window=most, violations=violations,
                       tightest_ms=tightest,
                       latency_ms=(percentile(latency, 50), percentile(latency, 99),
                                   max(latency, default=float("nan"))),
                       took_s=took, complete=check["ok"])


def _epoch(moment: datetime) -> float:
    """SQLite hands back naive datetimes; they are UTC (domain.models.utcnow)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


HEADER = ["headroom", "members", "CPS", "creates", "rate / limit", "max in 1 s", "violations",
          "tightest ms", "send->receipt ms p50/p99/max", "broadcast s", "complete"]


def row(r: HeadroomRun) -> list[str]:
    p50, p99, worst = r.latency_ms
    return [f"{r.headroom:g}", f"{r.members:,}", str(r.cps), f"{r.creates:,}", f"{r.rate:.4f}",
            str(r.max_window), str(r.violations), f"{r.tightest_ms:+.1f}",
            f"{p50:.1f}/{p99:.1f}/{worst:.1f}", f"{r.took_s:.0f}",
            "yes" if r.complete else "NO"]


def markdown_section(runs: list[HeadroomRun], members: int, cps: int, note: str) -> str:
    lines = [f"<!-- headroom:{members}x{cps} -->",
             f"### {members:,} members at CARRIER_CPS {cps}, 2 workers", "", note, "",
             "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row(r)) + " |" for r in runs]
    lines += ["", f"<!-- /headroom:{members}x{cps} -->"]
    return "\n".join(lines)


def write_section(path: Path, section: str, members: int, cps: int) -> None:
    """Replace this configuration's section of `path` (the rest is prose, kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text() if path.exists() else "# Pacing headroom\n"
    pattern = re.compile(rf"<!-- headroom:{members}x{cps} -->.*?<!-- /headroom:{members}x{cps} -->",
                         re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n")


def main(console: Console, values: list[float], members: int, cps: int, database: str,
         out: Path, note: str) -> list[HeadroomRun]:
    runs = []
    for headroom in values:
        console.print(f"[bold cyan]→[/] headroom {headroom:g}: {members:,} members at "
                      f"{cps} calls/s, {database}")
        try:
            runs.append(run(headroom, members, cps, database))
        except TimeoutError as exc:
            console.print(f"[red]  failed: {exc}[/]")
            continue
        console.print("  " + "  ".join(f"{h} {v}" for h, v in zip(HEADER, row(runs[-1]),
                                                                    strict=True)))
    table = Table(title=f"Pacing headroom: {members:,} members at CARRIER_CPS {cps}")
    for name in HEADER:
        table.add_column(name, justify="right")
    for r in runs:
        table.add_row(*row(r))
    console.print(table)
    if runs:
        write_section(out, markdown_section(runs, members, cps, note), members, cps)
        console.print(f"[green]written {out}[/]")
    return runs
