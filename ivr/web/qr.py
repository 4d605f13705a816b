"""QR codes as inline SVG, drawn on the server (no script, works offline and in print)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(data: str, label: str, scale: int = 4) -> Markup:
    """An accessible inline SVG of `data`; `label` is what a screen reader announces."""
    svg = segno.make(data, error="m").svg_inline(scale=scale, title=label, border=2)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))
