"""Replacing a BIN's zone from a CSV through the web: upload, preview, confirm.

The member import's pattern (ivr.web.member_import): the file is checked whole by the
CLI's own validation with this BIN's code as the only known code, so a row of another
BIN is a line error; a file with any error stores nothing and every bad line is listed.
A good file is previewed (streets added and removed); its rows wait in Redis for 30
minutes under a random token of this user and the confirmation takes them with GETDEL,
so a double click stores them once. A zone file is small (5,000 streets are 300 KB)."""

from __future__ import annotations

import dataclasses
import re

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from domain import spreadsheet, zones, zones_csv
from domain.db import db
from domain.models import BinStreet, audit
from ivr.web import pending_upload
from ivr.web.import_problems import translated as member_problem
from ivr.web.permissions import roles_required
from ivr.web.zone_forms import ConfirmZoneImportForm, ZoneUploadForm
from ivr.web.zones import ZONE_ROLES, bin_or_404, bp

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
_LINE = re.compile(r"^line (\d+): (.*)$", re.DOTALL)


@bp.route("/<code>/import", methods=["GET", "POST"])
@roles_required(*ZONE_ROLES)
def upload(code: str):
    """Upload a zone CSV; every bad line is shown, a good file previewed."""
    b = bin_or_404(code)
    form = ZoneUploadForm()
    if not form.validate_on_submit():
        return render_template("zones/import.html", bin=b, form=form, result=None)
    name = (form.file.data.filename or "zone.csv").rsplit("/", 1)[-1][:120]
    data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
    try:
        if len(data) > MAX_UPLOAD_BYTES:
            raise spreadsheet.BadFile(f"{name} is larger than 2 MB")
        decoded = spreadsheet.decode(data, name)
    except spreadsheet.BadFile as exc:
        return render_template("zones/import.html", bin=b, form=form, bad_file=str(exc),
                               result=None, name=name)
    report = zones_csv.validate(decoded.text, {b.code})
    preview = token = None
    if not report.errors:
        before = db.session.scalars(select(BinStreet).where(BinStreet.bin_id == b.id)).all()
        old = {f"{s.street} ({s.postcode})" for s in before}
        new = {f"{r.street} ({r.postcode})" for r in report.rows}
        preview = {"rows_before": len(before), "rows": len(report.rows),
                   "added": sorted(new - old), "removed": sorted(old - new)}
        token = _keep(report, name)
        if token is None:
            flash(_("The import is unavailable for a moment; please try again."), "error")
    return render_template("zones/import.html", bin=b, form=form, result=report, name=name,
                           errors=by_line(report.errors), warnings=by_line(report.warnings),
                           preview=preview,
                           confirm=ConfirmZoneImportForm(token=token) if token else None)


@bp.route("/<code>/import/confirm", methods=["POST"])
@roles_required(*ZONE_ROLES)
def confirm_import(code: str):
    """Replace the zone by the previewed rows (once: taken with GETDEL)."""
    b = bin_or_404(code)
    form = ConfirmZoneImportForm()
    pending = _take(form.token.data) if form.validate_on_submit() else None
    if pending is None or any(r.bin_code != b.code for r in pending[0]):
        flash(_("There is no import waiting for confirmation (it was stored already or "
                "more than 30 minutes have passed). Upload the file again."), "error")
        return redirect(url_for("zones.upload", code=b.code))
    rows, name = pending
    (change,) = zones_csv.replace_zones(rows, codes=[b.code])
    audit(current_user.email, "zone.import", f"BIN {b.code}", file=name,
          rows_before=change.rows_before, rows=change.rows_after,
          streets_added=len(change.added), streets_removed=len(change.removed))
    db.session.commit()
    zones.changed()
    flash(_("The zone of %(bin)s now has %(rows)s rows: %(added)s streets added, "
            "%(removed)s removed.", bin=b.name, rows=change.rows_after,
            added=len(change.added), removed=len(change.removed)), "success")
    return redirect(url_for("zones.show", code=b.code))


def _keep(report: zones_csv.ZoneReport, name: str) -> str | None:
    return pending_upload.park("zone-import", {
        "name": name, "rows": [dataclasses.astuple(r) for r in report.rows]})


def _take(token: str) -> tuple[list[zones_csv.ZoneRow], str] | None:
    data = pending_upload.take("zone-import", token)
    if data is None:
        return None
    return [zones_csv.ZoneRow(*values) for values in data["rows"]], data["name"]


_PROBLEMS = [
    (r"postcode '(.*)' is not 4 digits",
     lambda v: _("postcode %(value)s is not 4 digits", value=v)),
    (r"no postcode", lambda: _("no postcode")),
    (r"no street", lambda: _("no street")),
    (r"(from|to) '(.*)' is not a house number \(a whole number, e\.g\. 2 or 148\)",
     lambda c, v: _("%(value)s in column %(column)s is not a whole house number (e.g. 2 "
                    "or 148)", value=v, column=c)),
    (r"from (\d+) is higher than to (\d+)",
     lambda f, t: _("from %(from)s is higher than to %(to)s", **{"from": f, "to": t})),
    (r"parity '(.*)' is not one of (.*)",
     lambda v, a: _("parity %(value)s is not one of %(allowed)s", value=v, allowed=a)),
    (r"overlaps line (\d+) \((.*), BIN (\w+)\)",
     lambda n, s, c: _("overlaps line %(line)s (%(street)s)", line=n, street=s)),
    (r"(.*) is also in BIN (\w+) \(line (\d+)\); both BINs are named for these addresses",
     lambda s, c, n: _("%(street)s is also in BIN %(code)s (line %(line)s); both BINs are "
                       "named for these addresses", street=s, code=c, line=n)),
    (r"no zone rows after the header", lambda: _("no zone rows after the header")),
]


def problem(text: str) -> str:
    """One line's problem in the reader's language (the member import's sentences too)."""
    for pattern, say in _PROBLEMS:
        match = re.fullmatch(pattern, text, re.DOTALL)
        if match:
            return say(*match.groups())
    return member_problem(text)


def by_line(messages: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for message in messages:
        match = _LINE.match(message)
        line, text = (match.group(1), match.group(2)) if match else ("", message)
        pairs.append((line, problem(text)))
    return pairs
