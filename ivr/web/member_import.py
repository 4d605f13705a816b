"""Importing a member list through the web: upload, preview, confirm.

The file (CSV or .xlsx) is checked whole by the CLI's own validation
(`members_csv.validate`), with the coordinator's BIN codes as the only known codes, so
a row of another BIN is a line error. A file with any error stores nothing and the page
lists every bad line. A good file is previewed; its validated rows wait in Redis for 30
minutes under a random token of this user, and the confirmation takes them with GETDEL,
so a double click or a replayed form stores them once. The session cookie stays small.

The upload is bigger than the app's request limit (kept small for the carrier's
webhooks), and Flask-WTF's global CSRF check would read the body before the view could
raise it: this view is exempt from that check, raises its own limit, then runs the same
check itself (a missing or wrong token is still 400, before anything is read or stored).
"""

from __future__ import annotations

import dataclasses
import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain import member_admin, members_csv, spreadsheet
from domain.db import db
from domain.members_csv import ImportReport, MemberRow
from domain.models import Role, audit
from ivr.extensions import csrf
from ivr.web import pending_upload
from ivr.web.import_problems import translated
from ivr.web.member_forms import ConfirmImportForm, ImportForm
from ivr.web.members import bp, my_bins
from ivr.web.permissions import roles_required

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # a 10,000-member CSV is about 1 MB
_LINE = re.compile(r"^line (\d+): (.*)$", re.DOTALL)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
@csrf.exempt
def upload():
    """Upload a CSV or .xlsx member list; every bad line is shown, a good one previewed."""
    request.max_content_length = MAX_UPLOAD_BYTES + 64 * 1024  # the form around the file
    csrf.protect()  # the global check, now that the body may be this big
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("members/import.html", form=form, result=None)
    name = (form.file.data.filename or "members").rsplit("/", 1)[-1][:120]
    data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
    try:
        if len(data) > MAX_UPLOAD_BYTES:
            raise spreadsheet.BadFile(f"{name} is larger than "
                                      f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB")
        decoded = (spreadsheet.xlsx_text(data, name) if spreadsheet.is_xlsx(data)
                   else spreadsheet.decode(data, name))
    except spreadsheet.BadFile as exc:
        return render_template("members/import.html", form=form, bad_file=str(exc),
                               result=None, name=name)
    codes = {b.code for b in member_admin.visible_bins(my_bins())}
    report = members_csv.validate(decoded.text, codes, _allowed_countries())
    token = None
    preview = None
    if not report.errors:
        preview = member_admin.preview(report)
        token = _keep(report, name)
        if token is None:
            flash(_("The import is unavailable for a moment; please try again."), "error")
    return render_template("members/import.html", form=form, result=report, name=name,
                           encoding=decoded.encoding, errors=_by_line(report.errors),
                           warnings=_by_line(report.warnings), preview=preview,
                           confirm=ConfirmImportForm(token=token) if token else None)


@bp.route("/import/confirm", methods=["POST"])
@roles_required(Role.COORDINATOR)
def confirm_import():
    """Store the previewed rows (once: the pending upload is taken with GETDEL)."""
    form = ConfirmImportForm()
    pending = _take(form.token.data) if form.validate_on_submit() else None
    if pending is None:
        flash(_("There is no import waiting for confirmation (it was stored already or "
                "more than 30 minutes have passed). Upload the file again."), "error")
        return redirect(url_for("members.upload"))
    report, name = pending
    codes = {b.code for b in member_admin.visible_bins(my_bins())}
    if {row.bin_code for row in report.rows} - codes:
        abort(404)  # the user lost a BIN between preview and confirmation
    members_csv.store(report)
    used = {row.bin_code for row in report.rows}
    audit(current_user.email, "member.import", name, rows=len(report.rows),
          created=report.created, updated=report.updated,
          memberships=report.memberships_added,
          bins=sorted(b.id for b in member_admin.visible_bins(my_bins()) if b.code in used))
    db.session.commit()
    flash(_("%(rows)s rows of %(name)s imported: %(created)s new members, %(updated)s "
            "updated, %(memberships)s new BIN memberships.", rows=len(report.rows),
            name=name, created=report.created, updated=report.updated,
            memberships=report.memberships_added), "success")
    return redirect(url_for("members.index"))


def _allowed_countries() -> list[str]:
    from flask import current_app

    return current_app.config["ALLOWED_COUNTRIES"]


def _keep(report: ImportReport, name: str) -> str | None:
    """Park the validated rows for the confirmation; the token, or None."""
    return pending_upload.park("member-import", {
        "name": name, "warnings": report.warnings,
        "rows": [dataclasses.astuple(r) for r in report.rows]})


def _take(token: str) -> tuple[ImportReport, str] | None:
    data = pending_upload.take("member-import", token)
    if data is None:
        return None
    rows = [MemberRow(*values) for values in data["rows"]]
    return ImportReport(rows=rows, warnings=data["warnings"]), data["name"]


def _by_line(messages: list[str]) -> list[tuple[str, str]]:
    """(line, problem in the reader's language) pairs for the table of problems."""
    pairs = []
    for message in messages:
        match = _LINE.match(message)
        line, problem = (match.group(1), match.group(2)) if match else ("", message)
        pairs.append((line, translated(problem)))
    return pairs
