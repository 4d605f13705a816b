"""A coordinator's member list: search, add, edit, remove, import and export.

Only the coordinator's own BINs: every query goes through `visible_bin_ids()` and the
scoped functions of `domain.member_admin`, so a member of another BIN is a 404 on every
page, and an export never names another BIN. The police do not see member lists: they
are the BIN's own data. The import's pages are in `ivr.web.member_import`."""

from __future__ import annotations

import functools

import phonenumbers
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import SelectChoice

from domain import channels, member_admin, members_csv
from domain.db import db
from domain.member_admin import MemberError
from domain.models import Member, Role, audit
from ivr.web.member_forms import MemberForm, RemoveForm, bin_choices
from ivr.web.permissions import roles_required, visible_bin_ids

bp = Blueprint("members", __name__, url_prefix="/members")
FIELDS = ("name", "street", "house_number", "postcode", "municipality", "phone", "phone2",
          "language", "email")


@bp.app_template_filter("written_channel")
def written_channel_filter(member: Member) -> str:
    """email, sms or none: how the member gets written messages (domain.channels)."""
    return channels.of(member)


@bp.app_template_filter("phone")
def phone_filter(e164: str | None) -> str:
    """+32477123456 as people write it: +32 477 12 34 56."""
    return _formatted(e164) if e164 else ""


@functools.lru_cache(maxsize=16384)  # 0.1 ms each, 100 on a page of the list
def _formatted(e164: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None),
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def my_bins() -> set[int]:
    """The coordinator's BIN ids (the roles guard has made sure this is a coordinator)."""
    return visible_bin_ids() or set()


def _member_or_404(member_id: int) -> Member:
    member = member_admin.find_member(member_id, my_bins())
    if member is None:
        abort(404)
    return member


@bp.route("")
@roles_required(Role.COORDINATOR)
def index():
    """The member list: search by name, street or number, 50 a page, one BIN or all."""
    bins = member_admin.visible_bins(my_bins())
    chosen = request.args.get("bin", type=int)
    scope = {chosen} if chosen in {b.id for b in bins} else {b.id for b in bins}
    q = request.args.get("q", "")[:100]
    page = member_admin.list_members(scope, q, request.args.get("page", 1, type=int))
    # Who looked at which BIN's list; not the search words, which may be a name.
    audit(current_user.email, "member.list", None, bins=sorted(scope), page=page.page,
          searched=bool(q.strip()))
    db.session.commit()
    return render_template("members/index.html", page=page, bins=bins, q=q,
                           chosen=chosen if len(scope) == 1 and len(bins) > 1 else None)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def new():
    """Add one member to one of the coordinator's BINs."""
    bins = member_admin.visible_bins(my_bins())
    if not bins:  # a coordinator whose BINs were all taken away
        abort(404)
    form = MemberForm()
    form.bin.choices = bin_choices(bins)
    if form.validate_on_submit():
        code = next(b.code for b in bins if b.id == form.bin.data)
        row = form.member_row(code)
        if row is not None:
            try:
                member, created = member_admin.add_member(row, form.bin.data, current_user.email)
            except MemberError:
                form.name.errors = [_("This person is already a member of this BIN.")]
            else:
                db.session.commit()
                flash(_("%(name)s was added.", name=member.name) if created else
                      _("%(name)s was already known in another BIN and is now a member of "
                        "this one too.", name=member.name), "success")
                return redirect(url_for("members.index", q=member.name))
    return render_template("members/form.html", form=form, member=None, bins=bins)


@bp.route("/<int:member_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def edit(member_id: int):
    """Change a member's details (name, address, numbers, language, e-mail)."""
    member = _member_or_404(member_id)
    mine = member_admin.member_bins(member, my_bins())
    form = MemberForm(obj=member)
    form.bin.choices = bin_choices(mine)
    form.bin.data = mine[0].id
    if request.method == "GET":
        form.phone.data = phone_filter(member.phone)
        form.phone2.data = phone_filter(member.phone2)
        audit(current_user.email, "member.view", str(member.id),
              bins=sorted(b.id for b in mine))
        db.session.commit()
    if form.validate_on_submit():
        row = form.member_row(mine[0].code)
        if row is not None:
            try:
                member_admin.edit_member(member, row, current_user.email)
            except MemberError:
                form.name.errors = [_("Another member has this name and phone number.")]
            else:
                db.session.commit()
                flash(_("The details of %(name)s were saved.", name=member.name), "success")
                return redirect(url_for("members.index", q=member.name))
    return render_template("members/form.html", form=form, member=member, bins=mine)


@bp.route("/<int:member_id>/remove", methods=["GET"])
@roles_required(Role.COORDINATOR)
def confirm_remove(member_id: int):
    """Ask before removing: which of the coordinator's BINs the member leaves."""
    member = _member_or_404(member_id)
    return render_template("members/remove.html", member=member,
                           form=_remove_form(member), others=_other_bins(member))


@bp.route("/<int:member_id>/remove", methods=["POST"])
@roles_required(Role.COORDINATOR)
def remove(member_id: int):
    """Remove the member from one BIN (or all of the coordinator's); other BINs keep them."""
    member = _member_or_404(member_id)
    form = _remove_form(member)
    if not form.validate_on_submit():
        abort(400)
    mine = {b.id for b in member_admin.member_bins(member, my_bins())}
    leave = {form.bin.data} & mine if form.bin.data else mine
    if not leave:
        abort(404)
    name = member.name
    member_admin.remove_member(member, leave, current_user.email)
    db.session.commit()
    flash(_("%(name)s was removed.", name=name), "success")
    return redirect(url_for("members.index"))


def _remove_form(member: Member) -> RemoveForm:
    mine = member_admin.member_bins(member, my_bins())
    form = RemoveForm()
    form.bin.choices = [SelectChoice(0, _("All my BINs"))] if len(mine) > 1 else []
    form.bin.choices += bin_choices(mine)
    return form


def _other_bins(member: Member) -> int:
    return sum(1 for ms in member.memberships if ms.bin_id not in my_bins())


@bp.route("/<int:member_id>/personal-link", methods=["POST"])
@roles_required(Role.COORDINATOR)
def personal_link(member_id: int):
    """A personal link for a member without e-mail, shown once to print or hand over."""
    from domain.member_page import LINK_DAYS, make_link
    from domain.models import utcnow
    from domain.public_urls import public_url
    from ivr.web.qr import qr_svg

    member = _member_or_404(member_id)
    token = make_link(member, utcnow())
    audit(current_user.email, "member.personal_link", str(member.id),
          bins=sorted(b.id for b in member_admin.member_bins(member, my_bins())))
    db.session.commit()
    link = public_url(url_for("me.page", token=token))
    return render_template("members/personal_link.html", member=member, days=LINK_DAYS,
                           link=link, qr=qr_svg(link, _("QR code of the personal link")))


@bp.route("/export.csv")
@roles_required(Role.COORDINATOR)
def export_csv():
    """The coordinator's members as Excel opens them: UTF-8 with BOM, semicolons."""
    members = _export_members()
    body = members_csv.export_rows(members, excel=True, bin_ids=my_bins())
    return _download(body.encode("utf-8"), "text/csv; charset=utf-8", "csv", len(members))


@bp.route("/export.xlsx")
@roles_required(Role.COORDINATOR)
def export_xlsx():
    """The coordinator's members as an Excel workbook (.xlsx), numbers kept as text."""
    members = _export_members()
    return _download(member_admin.export_xlsx(members, my_bins()),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
                     len(members))


def _export_members() -> list[Member]:
    return list(db.session.scalars(member_admin.export_query(my_bins())))


def _download(body: bytes, mimetype: str, extension: str, count: int) -> Response:
    """The file as an attachment; every export of member data is audited."""
    visible = member_admin.visible_bins(my_bins())
    codes = "-".join(b.code for b in visible)
    audit(current_user.email, "member.export", extension, members=count,
          bins=[b.id for b in visible], bin_codes=codes)
    db.session.commit()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="leden-bin-{codes}.{extension}"'
    response.headers["Cache-Control"] = "no-store"
    return response


from ivr.web import member_erasure, member_import  # noqa: E402,F401  (routes on this blueprint)
