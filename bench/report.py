"""Tables (terminal and markdown), the projection and the dispatch plot of `python -m bench`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.table import Table

from bench.measure import Concurrency, Dispatch, FirstRing, Scale
from bench.support import median

BIN_SIZES = (300, 1000, 5000)
PROJECTED_CPS = (1, 10, 30)


@dataclass
class Results:
    dispatch: list[Dispatch] = field(default_factory=list)
    concurrency: list[Concurrency] = field(default_factory=list)
    first_ring: list[FirstRing] = field(default_factory=list)
    scale: list[Scale] = field(default_factory=list)
    imports: list[tuple[str, int, float]] = field(default_factory=list)  # db, members, s
    peak: list[tuple[float, Dispatch]] = field(default_factory=list)  # (CPU probe s, run)
    failures: list[str] = field(default_factory=list)  # measurements that did not finish


LEGEND = [
    "Dispatch columns: *eff.* = (calls − 1) ÷ (last start − first start) ÷ CPS, from the "
    "carrier's start times; *eff. sent* the same from when our create requests were sent; "
    "*webhook ms* = the app's TwiML and status-callback response times as the carrier saw "
    "them, in the middle 60 % of the dialling (the peak); *in app ms* = the same requests "
    "timed inside gunicorn (whole broadcast); *CPU cores* = cores busy per role during the "
    "broadcast (web = gunicorn, wrk = the 2 RQ workers, sbx = the sandbox carrier; the "
    "database server is not counted); *complete* = every delivery settled, one carrier call "
    "per attempt, no number called twice.",
    "Peak runs: *CPU probe* = seconds a fixed 5,000,000-step Python loop took just before "
    "the run (lower is a faster core); on a shared machine it shows how much the speed "
    "of the cores varied between runs.",
]


def _f(value: float, digits: int = 2, unit: str = "") -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.{digits}f}{unit}"


def tables(r: Results) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for every section; rendered by rich and as markdown."""
    out = []
    if r.dispatch:
        short = {"web": "web", "worker": "wrk", "sandbox": "sbx"}
        rows = [[d.database, f"{d.members:,}", f"{d.cps:g}", f"{len(d.starts):,}",
                 _f(d.efficiency, 3), _f(d.sent_efficiency, 3),
                 f"{_f(d.webhook_p50_ms, 0)}/{_f(d.webhook_p99_ms, 0)}",
                 f"{_f(d.app_p50_ms, 0)}/{_f(d.app_p99_ms, 0)}", _f(d.plan_s, 2),
                 " ".join(f"{short[k]} {d.cpu_cores[k]:.2f}" for k in short
                          if k in d.cpu_cores),
                 "yes" if d.complete else "NO",
                 d.note if d.complete else f"{d.note} {d.detail}".strip()] for d in r.dispatch]
        out.append(("Dispatch efficiency: call starts per second ÷ CARRIER_CPS",
                    ["db", "members", "CPS", "calls", "eff.", "eff. sent",
                     "webhook ms p50/p99", "in app ms p50/p99", "plan s", "CPU cores",
                     "complete", "note"], rows))
    if r.peak:
        out.append(_peak_table(r.peak))
    if r.concurrency:
        rows = [[c.database, str(c.members), _f(c.utilisation, 3), _f(c.mean_gap_ms, 0),
                 f"{_f(c.call_s, 2)} s ({c.call_s / c.time_scale:.0f} s unscaled)"]
                for c in r.concurrency]
        out.append(("Concurrency utilisation (CARRIER_MAX_CONCURRENT=3)",
                    ["database", "members", "all 3 slots busy (fraction of time)",
                     "slot freed → next call started (ms, median)", "call length (median)"],
                    rows))
    if r.first_ring:
        rows = [[f.database, f"{f.seconds:.0f} s", str(f.runs), _f(f.median_s * 1000, 0),
                 _f(max(f.samples) * 1000, 0)] for f in r.first_ring]
        out.append(("Time to first ring (officer presses 1 → first member call created)",
                    ["database", "recording", "runs", "median (ms)", "max (ms)"], rows))
    if r.scale:
        rows = [[s.database, f"{s.members:,}", _f(s.plan_s, 2), _f(s.redis_peak_mb, 1),
                 _f(s.worker_rss_mb, 0), f"{s.calls:,}",
                 f"{s.detail['deliveries']:,} deliveries, {s.detail['open']} open, "
                 f"{s.detail['attempts']:,} attempts = {s.detail['carrier_calls']:,} "
                 f"carrier calls", "yes" if s.complete else "NO", s.note] for s in r.scale]
        out.append(("Scale", ["database", "members", "plan (s)", "Redis peak (MB)",
                              "worker RSS peak (MB)", "calls", "check", "nothing lost",
                              "note"], rows))
    if r.imports:
        rows = [[db, f"{n:,}", _f(s, 2), f"{n / s:,.0f}"] for db, n, s in r.imports]
        out.append(("Member import (CSV, `flask member import`)",
                    ["database", "members", "median (s)", "members/s"], rows))
    projection = project(r)
    if projection:
        out.append(projection)
    return out


def _peak_table(peak: list[tuple[float, Dispatch]]) -> tuple[str, list[str], list[list[str]]]:
    """Each run of 1,000 members at 50 calls/s, then the median per database."""
    rows = []
    for database in dict.fromkeys(d.database for _, d in peak):
        runs = [(probe, d) for probe, d in peak if d.database == database]
        for n, (probe, d) in enumerate(runs, 1):
            rows.append([database, str(n), _f(probe, 2), _f(d.efficiency, 3),
                         _f(d.webhook_p50_ms, 0), _f(d.webhook_p99_ms, 0),
                         _f(d.app_p99_ms, 0), "yes" if d.complete else "NO"])
        rows.append([database, "median", _f(median([p for p, _ in runs]), 2),
                     _f(median([d.efficiency for _, d in runs]), 3),
                     _f(median([d.webhook_p50_ms for _, d in runs]), 0),
                     _f(median([d.webhook_p99_ms for _, d in runs]), 0),
                     _f(median([d.app_p99_ms for _, d in runs]), 0),
                     "yes" if all(d.complete for _, d in runs) else "NO"])
    return ("Webhook latency at the peak of a 50 calls/s broadcast (1,000 members, "
            "repeated runs)", ["db", "run", "CPU probe (s)", "eff.", "webhook p50 ms",
                               "webhook p99 ms", "in app p99 ms", "complete"], rows)


def project(r: Results) -> tuple[str, list[str], list[list[str]]] | None:
    """Time to reach a BIN: members ÷ (CPS × the efficiency measured nearest that CPS);
    with 3 concurrent calls, the slots' cycle (the measured call length, unscaled, plus the
    measured gap before a freed slot's next call) bounds it."""
    measured = [d for d in r.dispatch if not math.isnan(d.efficiency)]
    if not measured:
        return None

    def efficiency(cps: float) -> float:
        nearest = min(measured, key=lambda d: (abs(math.log(d.cps / cps)), d.members))
        return min(1.0, nearest.efficiency)

    gap_s = (r.concurrency[0].mean_gap_ms / 1000) if r.concurrency else 0.0
    call_s = r.concurrency[0].call_s / r.concurrency[0].time_scale if r.concurrency else 65.0
    rows = []
    for size in BIN_SIZES:
        row = [f"{size:,}"]
        for cps in PROJECTED_CPS:
            row.append(_duration(size / (cps * efficiency(cps))))
        row.append(_duration(math.ceil(size / 3) * (call_s + gap_s)))
        rows.append(row)
    header = ["BIN members", *[f"{c} calls/s" for c in PROJECTED_CPS],
              f"3 concurrent calls ({call_s:.0f} s calls)"]
    return ("Projection: time to reach everyone (first attempts), from the measured "
            "efficiency", header, rows)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def rich_tables(r: Results) -> list[Table]:
    rendered = []
    for title, header, rows in tables(r):
        table = Table(*header, title=title, title_justify="left")
        for row in rows:
            table.add_row(*row)
        rendered.append(table)
    return rendered


def markdown(r: Results, heading: str, preamble: Sequence[str]) -> str:
    lines = [f"# {heading}", "", *preamble, "", *LEGEND, ""]
    for title, header, rows in tables(r):
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |",
                  "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
                  for row in rows]
        lines.append("")
    if r.failures:
        lines += ["## Measurements that did not finish", "", *[f"- {f}" for f in r.failures], ""]
    return "\n".join(lines)


def plot(r: Results, path: str) -> None:
    """Calls started over time against the ideal line of the CPS limit, per database."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    databases = sorted({d.database for d in r.dispatch}, key=lambda n: n != "sqlite")
    fig, axes = plt.subplots(1, len(databases), figsize=(6 * len(databases), 4.2),
                             squeeze=False)
    for ax, database in zip(axes[0], databases, strict=True):
        runs = [d for d in r.dispatch if d.database == database]
        biggest = max(d.members for d in runs)
        for d in sorted((d for d in runs if d.members == biggest), key=lambda d: d.cps):
            line, = ax.plot(d.starts, range(1, len(d.starts) + 1),
                            label=f"{d.cps:g} calls/s: efficiency {d.efficiency:.2f}")
            end = d.starts[-1] if d.starts else 0
            ax.plot([0, end], [1, 1 + end * d.cps], linestyle="--", color=line.get_color(),
                    alpha=0.6)
        ax.set_title(f"{database}: {biggest:,} members (dashed: the CPS limit)")
        ax.set_xlabel("seconds since the first call started")
        ax.set_ylabel("calls started")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
