"""One horizontal bar split in parts, drawn on the server as SVG (no script).

Its accessible name is the figures it shows, so a screen reader hears what the eye sees."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT = 480, 36


def stacked_bar(parts: list[tuple[int, str]], label: str) -> Markup:
    """`parts` are (count, css class) left to right; an empty bar is drawn grey."""
    total = sum(count for count, _ in parts)
    rects, x = [], 0.0
    for count, css in parts:
        if not count:
            continue
        width = WIDTH * count / total
        rects.append(f'<rect class="{css}" x="{x:.1f}" y="0" width="{width:.1f}" '
                     f'height="{HEIGHT}"/>')
        x += width
    if not rects:
        rects.append(f'<rect class="other" x="0" y="0" width="{WIDTH}" height="{HEIGHT}"/>')
    return Markup(f'<svg class="paid-bar" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
                  f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
                  f'{"".join(rects)}</svg>')
