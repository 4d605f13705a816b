"""The member list: search, pages, households and two-BIN members, and the BIN scope."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import insert

from domain.db import db
from domain.models import Member, Membership
from tests.factories import make_bin, make_member, make_web_user
from tests.web_support import person, sign_in


def _coordinator(app, *bins):
    client = person(app)
    sign_in(client, make_web_user(db, "coordinator", bins=list(bins)))
    return client


def _page(client, path: str = "/members", **params) -> str:
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _many(bin_, count: int, prefix: str = "Lid") -> None:
    rows = [{"name": f"{prefix} {i:05d}", "phone": f"+32471{i:06d}", "phone_type": "mobile",
             "language": "nl", "street": "Dorpsstraat", "house_number": str(i)}
            for i in range(count)]
    db.session.execute(insert(Member), rows)
    ids = db.session.scalars(db.select(Member.id).where(Member.name.like(f"{prefix} %")))
    db.session.execute(insert(Membership), [{"member_id": i, "bin_id": bin_.id} for i in ids])
    db.session.commit()


def test_the_list_shows_members_in_name_order_with_phone_numbers_readable(app):
    bin11 = make_bin(db, code="11")
    make_member(db, bins=[bin11], name="Zoë Peeters", phone="+32477123456")
    make_member(db, bins=[bin11], name="Ann Claes", phone="+3236202929", phone_type="landline")
    html = _page(_coordinator(app, bin11))
    assert html.index("Ann Claes") < html.index("Zoë Peeters")
    assert "+32 477 12 34 56" in html and "+32 3 620 29 29" in html
    assert "2 leden." in html


def test_search_by_name_street_and_phone_number(app):
    bin11 = make_bin(db, code="11")
    make_member(db, bins=[bin11], name="Ann Claes", street="Molenstraat", phone="+32477123456")
    make_member(db, bins=[bin11], name="Bart Smet", street="Kerkstraat", phone="+32470999888")
    client = _coordinator(app, bin11)
    for q in ("ann", "MOLEN", "0477 12 34", "+32477123456"):
        html = _page(client, q=q)
        assert "Ann Claes" in html and "Bart Smet" not in html, q
    assert "Bart Smet" not in _page(client, q="%")  # a wildcard is a character, not "all"


def test_fifty_a_page_and_the_last_page_of_ten_thousand(app):
    bin11 = make_bin(db, code="11")
    _many(bin11, 10_000)
    client = _coordinator(app, bin11)
    first = _page(client)
    assert "10000 leden." in first and "Pagina 1 van 200" in first
    assert "Lid 00000" in first and "Lid 00049" in first and "Lid 00050" not in first
    last = _page(client, page=200)
    assert "Lid 09950" in last and "Lid 09999" in last and "Lid 09949" not in last
    assert "Pagina 200 van 200" in _page(client, page=999)  # past the end: the last page
    searched = _page(client, q="Lid 0999")
    assert "10 leden komen overeen" in searched and "Lid 09990" in searched


def test_households_and_members_of_two_bins_are_marked(app):
    bin11, bin13 = make_bin(db, code="11", name="Centrum"), make_bin(db, code="13", name="Veld")
    make_member(db, bins=[bin11], name="Ann Claes", phone="+3236202929", phone_type="landline")
    make_member(db, bins=[bin11], name="Piet Claes", phone="+3236202929", phone_type="landline")
    make_member(db, bins=[bin11, bin13], name="Wim Both", phone="+32470111222")
    html = _page(_coordinator(app, bin11, bin13))
    assert html.count("gezinsnummer: 2 leden") == 2
    assert "in twee BIN" in html
    only_13 = _page(_coordinator(app, bin11, bin13), bin=bin13.id)
    assert "Wim Both" in only_13 and "Ann Claes" not in only_13


def test_a_member_also_in_a_bin_the_coordinator_does_not_see_says_only_that(app):
    bin11, bin12 = make_bin(db, code="11"), make_bin(db, code="12", name="Geheime Heide")
    make_member(db, bins=[bin11, bin12], name="Wim Both")
    html = _page(_coordinator(app, bin11))
    assert "Wim Both" in html and "ook in 1 andere BIN" in html
    assert "Geheime Heide" not in html


def test_coordinator_11_never_sees_bin_12s_members(app):
    bin11, bin12 = make_bin(db, code="11"), make_bin(db, code="12")
    make_member(db, bins=[bin11], name="Ann Elf")
    secret = make_member(db, bins=[bin12], name="Bert Twaalf", phone="+32470121212")
    client = _coordinator(app, bin11)
    assert "Bert Twaalf" not in _page(client)
    assert "Bert Twaalf" not in _page(client, q="Bert")
    assert "Bert Twaalf" not in _page(client, q="0470121212")
    assert "Bert Twaalf" not in _page(client, bin=bin12.id)  # a BIN filter outside scope
    for path in (f"/members/{secret.id}/edit", f"/members/{secret.id}/remove"):
        assert client.get(path).status_code == 404
    assert b"Bert Twaalf" not in client.get("/members/export.csv").data
    sheet = load_workbook(io.BytesIO(client.get("/members/export.xlsx").data)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Ann Elf"]
