"""Exports of the coordinator's own members: CSV as Excel opens it, and .xlsx."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from domain.db import db
from domain.models import AuditLog
from tests.factories import make_bin, make_member, make_web_user
from tests.web_support import person, sign_in


def _coordinator(app, *bins):
    client = person(app)
    sign_in(client, make_web_user(db, "coordinator", bins=list(bins)))
    return client


def _world():
    bin11, bin12 = make_bin(db, code="11"), make_bin(db, code="12")
    make_member(db, bins=[bin11], name="Ann Claes", phone="+32477123456")
    make_member(db, bins=[bin11, bin12], name="=HYPERLINK(\"x\")", phone="+32470111222")
    make_member(db, bins=[bin12], name="Bert Twaalf", phone="+32470121212")
    return bin11


def test_the_csv_opens_in_excel_and_holds_only_the_coordinators_bins(app):
    client = _coordinator(app, _world())
    response = client.get("/members/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["bin_code", "name", "street"]
    assert [(r[0], r[1]) for r in rows[1:]] == [("11", "'=HYPERLINK(\"x\")"), ("11", "Ann Claes")]
    assert rows[2][6] == "'+32477123456"  # text to Excel, not the number 3,2E+10
    assert b"Twaalf" not in body and b"\r\n12;" not in body
    assert db.session.scalar(select(AuditLog.subject).where(AuditLog.action == "member.export"))


def test_the_xlsx_reads_back_with_text_cells_of_own_bins_only(app):
    client = _coordinator(app, _world())
    response = client.get("/members/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "bin_code"
    assert [(r[0], r[1], r[6]) for r in rows[1:]] == [
        ("11", "=HYPERLINK(\"x\")", "+32470111222"), ("11", "Ann Claes", "+32477123456")]
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row
               if cell.value is not None)  # never a formula, never a number


def test_an_exported_workbook_imports_back_to_the_same_members(app):
    bin11 = _world()
    client = _coordinator(app, bin11)
    from domain import members_csv, spreadsheet

    decoded = spreadsheet.xlsx_text(client.get("/members/export.xlsx").data, "leden.xlsx")
    report = members_csv.validate(decoded.text, {"11"}, ["BE"])
    assert report.errors == []
    assert [(r.name, r.phone) for r in report.rows] == [
        ("=HYPERLINK(\"x\")", "+32470111222"), ("Ann Claes", "+32477123456")]
