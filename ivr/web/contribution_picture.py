"""Paid against due as one horizontal bar, drawn on the server as SVG (no script)."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from domain.contributions import Overview

WIDTH, HEIGHT = 480, 36


def paid_bar(view: Overview) -> Markup:
    """A bar split in paid (green), due (orange) and not asked (grey), with its numbers
    as the accessible name, so a screen reader hears what the eye sees."""
    paid, due, other = view.count("paid"), view.count("due"), view.count("not_asked")
    total = paid + due + other
    label = _("%(paid)d paid, %(due)d due, %(other)d not asked yet", paid=paid, due=due,
              other=other)
    parts, x = [], 0.0
    for count, css in ((paid, "paid"), (due, "due"), (other, "other")):
        if not count:
            continue
        width = WIDTH * count / total
        parts.append(f'<rect class="{css}" x="{x:.1f}" y="0" width="{width:.1f}" '
                     f'height="{HEIGHT}"/>')
        x += width
    if not parts:
        parts.append(f'<rect class="other" x="0" y="0" width="{WIDTH}" height="{HEIGHT}"/>')
    return Markup(f'<svg class="paid-bar" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
                  f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
                  f'{"".join(parts)}</svg>')
