"""The member's own page, opened by a personal link: see, correct, choose the number
called first and the language, download everything stored, leave (erase).

No password: the link is the key (only its sha256 stored, expiring; domain.member_page).
An unknown or expired link gets one clear page with the way to ask for a new one; asking
gives the same answer whether the address is known or not (no one can probe who is a
member), and is rate limited (ivr.web.throttle)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from domain import erasure, member_page
from domain.db import db
from domain.member_admin import MemberError
from domain.models import Member, audit, utcnow
from ivr.web import join_mail
from ivr.web.join import texts_of
from ivr.web.join_forms import LeaveForm, LinkRequestForm, MyDetailsForm
from ivr.web.members import phone_filter
from ivr.web.permissions import public

bp = Blueprint("me", __name__, url_prefix="/me")


def _member(token: str) -> Member | None:
    return member_page.member_for(token[:100], utcnow())


def privacy_statements(member: Member) -> list[tuple[str, str]]:
    """(BIN name, its privacy statement or the generic one) for each BIN of the member."""
    bins = sorted((ms.bin for ms in member.memberships), key=lambda b: b.code)
    return [(b.name, str(texts_of(b)["privacy"])) for b in bins]


def _expired():
    return render_template("me/expired.html", form=LinkRequestForm()), 404


@bp.route("", methods=["GET", "POST"])
@public
def request_link():
    """'Send me a new link': the same answer whether or not the address is known."""
    form = LinkRequestForm()
    if form.validate_on_submit():
        for member in member_page.find_by_email(form.email.data):
            join_mail.personal_link(member, member_page.make_link(member, utcnow()))
        db.session.commit()
        return render_template("me/link_sent.html")
    return render_template("me/request.html", form=form)


@bp.route("/<token>", methods=["GET", "POST"])
@public
def page(token: str):
    """My details, with the form to correct them (the import's checks)."""
    member = _member(token)
    if member is None:
        return _expired()
    form = MyDetailsForm(obj=member)
    if not form.is_submitted():
        form.phone.data, form.phone2.data = phone_filter(member.phone), phone_filter(member.phone2)
    if form.validate_on_submit():
        code = member.memberships[0].bin.code if member.memberships else ""
        row = form.member_row(code)
        if row is not None:
            try:
                member_page.correct(member, row)
            except MemberError:
                form.name.errors = [_("Another member has this name and phone number.")]
            else:
                db.session.commit()
                flash(_("Your details were saved."), "success")
                return redirect(url_for("me.page", token=token))
    if request.method == "GET":
        audit(member_page.SELF, "member.view", str(member.id),
              bins=sorted(ms.bin_id for ms in member.memberships))
    db.session.commit()  # the link's last use
    return render_template("me/page.html", member=member, form=form, token=token,
                           data=member_page.everything(member),
                           statements=privacy_statements(member))


@bp.route("/<token>/swap", methods=["POST"])
@public
def swap(token: str):
    """Call my second number first (landline or mobile, as I choose); CSRF-checked by
    the app-wide CSRFProtect like every POST."""
    member = _member(token)
    if member is None:
        return _expired()
    if member_page.swap_numbers(member):
        db.session.commit()
        flash(_("We now call %(number)s first.", number=phone_filter(member.phone)), "success")
    return redirect(url_for("me.page", token=token))


@bp.route("/<token>/data.json")
@public
def download(token: str):
    """Everything stored about me, as JSON."""
    member = _member(token)
    if member is None:
        return _expired()
    data = erasure.person_data(member)
    audit(member_page.SELF, "member.export", str(member.id), format="json",
          bins=sorted(ms.bin_id for ms in member.memberships))
    db.session.commit()
    response = Response(json.dumps(data, ensure_ascii=False, indent=2),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="buurtlijn-mijn-gegevens.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<token>/data")
@public
def printable(token: str):
    """Everything stored about me, as a page to read or print."""
    member = _member(token)
    if member is None:
        return _expired()
    audit(member_page.SELF, "member.export", str(member.id), format="page",
          bins=sorted(ms.bin_id for ms in member.memberships))
    db.session.commit()
    return render_template("me/data.html", data=member_page.everything(member), token=token)


@bp.route("/<token>/leave", methods=["GET", "POST"])
@public
def leave(token: str):
    """Leave the BIN: after a confirmation, I am erased."""
    member = _member(token)
    if member is None:
        return _expired()
    form = LeaveForm()
    if form.validate_on_submit():
        erasure.erase_person(member, member_page.SELF)
        db.session.commit()
        erasure.checkpoint()
        return render_template("me/left.html")
    return render_template("me/leave.html", form=form, member=member, token=token)
