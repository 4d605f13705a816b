"""The coordinator's contributions page: who paid, marking by hand, asking, the
settings, the printable instructions, and the bank statement upload with its preview."""

from __future__ import annotations

import io
import re
from datetime import date

import zxingcpp
from PIL import Image
from sqlalchemy import select
from stdnum.be import ogm_vcs

from domain.db import db
from domain.models import AuditLog, Bin, Contribution, Membership
from tests.factories import (
    make_bin,
    make_contribution,
    make_member,
    make_paying_bin,
    make_web_user,
)
from tests.ivr.web.admin_support import audited, page_text
from tests.web_support import person, post_form, sign_in


def coordinator_of(app, *bins):
    client = person(app)
    sign_in(client, make_web_user(db, "coordinator", bins=list(bins)))
    return client


def _world(app):
    bin11 = make_paying_bin(db, code="11", name="BIN Centrum")
    people = {n: make_member(db, bins=[bin11], name=n) for n in ("An", "Bart", "Chris")}
    rows = {"An": make_contribution(db, people["An"], bin11, year=2026, paid=True),
            "Bart": make_contribution(db, people["Bart"], bin11, year=2026)}
    return bin11, people, rows, coordinator_of(app, bin11)


def row_of(html: str, member) -> str:
    return html.split(f'id="member-{member.id}"')[1].split("</tr>")[0]


def test_the_page_lists_amounts_references_states_and_totals(app):
    bin11, people, rows, client = _world(app)
    html = page_text(client.get("/contributions?year=2026"))
    bart = row_of(html, people["Bart"])
    ref = rows["Bart"].reference
    assert f"+++{ref[:3]}/{ref[3:7]}/{ref[7:]}+++" in bart and "€\u00a05,00" in bart
    assert "betaald op 01/02/2026" in row_of(html, people["An"])  # Dutch first
    assert "nog geen bijdrage gevraagd" in row_of(html, people["Chris"])
    assert "Bijdrage vragen" in row_of(html, people["Chris"])
    totals = html.split('class="totals"')[1].split("</div>\n</div>")[0]
    numbers = re.findall(r"<strong>([^<]+)</strong>", totals)
    assert numbers == ["3", "1", "1", "1", "€\u00a05,00", "€\u00a05,00"]
    assert 'class="paid-bar"' in html and 'aria-label="1' in html


def test_marking_paid_by_hand_and_undoing_is_audited(app):
    bin11, people, rows, client = _world(app)
    response = post_form(client, f"/contributions/{rows['Bart'].id}/paid",
                         {"day": "2026-03-02", "note": "cash at the meeting"})
    assert response.status_code == 302
    db.session.expire_all()
    bart = db.session.get(Contribution, rows["Bart"].id)
    assert bart.paid_at.date() == date(2026, 3, 2) and bart.paid_note == "cash at the meeting"
    assert [a.subject for a in audited("contribution.paid")] == [f"contribution:{bart.id}"]
    html = page_text(client.get("/contributions?year=2026"))
    assert "02/03/2026" in row_of(html, people["Bart"])
    post_form(client, f"/contributions/{bart.id}/unpaid")
    db.session.expire_all()
    assert db.session.get(Contribution, bart.id).paid_at is None
    assert len(audited("contribution.unpaid")) == 1


def test_a_future_date_or_no_date_is_refused_with_a_message(app):
    bin11, people, rows, client = _world(app)
    response = post_form(client, f"/contributions/{rows['Bart'].id}/paid", {"day": "2999-01-01"},
                         follow_redirects=True)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Contribution, rows["Bart"].id).paid_at is None
    assert 'class="flash error"' in page_text(response)


def test_a_contribution_is_asked_of_an_imported_member(app):
    bin11, people, rows, client = _world(app)
    membership = db.session.scalar(select(Membership).where(
        Membership.member_id == people["Chris"].id))
    post_form(client, f"/contributions/ask/{membership.id}")
    row = db.session.scalar(select(Contribution).where(
        Contribution.membership_id == membership.id))
    assert row.amount_cents == 500 and ogm_vcs.is_valid(row.reference)


def test_another_bins_coordinator_gets_404_on_every_route(app):
    bin11, people, rows, _ = _world(app)
    other = coordinator_of(app, make_bin(db, code="12"))
    c = rows["Bart"].id
    for path in (f"/contributions/{c}/instructions", f"/contributions/{c}/qr.png",
                 f"/contributions/settings/{bin11.id}"):
        assert other.get(path).status_code == 404, path
    for path in (f"/contributions/{c}/paid", f"/contributions/{c}/unpaid",
                 f"/contributions/settings/{bin11.id}"):
        assert post_form(other, path, {"day": "2026-03-02", "fee": "9"}).status_code == 404
    assert "Bart" not in page_text(other.get("/contributions"))
    assert "Bart" not in page_text(other.get(f"/contributions?bin={bin11.id}"))
    db.session.expire_all()
    assert db.session.get(Contribution, c).paid_at is None
    assert db.session.get(Bin, bin11.id).fee_cents == 500


def test_instructions_show_the_communication_and_a_qr_that_decodes(app):
    bin11, people, rows, client = _world(app)
    row = rows["Bart"]
    html = page_text(client.get(f"/contributions/{row.id}/instructions"))
    assert "BE71 0961 2345 6769" in html and "€\u00a05,00" in html
    assert f"+++{row.reference[:3]}/{row.reference[3:7]}/{row.reference[7:]}+++" in html
    png = client.get(f"/contributions/{row.id}/qr.png")
    assert png.mimetype == "image/png"
    text = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)).convert("L"))[0].text
    lines = text.split("\n")
    assert lines[6] == "BE71096123456769" and lines[7] == "EUR5.00"
    assert lines[9] == row.reference


def test_the_coordinator_sets_the_fee_of_their_bin(app):
    bin_ = make_bin(db, code="12", name="BIN Heide")
    client = coordinator_of(app, bin_)
    response = post_form(client, f"/contributions/settings/{bin_.id}", {"fee": "7,50"})
    assert response.status_code == 200
    assert "IBAN" in page_text(response) and 'class="error-message"' in page_text(response)
    response = post_form(client, f"/contributions/settings/{bin_.id}",
                         {"fee": "-1", "iban": "BE71 0961 2345 6769"})
    assert 'class="error-message"' in page_text(response)
    response = post_form(client, f"/contributions/settings/{bin_.id}",
                         {"fee": "7,50", "iban": "BE71 0961 2345 6769", "bic": "gkccbebb"})
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(Bin, bin_.id)
    assert (row.fee_cents, row.iban, row.bic) == (750, "BE71096123456769", "GKCCBEBB")
    assert len(audited("bin.edit")) == 1
    assert 'value="7,50"' in page_text(client.get(f"/contributions/settings/{bin_.id}"))


def test_the_admin_bin_form_takes_the_fee(app):
    bin_ = make_bin(db, code="12", name="BIN Heide")
    client = person(app)
    sign_in(client, make_web_user(db, "admin"))
    data = {"name": "BIN Heide", "fee": "5", "iban": "BE71096123456769",
            "callback_replay": "y"}
    assert post_form(client, f"/admin/bins/{bin_.id}/edit", data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Bin, bin_.id).fee_cents == 500
    bad = post_form(client, f"/admin/bins/{bin_.id}/edit", {**data, "iban": "BE00"})
    assert 'class="error-message"' in page_text(bad)


def _statement(client, text: str, name: str = "kbc.csv"):
    return post_form(client, "/contributions/statement",
                     {"file": (io.BytesIO(text.encode("cp1252")), name)},
                     content_type="multipart/form-data")


def test_statement_upload_previews_then_marks_once(app):
    bin11, people, rows, client = _world(app)
    ref = rows["Bart"].reference
    text = ("Datum;Bedrag;Naam tegenpartij;Gestructureerde mededeling;Vrije mededeling\n"
            f"05/03/2026;5,00;Bart Claes;{ref};\n"
            "06/03/2026;5,00;Eva;;lidgeld\n"
            "07/03/2026;-12,00;Drukkerij;;folders\n")
    preview = page_text(_statement(client, text))
    assert "Bart" in preview.split('class="statement-matches"')[1].split("</table>")[0]
    problems = preview.split('class="statement-problems"')[1].split("</table>")[0]
    assert re.findall(r'<td class="num">(\d+)</td>', problems) == ["3", "4"]
    db.session.expire_all()
    assert db.session.get(Contribution, rows["Bart"].id).paid_at is None  # preview only
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview).group(1)
    assert post_form(client, "/contributions/statement/confirm",
                     {"token": token}).status_code == 302
    db.session.expire_all()
    bart = db.session.get(Contribution, rows["Bart"].id)
    assert bart.paid_via == "statement" and bart.paid_at.date() == date(2026, 3, 5)
    # The same confirmation again, and the same file again: nothing is marked twice.
    post_form(client, "/contributions/statement/confirm", {"token": token})
    again = page_text(_statement(client, text))
    assert 'class="statement-matches"' not in again
    assert len(db.session.scalars(select(AuditLog).where(
        AuditLog.action == "contribution.paid")).all()) == 1


def test_a_file_that_is_no_statement_is_explained(app):
    bin11, people, rows, client = _world(app)
    html = page_text(_statement(client, "naam;telefoon\nAn;0470\n", "leden.csv"))
    assert 'role="alert"' in html and "CODA" in html
