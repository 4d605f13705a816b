"""The time-to-reach curve as an SVG drawn on the server: no script, no chart library.

Members reached over time (a step line, from each member's answer) against the ideal:
every member dialled at the carrier's pace (CARRIER_CPS calls per second) and answering
at once. The gap between the two is ringing, retries and the wait for a free line.
"""

from __future__ import annotations

import math

from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 44
MAX_POINTS = 400  # a 10,000-member curve stays a small document


def nice_step(span: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about `ticks` ticks."""
    raw = max(span, 1e-9) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _fmt(value: float) -> str:
    return f"{value:g}" if value < 1000 else f"{value:.0f}"


def _thin(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Keep at most MAX_POINTS evenly spread steps, always the last one."""
    if len(points) <= MAX_POINTS:
        return points
    every = len(points) / MAX_POINTS
    kept = [points[int(i * every)] for i in range(MAX_POINTS)]
    return [*kept, points[-1]]


def reach_chart(times: list[float], total: int, cps: float, now_s: float | None = None) -> Markup:
    """An accessible SVG of `times` (seconds from send to each answer, ascending) for
    `total` members, with the ideal line at `cps` (no ideal when the pace is unlimited).
    `now_s` extends the curve to the present while the broadcast runs."""
    ideal_end = total / cps if cps and total else 0.0
    x_max = max([1.0, ideal_end, now_s or 0.0, *(times[-1:] or [0.0])])
    y_max = max(1, total)
    x_step, y_step = nice_step(x_max), nice_step(y_max)
    x_max, y_max = math.ceil(x_max / x_step) * x_step, math.ceil(y_max / y_step) * y_step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(s: float) -> float:
        return round(LEFT + s / x_max * plot_w, 1)

    def y(n: float) -> float:
        return round(TOP + plot_h - n / y_max * plot_h, 1)

    title = _("Members reached over time")
    desc = _("%(reached)s of %(total)s members reached; the last after %(seconds)s s.",
             reached=len(times), total=total, seconds=_fmt(round(times[-1], 1)) if times else 0)
    parts = [f'<svg class="reach-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="chart-title">{escape(title)}</title>',
             f'<desc id="chart-desc">{escape(desc)}</desc>']
    parts.append('<g class="grid" stroke="#d5d9e0" stroke-width="1" font-size="12" '
                 'fill="#5a6270">')
    tick = 0.0
    while tick <= x_max + 1e-9:
        parts.append(f'<line x1="{x(tick)}" y1="{TOP}" x2="{x(tick)}" y2="{TOP + plot_h}"/>'
                     f'<text x="{x(tick)}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                     f'stroke="none">{_fmt(tick)}</text>')
        tick += x_step
    tick = 0.0
    while tick <= y_max + 1e-9:
        parts.append(f'<line x1="{LEFT}" y1="{y(tick)}" x2="{LEFT + plot_w}" y2="{y(tick)}"/>'
                     f'<text x="{LEFT - 6}" y="{y(tick) + 4}" text-anchor="end" '
                     f'stroke="none">{_fmt(tick)}</text>')
        tick += y_step
    parts.append("</g>")
    x_label, y_label = escape(_("time since send (s)")), escape(_("members reached"))
    parts.append(f'<text class="axis-label" x="{LEFT + plot_w / 2}" y="{HEIGHT - 6}" '
                 f'text-anchor="middle" font-size="13">{x_label}</text>')
    parts.append(f'<text class="axis-label" x="14" y="{TOP + plot_h / 2}" font-size="13" '
                 f'text-anchor="middle" transform="rotate(-90 14 {TOP + plot_h / 2})">'
                 f'{y_label}</text>')
    if ideal_end:
        parts.append(f'<polyline class="ideal" fill="none" stroke="#5a6270" stroke-width="2" '
                     f'stroke-dasharray="6 4" points="{x(0)},{y(0)} {x(ideal_end)},{y(total)} '
                     f'{x(x_max)},{y(total)}"><title>{escape(ideal_label(cps))}</title>'
                     f'</polyline>')
    steps = [(0.0, 0.0)]
    for n, t in enumerate(times, start=1):
        steps += [(t, n - 1), (t, n)]
    if now_s is not None and now_s > steps[-1][0]:
        steps.append((now_s, len(times)))
    points = " ".join(f"{x(s)},{y(n)}" for s, n in _thin(steps))
    parts.append(f'<polyline class="actual" fill="none" stroke="#0b3d91" stroke-width="2.5" '
                 f'points="{points}"><title>{escape(title)}</title></polyline>')
    parts.append("</svg>")
    return Markup("".join(parts))


def ideal_label(cps: float) -> str:
    return _("ideal: %(cps)s calls per second", cps=_fmt(cps))
