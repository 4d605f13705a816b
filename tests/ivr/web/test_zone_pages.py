"""The zone pages: a coordinator edits their own BIN's zone, the admin every BIN's."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from domain import zones
from domain.db import db
from domain.models import AuditLog, BinStreet
from tests.factories import make_bin, make_web_user, make_zone
from tests.web_support import csrf_token, person, post_form, sign_in

HEADER = "bin_code,postcode,municipality,street,from,to,parity"
TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"')


def _text(response) -> str:
    main = response.get_data(as_text=True).split("<main", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def _setup(app):
    centrum = make_bin(db, code="11", name="BIN Centrum")
    heide = make_bin(db, code="12", name="BIN Heide")
    make_zone(db, centrum, [("2990", "Kerkstraat", 1, 49, "all"),
                            ("2990", "Molenweg", 2, 48, "even")])
    make_zone(db, heide, [("2990", "Kerkstraat", 50, None, "all")])
    client = person(app)
    sign_in(client, make_web_user(db, "coordinator", bins=[centrum]))
    return centrum, heide, client


def _streets(b) -> list[tuple]:
    db.session.expire_all()
    return sorted((s.street, s.house_from, s.house_to, s.parity) for s in db.session.scalars(
        select(BinStreet).where(BinStreet.bin_id == b.id)))


def test_the_zone_table_words_the_ranges_and_another_bin_is_404(app):
    centrum, heide, client = _setup(app)
    page = client.get("/zones", follow_redirects=True)
    text = _text(page)
    assert "Kerkstraat" in text and "1–49" in text and "2–48" in text
    assert client.get("/zones/12").status_code == 404
    assert client.get("/zones/12/zone.csv").status_code == 404
    row12 = heide.streets[0].id
    assert post_form(client, f"/zones/12/rows/{row12}/remove").status_code == 404
    assert _streets(heide) == [("Kerkstraat", 50, None, "all")]


def test_a_coordinator_adds_changes_and_removes_rows_and_the_lookup_follows(app):
    centrum, heide, client = _setup(app)
    added = post_form(client, "/zones/11/rows", {
        "street": "Sint-Jansstraat", "postcode": "2990", "municipality": "Grensdorp",
        "house_from": "", "house_to": "", "parity": "odd"}, token_from="/zones/11")
    assert added.status_code == 302
    assert zones.find_bin("2990", "St.-Jansstr.", "7").code == "11"
    assert zones.find_bin("2990", "St.-Jansstr.", "8") is None
    row = db.session.scalar(select(BinStreet).where(BinStreet.street == "Sint-Jansstraat"))
    changed = post_form(client, f"/zones/11/rows/{row.id}", {
        "street": "Sint-Jansstraat", "postcode": "2990", "municipality": "Grensdorp",
        "house_from": "", "house_to": "", "parity": "all"}, token_from="/zones/11")
    assert changed.status_code == 302
    assert zones.find_bin("2990", "Sint-Jansstraat", "8").code == "11"
    removed = post_form(client, f"/zones/11/rows/{row.id}/remove", token_from="/zones/11")
    assert removed.status_code == 302 and zones.find_bin("2990", "Sint-Jansstraat", "8") is None
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("zone.%"))
                                 .order_by(AuditLog.id)).all()
    assert actions == ["zone.row_add", "zone.row_change", "zone.row_remove"]


def test_a_bad_row_is_shown_with_each_problem_next_to_its_field(app):
    centrum, heide, client = _setup(app)
    response = post_form(client, "/zones/11/rows", {
        "street": "", "postcode": "299", "house_from": "10A", "house_to": "",
        "parity": "all"}, token_from="/zones/11")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for field in ("street", "postcode", "house_from"):
        assert f'id="{field}-error"' in html
    overlap = post_form(client, "/zones/11/rows", {
        "street": "Kerkstr.", "postcode": "2990", "house_from": "40", "house_to": "60",
        "parity": "all"}, token_from="/zones/11")
    assert 'id="house_from-error"' in overlap.get_data(as_text=True)
    assert len(_streets(centrum)) == 2
    assert post_form(client, "/zones/11/rows", {"street": "X"}, token_from="/zones/11"
                     ).status_code == 200
    no_token = client.post("/zones/11/rows", data={"street": "X", "postcode": "2990"})
    assert no_token.status_code == 400 and len(_streets(centrum)) == 2


def _upload(client, body: str, code: str = "11"):
    data = {"file": (io.BytesIO(body.encode()), "zone.csv"),
            "csrf_token": csrf_token(client, f"/zones/{code}/import")}
    return client.post(f"/zones/{code}/import", data=data, content_type="multipart/form-data")


def test_a_csv_upload_replaces_the_zone_after_a_preview_once(app):
    centrum, heide, client = _setup(app)
    body = "\n".join([HEADER, "11,2990,Grensdorp,Kerkstraat,1,49,", "11,2990,Grensdorp,Dorp,,,",
                      "11,1000,Brussel,Rue Neuve,1,99,odd", "11,1000,Brussel,Nieuwstraat,1,99,odd"])
    preview = _upload(client, body)
    text = _text(preview)
    assert "Dorp (2990)" in text and "Molenweg (2990)" in text  # added, removed
    assert len(_streets(centrum)) == 2  # nothing yet
    token = TOKEN.search(preview.get_data(as_text=True)).group(1)
    form = {"csrf_token": csrf_token(client, "/zones/11"), "token": token}
    assert client.post("/zones/11/import/confirm", data=form).status_code == 302
    assert [s[0] for s in _streets(centrum)] == ["Dorp", "Kerkstraat", "Nieuwstraat",
                                                 "Rue Neuve"]
    assert zones.find_bin("1000", "Nieuwstraat", "3").code == "11"
    assert zones.find_bin("1000", "rue neuve", "3").code == "11"
    again = client.post("/zones/11/import/confirm", data=form, follow_redirects=True)
    assert "Er wacht geen import op bevestiging" in _text(again)
    assert _streets(heide) == [("Kerkstraat", 50, None, "all")]
    exported = client.get("/zones/11/zone.csv").get_data(as_text=True).splitlines()
    assert exported[0] == HEADER and "11,1000,Brussel,Nieuwstraat,1,99,odd" in exported


def test_a_bad_upload_lists_every_line_and_stores_nothing(app):
    centrum, heide, client = _setup(app)
    body = "\n".join([HEADER, "11,2990,Grensdorp,Kerkstraat,1,49,",
                      "12,2990,Grensdorp,Heistraat,,,", "11,29,Grensdorp,Dorp,,,",
                      "11,2990,Grensdorp,Kerkstr.,40,60,"])
    response = _upload(client, body)
    rows = re.findall(r'<tr><td class="num">(\d+)</td>', response.get_data(as_text=True))
    assert rows == ["3", "4", "5"]
    assert "confirm" not in response.get_data(as_text=True).split("upload-title")[0]
    assert len(_streets(centrum)) == 2


def test_the_admin_edits_every_bin_and_the_dispatcher_none(app):
    centrum, heide, _ = _setup(app)
    admin = person(app)
    sign_in(admin, make_web_user(db, "admin"))
    assert "BIN Heide" in _text(admin.get("/zones"))
    assert admin.get("/zones/12").status_code == 200
    dispatcher = person(app)
    sign_in(dispatcher, make_web_user(db, "dispatcher"))
    assert dispatcher.get("/zones/12").status_code == 403
