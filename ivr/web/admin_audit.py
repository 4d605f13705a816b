"""The admin's audit log: newest first, paginated, filtered by actor, action, subject, date,
BIN and "member data" (every view, export and change of member data).

Dates are days in the zone's time zone (TIMEZONE), as the admin reads them on the page;
calling numbers in actors and subjects are shown masked, like everywhere on the web."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields import SelectChoice

from domain.audit_log import AuditFilter, known_actions, search
from domain.db import db
from domain.models import Bin
from ivr.web.admin import ADMIN, bp, masked
from ivr.web.admin_forms import AuditFilterForm
from ivr.web.permissions import roles_required

PER_PAGE = 50


@bp.route("/audit", endpoint="audit")
@roles_required(ADMIN)
def audit_index():
    """The audit log with its filters; the filters stay in the address (bookmarkable)."""
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", "—")] + [SelectChoice(a, a) for a in known_actions()]
    form.bin.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(b.id), f"{b.code} {b.name}")
        for b in db.session.scalars(select(Bin).order_by(Bin.code))]
    wanted = AuditFilter()
    if form.validate():
        bin_id = form.bin.data or ""
        wanted = AuditFilter(actor=form.actor.data or "", action=form.action.data or "",
                             subject=form.subject.data or "",
                             since=_start_of(form.date_from.data),
                             until=_start_of(form.date_to.data, days=1),
                             bin_id=int(bin_id) if bin_id.isdigit() else None,
                             member_data=bool(form.member_data.data))
    page = search(wanted, request.args.get("page", 1, type=int), PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/audit.html", form=form, page=page, details=readable_details,
        page_args=args)


def readable_details(details: dict | None) -> list[tuple[str, str]]:
    """Each detail as a label and a plain value: booleans on/off, lists comma-joined."""
    rows = []
    for key, value in (details or {}).items():
        if isinstance(value, bool):
            text = _("on") if value else _("off")
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value) or "—"
        elif value is None:
            text = "—"
        else:
            text = masked(str(value))
        rows.append((key.replace("_", " "), text))
    return rows


def _start_of(day: date | None, days: int = 0) -> datetime | None:
    if day is None:
        return None
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return datetime.combine(day + timedelta(days=days), time.min, tzinfo=zone)
