"""The yearly contribution: the EPC QR code read by an independent decoder, payments
marked by hand, the membership states they move, and the new year."""

from __future__ import annotations

import io
import re
from datetime import date

import zxingcpp
from PIL import Image
from sqlalchemy import select
from stdnum.be import ogm_vcs

from domain import contributions
from domain.db import db
from domain.models import AuditLog, Contribution, Membership
from domain.status import MembershipStatus
from tests.factories import make_bin, make_contribution, make_member, make_paying_bin


def decoded(png: bytes) -> str:
    """The QR code's text as zxing-cpp (not segno, which made it) reads the PNG."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
    # The bytes themselves are UTF-8 (the payload's character set "1"), not Latin-1.
    assert found[0].bytes.decode("utf-8") == found[0].text
    return found[0].text


def membership_of(member) -> Membership:
    db.session.expire_all()
    return db.session.scalar(select(Membership).where(Membership.member_id == member.id))


def test_epc_qr_decodes_to_iban_amount_and_a_valid_structured_communication(app):
    bin_ = make_paying_bin(db, fee_cents=750, name="BIN Sint-Jozef Hé")
    row = make_contribution(db, make_member(db), bin_, year=2026)
    text = decoded(contributions.epc_qr_png(bin_, row))
    assert text == contributions.epc_payload(bin_, row)
    lines = text.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[4] == "GKCCBEBB"
    assert lines[5] == "BIN Sint-Jozef Hé"  # UTF-8 as the header's "1" says
    assert lines[6] == "BE71096123456769"
    assert lines[7] == "EUR7.50"
    assert lines[8] == "" and ogm_vcs.is_valid(lines[9]) and lines[9] == row.reference
    assert len(lines) == 10  # nothing after the last element given
    shown = contributions.formatted(row.reference)
    assert re.fullmatch(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+", shown)
    assert shown.replace("+", "").replace("/", "") == row.reference


def test_epc_qr_without_bic_is_version_002_with_an_empty_bic_line(app):
    bin_ = make_paying_bin(db, fee_cents=500, bic=None)
    row = make_contribution(db, make_member(db), bin_)
    lines = decoded(contributions.epc_qr_png(bin_, row)).split("\n")
    assert lines[1] == "002" and lines[4] == "" and lines[7] == "EUR5.00"


def test_references_are_unique_per_member_and_year_with_valid_check_digits(app):
    seen = {contributions.reference_for(m, y) for m in (1, 2, 99999999) for y in (2026, 2027)}
    assert len(seen) == 6 and all(ogm_vcs.is_valid(r) for r in seen)


def test_marking_paid_by_hand_moves_the_member_to_active_once_and_is_audited(app):
    bin_ = make_paying_bin(db)
    member = make_member(db, bins=[bin_])
    db.session.execute(Membership.__table__.update().values(status="approved"))
    row = make_contribution(db, member, bin_, year=contributions.this_year())
    assert contributions.mark_paid(row.id, "c@bin.example", date(2026, 3, 2), "cash")
    assert not contributions.mark_paid(row.id, "c@bin.example", date(2026, 3, 3))
    db.session.commit()
    db.session.expire_all()
    paid = db.session.get(Contribution, row.id)
    assert paid.paid_at.date() == date(2026, 3, 2) and paid.paid_note == "cash"
    assert paid.paid_via == "manual" and paid.paid_cents == 500
    assert membership_of(member).status == MembershipStatus.ACTIVE
    assert db.session.scalars(select(AuditLog.action)).all() == ["contribution.paid"]
    assert contributions.undo_paid(row.id, "c@bin.example")
    db.session.commit()
    assert db.session.get(Contribution, row.id).paid_at is None
    assert membership_of(member).status == MembershipStatus.PAYMENT_DUE


def test_new_year_opens_rows_makes_members_payment_due_and_is_idempotent(app):
    paying, free = make_paying_bin(db), make_bin(db)
    asked, imported = make_member(db, bins=[paying]), make_member(db, bins=[paying])
    free_member = make_member(db, bins=[free])
    make_contribution(db, asked, paying, year=2026, paid=True)
    first = contributions.new_year(2027)
    db.session.commit()
    assert (first.opened, first.due) == (1, 1)
    again = contributions.new_year(2027)
    db.session.commit()
    assert (again.opened, again.due) == (0, 0)
    rows = db.session.scalars(select(Contribution).where(Contribution.year == 2027)).all()
    assert len(rows) == 1 and rows[0].membership_id == membership_of(asked).id
    assert ogm_vcs.is_valid(rows[0].reference) and rows[0].reference.startswith("27")
    assert membership_of(asked).status == MembershipStatus.PAYMENT_DUE
    assert membership_of(imported).status == MembershipStatus.ACTIVE  # never asked
    assert membership_of(free_member).status == MembershipStatus.ACTIVE
    # Paying the new year's contribution makes the member active again.
    contributions.mark_paid(rows[0].id, "cli", date(2027, 1, 20))
    db.session.commit()
    assert membership_of(asked).status == MembershipStatus.ACTIVE


def test_overview_counts_paid_due_and_not_asked(app):
    bin_ = make_paying_bin(db)
    paid, due, imported = (make_member(db, bins=[bin_], name=n) for n in ("Aline", "Bart",
                                                                          "Chris"))
    make_contribution(db, paid, bin_, year=2026, paid=True)
    make_contribution(db, due, bin_, year=2026)
    view = contributions.overview(bin_, 2026)
    assert [(line.member.name, line.state) for line in view.lines] == [
        ("Aline", "paid"), ("Bart", "due"), ("Chris", "not_asked")]
    assert (view.count("paid"), view.count("due"), view.count("not_asked")) == (1, 1, 1)
    assert (view.received_cents, view.due_cents) == (500, 500)
    opened = contributions.ask(membership_of(imported), 2026, "c@bin.example")
    db.session.commit()
    assert opened.amount_cents == 500 and contributions.overview(bin_, 2026).count("due") == 2
