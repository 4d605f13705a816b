"""Paid against due as one horizontal bar (ivr.web.bar_picture)."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from domain.contributions import Overview
from ivr.web.bar_picture import stacked_bar


def paid_bar(view: Overview) -> Markup:
    """A bar split in paid (green), due (orange) and not asked (grey)."""
    paid, due, other = view.count("paid"), view.count("due"), view.count("not_asked")
    label = _("%(paid)d paid, %(due)d due, %(other)d not asked yet", paid=paid, due=due,
              other=other)
    return stacked_bar([(paid, "paid"), (due, "due"), (other, "other")], label)
