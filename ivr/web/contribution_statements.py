"""Uploading a bank statement: read, preview what it would mark, then apply.

As the member import (ivr.web.member_import): the upload is exempt from the global CSRF
check so it may raise the request size limit, then runs that check itself. The read
movements wait in Redis for 30 minutes under a random token of this user; the
confirmation takes them with GETDEL and matches them again against the contributions as
they are then, so a double click, a replayed form or the same file uploaded twice marks
nothing twice."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from domain import bank_statements as bs
from domain.db import db
from domain.models import Role, audit
from ivr.extensions import csrf
from ivr.web import pending_upload
from ivr.web.contribution_forms import ConfirmStatementForm, StatementForm
from ivr.web.contributions import bp
from ivr.web.members import my_bins
from ivr.web.permissions import roles_required

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a year of a BIN's account is a few hundred KB
REASONS = {
    bs.NO_REFERENCE: _l("no structured communication with valid check digits"),
    bs.UNKNOWN: _l("structured communication of no contribution of your BINs"),
    bs.AMOUNT: _l("less than the amount due: check it and mark it by hand if it counts"),
    bs.ALREADY_PAID: _l("this contribution is already marked paid"),
    bs.OUTGOING: _l("an outgoing payment"),
    bs.UNREADABLE: _l("no date or amount could be read"),
}
BAD_FILE = {"empty": _l("The file is empty."),
            "no_header": _l("No header row with a date and an amount column was found: "
                            "export the statement as CSV or CODA from your bank.")}


@bp.route("/statement", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
@csrf.exempt
def statement():
    """Upload a bank statement (CSV or CODA); see what it would mark before applying."""
    request.max_content_length = MAX_UPLOAD_BYTES + 64 * 1024
    csrf.protect()
    form = StatementForm()
    if not form.validate_on_submit():
        return render_template("contributions/statement.html", form=form, plan=None)
    name = (form.file.data.filename or "statement").rsplit("/", 1)[-1][:120]
    data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
    try:
        if len(data) > MAX_UPLOAD_BYTES:
            raise bs.BadStatement("too_big")
        lines, kind = bs.read(data, name)
    except bs.BadStatement as exc:
        problem = BAD_FILE.get(str(exc), _("The file is larger than 5 MB."))
        return render_template("contributions/statement.html", form=form, plan=None,
                               bad_file=problem, name=name)
    plan = bs.plan(lines, my_bins())
    token = _keep(lines, name) if plan.matches else None
    if plan.matches and token is None:
        flash(_("The upload is unavailable for a moment; please try again."), "error")
    return render_template("contributions/statement.html", form=form, plan=plan, name=name,
                           kind=kind, reasons=REASONS, lines=len(lines),
                           confirm=ConfirmStatementForm(token=token) if token else None)


@bp.route("/statement/confirm", methods=["POST"])
@roles_required(Role.COORDINATOR)
def confirm_statement():
    """Mark the previewed payments paid (once: the upload is taken with GETDEL)."""
    form = ConfirmStatementForm()
    pending = _take(form.token.data) if form.validate_on_submit() else None
    if pending is None:
        flash(_("There is no statement waiting for confirmation (it was applied already "
                "or more than 30 minutes have passed). Upload the file again."), "error")
        return redirect(url_for("contributions.statement"))
    lines, name = pending
    plan = bs.plan(lines, my_bins())
    marked = bs.apply(plan, current_user.email)
    audit(current_user.email, "contribution.statement", name, lines=len(lines), marked=marked,
          unmatched=len(plan.problems))
    db.session.commit()
    flash(_("%(marked)s payments of %(name)s marked paid; %(unmatched)s lines not matched.",
            marked=marked, name=name, unmatched=len(plan.problems)), "success")
    return redirect(url_for("contributions.index"))


def _keep(lines: list[bs.StatementLine], name: str) -> str | None:
    return pending_upload.park("statement", {"name": name, "lines": bs.to_json(lines)})


def _take(token: str) -> tuple[list[bs.StatementLine], str] | None:
    data = pending_upload.take("statement", token)
    if data is None:
        return None
    return bs.from_json(data["lines"]), data["name"]
