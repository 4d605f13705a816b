"""The admin's BIN pages: the list with members and coordinators, add, edit, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from domain.db import db
from domain.models import Bin
from tests.factories import make_bin, make_member, make_web_user
from tests.ivr.web.admin_support import audited, page_text, signed_in
from tests.web_support import person, post_form

NEW_BIN = {"code": "31", "name": "BIN Molenwijk", "municipality": "Grensdorp",
           "coordinator_name": "An Peeters", "coordinator_email": "an@example.be",
           "coordinator_phone": "03 620 29 29", "callback_replay": "y"}


def _bins() -> int:
    return db.session.scalar(select(func.count()).select_from(Bin))


def test_the_list_shows_members_coordinator_accounts_and_replay(app):
    heide = make_bin(db, code="12", name="BIN Heide", coordinator_name="Jan Janssens",
                     callback_replay=False)
    make_bin(db, code="13", name="BIN Leeg")
    for _ in range(3):
        make_member(db, bins=[heide])
    coordinator = make_web_user(db, "coordinator", bins=[heide])
    client, _ = signed_in(app)
    html = page_text(client.get("/admin/bins"))
    row = html.split('id="bin-12"')[1].split("</tr>")[0]
    assert "BIN Heide" in row and "Jan Janssens" in row and coordinator.email in row
    assert '<td class="num">3</td>' in row
    assert "uit" in row  # callback replay off, in Dutch
    other = html.split('id="bin-13"')[1].split("</tr>")[0]
    assert '<td class="num">0</td>' in other and "geen" in other


def test_an_admin_adds_a_bin_and_it_is_audited(app):
    client, admin = signed_in(app)
    response = post_form(client, "/admin/bins/new", NEW_BIN, follow_redirects=True)
    assert "BIN 31 BIN Molenwijk toegevoegd." in page_text(response)
    row = db.session.scalar(select(Bin).where(Bin.code == "31"))
    assert (row.name, row.coordinator_phone, row.callback_replay) == (
        "BIN Molenwijk", "+3236202929", True)
    entry, = audited("bin.add")
    assert entry.actor == admin.email and entry.subject == "bin:31"
    assert entry.details["coordinator_phone"] != "+3236202929"  # masked in the log


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"code": "0"}, "code", "0 selecteert alle BIN"),
    ({"code": "12345"}, "code", "1 tot 4 cijfers"),
    ({"code": "12"}, "code", "heeft deze code al"),
    ({"name": ""}, "name", ""),
    ({"coordinator_phone": "0900 12 345"}, "coordinator_phone", "Geen telefoonnummer"),
    ({"coordinator_email": "geen-adres"}, "coordinator_email", ""),
])
def test_bad_input_shows_the_error_and_stores_nothing(app, change, field, message):
    make_bin(db, code="12")
    client, _ = signed_in(app)
    response = post_form(client, "/admin/bins/new", {**NEW_BIN, **change})
    html = page_text(response)
    assert response.status_code == 200
    assert f'id="{field}-error"' in html and message in html
    assert _bins() == 1 and audited("bin.add") == []


def test_an_admin_turns_callback_replay_off_and_only_the_change_is_audited(app):
    row = make_bin(db, code="12", name="BIN Heide", municipality="Grensdorp")
    client, admin = signed_in(app)
    form = page_text(client.get(f"/admin/bins/{row.id}/edit"))
    assert 'value="BIN Heide"' in form and "checked" in form
    response = post_form(client, f"/admin/bins/{row.id}/edit",
                         {"name": "BIN Heide", "municipality": "Grensdorp"})
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.callback_replay is False
    entry, = audited("bin.edit")
    assert entry.actor == admin.email and entry.details == {"callback_replay": False}


def test_editing_an_unknown_bin_is_404(app):
    client, _ = signed_in(app)
    assert client.get("/admin/bins/999999/edit").status_code == 404


def test_a_form_without_csrf_is_refused_and_changes_nothing(app):
    row = make_bin(db, code="12", name="BIN Heide")
    client, _ = signed_in(app)
    assert client.post("/admin/bins/new", data=NEW_BIN).status_code == 400
    assert client.post(f"/admin/bins/{row.id}/edit", data={"name": "X"}).status_code == 400
    db.session.refresh(row)
    assert row.name == "BIN Heide" and _bins() == 1 and audited("bin.edit") == []


@pytest.mark.parametrize("role", ["dispatcher", "coordinator"])
def test_dispatchers_and_coordinators_are_refused_and_change_nothing(app, role):
    row = make_bin(db, code="12", name="BIN Heide")
    client, _ = signed_in(app, role, bins=[row] if role == "coordinator" else [])
    assert client.get("/admin/bins").status_code == 403
    assert post_form(client, "/admin/bins/new", NEW_BIN).status_code == 403
    assert post_form(client, f"/admin/bins/{row.id}/edit",
                     {"name": "Overgenomen"}).status_code == 403
    db.session.refresh(row)
    assert row.name == "BIN Heide" and row.callback_replay and _bins() == 1


def test_an_anonymous_visitor_is_sent_to_the_sign_in(app):
    response = person(app).get("/admin/bins")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
