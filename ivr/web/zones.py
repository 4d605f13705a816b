"""A BIN's zone in the web app: its streets and house-number ranges, edited and imported.

A coordinator sees the zones of their own BINs, the police admin every BIN's; anything
else is 404 (a zone of another BIN cannot even be confirmed). The dispatcher has no
business here. Each change is audited, committed, then signalled to every process's
zone index (`domain.zones.changed`). A row is checked by the import's own code, so the
page and `zone import` refuse the same rows. The CSV pages are in ivr.web.zone_import."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from domain import zones, zones_csv
from domain.db import db
from domain.models import Bin, BinStreet, Role, audit
from ivr.web.permissions import roles_required, visible_bin_ids
from ivr.web.zone_forms import RemoveRowForm, ZoneRowForm

bp = Blueprint("zones", __name__, url_prefix="/zones")
ZONE_ROLES = (Role.COORDINATOR, Role.ADMIN)


def visible_bins() -> list[Bin]:
    query = select(Bin).order_by(func.length(Bin.code), Bin.code)
    visible = visible_bin_ids()
    if visible is not None:
        query = query.where(Bin.id.in_(visible))
    return list(db.session.scalars(query))


def bin_or_404(code: str) -> Bin:
    """The BIN with this code, if the current user may see it; 404 otherwise."""
    b = db.session.scalar(select(Bin).where(Bin.code == code))
    visible = visible_bin_ids()
    if b is None or (visible is not None and b.id not in visible):
        abort(404)
    return b


def _rows(b: Bin) -> list[BinStreet]:
    return sorted(b.streets, key=zones_csv.sort_key)


def _overlap(b: Bin, row: zones_csv.ZoneRow, except_id: int | None = None) -> bool:
    """Whether `row` overlaps another row of the same street in this zone."""
    return any(zones_csv.overlaps(_as_row(s, b.code), row) for s in b.streets
               if s.id != except_id)


def _as_row(s: BinStreet, code: str) -> zones_csv.ZoneRow:
    return zones_csv.ZoneRow(0, code, s.postcode, s.municipality or "", s.street,
                             s.house_from, s.house_to, s.parity)


def _audit(action: str, b: Bin, row: zones_csv.ZoneRow | BinStreet) -> None:
    audit(current_user.email, action, f"BIN {b.code}", street=row.street,
          postcode=row.postcode, house_from=row.house_from, house_to=row.house_to,
          parity=row.parity)


@bp.route("")
@roles_required(*ZONE_ROLES)
def index():
    """The zones this user may see: each BIN with its number of streets."""
    bins = visible_bins()
    counts = dict(db.session.execute(
        select(BinStreet.bin_id, func.count(BinStreet.id))
        .where(BinStreet.bin_id.in_([b.id for b in bins])).group_by(BinStreet.bin_id)).all())
    if len(bins) == 1 and current_user.role_enum == Role.COORDINATOR:
        return redirect(url_for("zones.show", code=bins[0].code))
    return render_template("zones/index.html", bins=bins, counts=counts)


@bp.route("/<code>")
@roles_required(*ZONE_ROLES)
def show(code: str):
    """One BIN's zone as a table, with a form to add a street."""
    b = bin_or_404(code)
    return render_template("zones/show.html", bin=b, rows=_rows(b), form=ZoneRowForm(),
                           remove=RemoveRowForm())


@bp.route("/<code>/rows", methods=["POST"])
@roles_required(*ZONE_ROLES)
def add_row(code: str):
    """Add a street or range; every problem is shown next to its field."""
    b = bin_or_404(code)
    form = ZoneRowForm()
    row = _checked(form, b)
    if row is not None and _overlap(b, row):
        form.house_from.errors = [_("This range overlaps another row of the same street in "
                                    "this zone.")]
        row = None
    if row is None:
        return render_template("zones/show.html", bin=b, rows=_rows(b), form=form,
                               remove=RemoveRowForm())
    db.session.add(BinStreet(bin_id=b.id, **_columns(row)))
    _audit("zone.row_add", b, row)
    db.session.commit()
    zones.changed()
    flash(_("%(street)s added to the zone of %(bin)s.", street=row.street, bin=b.name),
          "success")
    return redirect(url_for("zones.show", code=b.code))


def _checked(form: ZoneRowForm, b: Bin) -> zones_csv.ZoneRow | None:
    """The submitted row, or None with every field's problem (all of them, at once)."""
    if not form.is_submitted():
        return None
    valid = form.validate()
    row = form.zone_row(b.code)
    return row if valid else None


def _columns(row: zones_csv.ZoneRow) -> dict:
    return {"street": row.street, "street_key": row.key, "postcode": row.postcode,
            "municipality": row.municipality or None, "house_from": row.house_from,
            "house_to": row.house_to, "parity": row.parity}


def _row_or_gone(b: Bin, row_id: int) -> BinStreet | None:
    return db.session.scalar(select(BinStreet).where(BinStreet.id == row_id,
                                                     BinStreet.bin_id == b.id))


@bp.route("/<code>/rows/<int:row_id>", methods=["GET", "POST"])
@roles_required(*ZONE_ROLES)
def edit_row(code: str, row_id: int):
    """Change one row's street, postcode or numbers."""
    b = bin_or_404(code)
    street = _row_or_gone(b, row_id)
    if street is None:
        abort(404)
    form = ZoneRowForm(data={
        "street": street.street, "postcode": street.postcode,
        "municipality": street.municipality or "", "parity": street.parity,
        "house_from": "" if street.house_from is None else str(street.house_from),
        "house_to": "" if street.house_to is None else str(street.house_to)})
    row = _checked(form, b)
    if row is not None and _overlap(b, row, except_id=street.id):
        form.house_from.errors = [_("This range overlaps another row of the same street in "
                                    "this zone.")]
        row = None
    if row is None:
        return render_template("zones/row_form.html", bin=b, row=street, form=form)
    before = {"street": street.street, "postcode": street.postcode,
              "house_from": street.house_from, "house_to": street.house_to,
              "parity": street.parity}
    for name, value in _columns(row).items():
        setattr(street, name, value)
    audit(current_user.email, "zone.row_change", f"BIN {b.code}", before=before,
          after={k: v for k, v in _columns(row).items() if k in before})
    db.session.commit()
    zones.changed()
    flash(_("The row of %(street)s was changed.", street=row.street), "success")
    return redirect(url_for("zones.show", code=b.code))


@bp.route("/<code>/rows/<int:row_id>/remove", methods=["POST"])
@roles_required(*ZONE_ROLES)
def remove_row(code: str, row_id: int):
    """Remove one row (a second click finds it gone and says so)."""
    b = bin_or_404(code)
    form = RemoveRowForm()
    if not form.validate_on_submit():
        abort(400)
    street = _row_or_gone(b, row_id)
    if street is None:
        flash(_("This row was removed already."), "warning")
        return redirect(url_for("zones.show", code=b.code))
    _audit("zone.row_remove", b, street)
    db.session.delete(street)
    db.session.commit()
    zones.changed()
    flash(_("%(street)s removed from the zone of %(bin)s.", street=street.street, bin=b.name),
          "success")
    return redirect(url_for("zones.show", code=b.code))


@bp.route("/<code>/zone.csv")
@roles_required(*ZONE_ROLES)
def export_csv(code: str):
    """The zone as CSV, in the format `zone import` and the upload read back."""
    b = bin_or_404(code)
    return Response(zones_csv.export_rows([b]), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="zone-bin-{b.code}.csv"'})


from ivr.web import zone_import  # noqa: E402,F401  the upload pages, on this blueprint
