"""Channels per member in the web's member files (issue 14, item 2): an .xlsx with the
`channel` column imports it, a bad one is a line problem, the exports write it back."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from domain import members_csv, spreadsheet
from domain.db import db
from domain.models import Member
from tests.factories import make_bin, make_member, make_web_user
from tests.web_support import csrf_token, person, post_form, sign_in

HEADER = ["bin_code", "name", "street", "house_number", "postcode", "municipality", "phone",
          "phone2", "language", "email", "channel"]
TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"')


def _coordinator(app, *bins):
    client = person(app)
    sign_in(client, make_web_user(db, "coordinator", bins=list(bins), language="en"))
    return client


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, body: bytes):
    data = {"file": (io.BytesIO(body), "leden.xlsx"),
            "csrf_token": csrf_token(client, "/members/import")}
    return client.post("/members/import", data=data,
                       content_type="multipart/form-data").get_data(as_text=True)


def test_an_xlsx_with_channels_is_checked_by_line_then_stored(app):
    client = _coordinator(app, make_bin(db, code="11"))
    rows = [HEADER, [11, "Ann", None, None, None, None, "0477 12 34 56", None, "nl", None, "sms"],
            [11, "Bart", None, None, None, None, "03 620 29 29", None, "nl", None, "sms"]]
    bad = _upload(client, _xlsx(rows))
    assert re.search(r'<td class="num">3</td><td>channel sms needs a mobile number', bad)
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0
    rows[2][10] = "none"
    html = _upload(client, _xlsx(rows))
    match = TOKEN.search(html)
    assert match, html
    post_form(client, "/members/import/confirm", {"token": match.group(1)},
              token_from="/members")
    db.session.expire_all()
    assert dict(db.session.execute(select(Member.name, Member.channel)).all()) == {
        "Ann": "sms", "Bart": "none"}


def test_both_exports_write_the_channel_and_read_back(app):
    bin11 = make_bin(db, code="11")
    make_member(db, bins=[bin11], name="Ann", phone="+32477123456", phone_type="mobile",
                email=None, channel="sms")
    make_member(db, bins=[bin11], name="Bart", phone="+3236202929", phone_type="landline",
                email="bart@example.be")
    client = _coordinator(app, bin11)
    csv_text = client.get("/members/export.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == ";".join(HEADER)
    workbook = client.get("/members/export.xlsx").data
    sheet = load_workbook(io.BytesIO(workbook)).active
    assert [(r[1].value, r[10].value) for r in sheet.iter_rows(min_row=2)] == [
        ("Ann", "sms"), ("Bart", None)]
    for text in (csv_text, spreadsheet.xlsx_text(workbook, "leden.xlsx").text):
        report = members_csv.validate(text, {"11"}, ["BE"])
        assert report.errors == []
        assert [(r.name, r.channel) for r in report.rows] == [("Ann", "sms"), ("Bart", None)]
