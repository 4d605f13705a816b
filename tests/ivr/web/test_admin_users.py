"""The admin's web-user pages: add, edit role/BINs/language, deactivate, refusals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from domain.db import db
from domain.models import AuditLog, WebUser
from domain.web_users import check_password, find_user
from tests.factories import make_bin, make_web_user
from tests.ivr.web.admin_support import audited, page_text, signed_in
from tests.web_support import csrf_token, person, post_form, sign_in

PASSWORD = "lang genoeg wachtwoord"


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(WebUser))


def test_the_list_shows_role_bins_second_factor_and_last_sign_in(app):
    heide = make_bin(db, code="12")
    coordinator = make_web_user(db, "coordinator", bins=[heide])
    make_web_user(db, "dispatcher", enrolled=False, email="nieuw@politie.example")
    client, admin = signed_in(app)
    html = page_text(client.get("/admin/users"))
    row = html.split(f'id="user-{coordinator.id}"')[1].split("</tr>")[0]
    assert coordinator.email in row and "Coördinator" in row and "12" in row
    assert "nooit" in row and "niet nodig" in row
    assert "bij eerste aanmelding" in html.split("nieuw@politie.example")[1].split("</tr>")[0]
    own = html.split(f'id="user-{admin.id}"')[1].split("</tr>")[0]
    assert "Politiebeheerder" in own and "deactivate" not in own  # not yourself


def test_an_admin_adds_a_coordinator_who_can_sign_in(app):
    heide = make_bin(db, code="12")
    client, admin = signed_in(app)
    response = post_form(client, "/admin/users/new", {
        "email": "An@Buurt.example", "name": "An Peeters", "role": "coordinator",
        "bins": [str(heide.id)], "language": "fr", "password": PASSWORD})
    assert response.status_code == 302
    user = find_user("an@buurt.example")
    assert (user.role, user.bin_ids, user.language, user.totp_secret) == (
        "coordinator", {heide.id}, "fr", None)
    assert check_password(user, PASSWORD)
    entry, = audited("web_user.add")
    assert entry.actor == admin.email and entry.details == {"role": "coordinator",
                                                            "bins": ["12"]}
    newcomer = person(app)
    sign_in(newcomer, user, password=PASSWORD)
    assert "An Peeters" in page_text(newcomer.get("/", follow_redirects=True))


def test_a_new_police_user_enrols_an_authenticator_at_the_first_sign_in(app):
    client, _ = signed_in(app)
    post_form(client, "/admin/users/new", {"email": "disp@politie.example", "role":
                                           "dispatcher", "language": "nl",
                                           "password": PASSWORD})
    user = find_user("disp@politie.example")
    assert user.totp_secret and user.totp_confirmed_at is None and user.bins == []
    newcomer = person(app)
    response = newcomer.post("/login", data={"csrf_token": csrf_token(newcomer),
                                             "email": user.email, "password": PASSWORD})
    assert "/login/enrol" in response.headers["Location"]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"email": "bestaat@buurt.example"}, "email", "bestaat al een webgebruiker"),
    ({"email": "geen-adres"}, "email", ""),
    ({"password": "te kort"}, "password", "Minstens 12 tekens"),
    ({"bins": []}, "bins", "minstens één BIN"),
    ({"role": "baas"}, "role", ""),
])
def test_bad_input_shows_the_error_and_stores_nothing(app, change, field, message):
    heide = make_bin(db, code="12")
    make_web_user(db, "coordinator", bins=[heide], email="bestaat@buurt.example")
    client, _ = signed_in(app)
    before = _users()
    data = {"email": "nieuw@buurt.example", "role": "coordinator", "bins": [str(heide.id)],
            "language": "nl", "password": PASSWORD, **change}
    response = post_form(client, "/admin/users/new", data)
    html = page_text(response)
    assert response.status_code == 200 and message in html
    assert f'id="{field}-error"' in html or (field == "bins" and "error-message" in html)
    assert _users() == before and audited("web_user.add") == []


def test_editing_role_bins_and_language_is_audited_per_change(app):
    heide, centrum = make_bin(db, code="12"), make_bin(db, code="11")
    user = make_web_user(db, "coordinator", bins=[heide])
    client, admin = signed_in(app)
    form = page_text(client.get(f"/admin/users/{user.id}/edit"))
    assert re.search(rf'<input checked[^>]*name="bins"[^>]*value="{heide.id}"', form)
    assert not re.search(rf'<input checked[^>]*name="bins"[^>]*value="{centrum.id}"', form)
    response = post_form(client, f"/admin/users/{user.id}/edit", {
        "name": user.name, "role": "coordinator", "bins": [str(heide.id), str(centrum.id)],
        "language": "de"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.bin_ids == {heide.id, centrum.id} and user.language == "de"
    assert audited("web_user.bins")[0].details == {"bins": ["11", "12"]}
    assert audited("web_user.edit")[0].details == {"language": "de"}
    assert audited("web_user.role") == []

    post_form(client, f"/admin/users/{user.id}/edit", {"name": user.name,
                                                       "role": "dispatcher", "language": "de"})
    db.session.refresh(user)
    assert user.role == "dispatcher" and user.bins == [] and user.totp_secret
    assert user.totp_confirmed_at is None  # enrols at the next sign-in
    role, = audited("web_user.role")
    assert role.actor == admin.email and role.details == {"old": "coordinator",
                                                          "new": "dispatcher"}


def test_a_role_change_applies_to_an_open_session_at_once(app):
    heide = make_bin(db, code="12")
    user = make_web_user(db, "dispatcher")
    theirs = person(app)
    sign_in(theirs, user)
    client, _ = signed_in(app)
    post_form(client, f"/admin/users/{user.id}/edit", {"role": "admin", "language": "nl"})
    assert theirs.get("/admin/users").status_code == 200
    post_form(client, f"/admin/users/{user.id}/edit", {"role": "coordinator", "language": "nl",
                                                       "bins": [str(heide.id)]})
    assert theirs.get("/admin/users").status_code == 403


def test_an_admin_cannot_change_their_own_role_or_deactivate_themselves(app):
    client, admin = signed_in(app)
    response = post_form(client, f"/admin/users/{admin.id}/edit",
                         {"role": "dispatcher", "language": "nl"})
    assert "U kunt uw eigen rol niet wijzigen." in page_text(response)
    assert post_form(client, f"/admin/users/{admin.id}/deactivate",
                     {"confirm": "yes"}).status_code == 403
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active


def test_a_deactivated_web_user_s_session_ends(app):
    user = make_web_user(db, "coordinator", bins=[make_bin(db)])
    theirs = person(app)
    sign_in(theirs, user)
    assert user.name in page_text(theirs.get("/", follow_redirects=True))
    client, admin = signed_in(app)
    url = f"/admin/users/{user.id}/deactivate"
    ask = post_form(client, url)
    assert ask.status_code == 200 and f"{user.email} deactiveren?" in page_text(ask)
    db.session.refresh(user)
    assert user.active
    assert post_form(client, url, {"confirm": "yes"}).status_code == 302
    db.session.refresh(user)
    assert not user.active
    assert [e.actor for e in audited("web_user.deactivate")] == [admin.email]
    response = theirs.get("/")
    assert response.status_code == 302 and response.location.endswith("/login")


def test_a_form_without_csrf_is_refused_and_changes_nothing(app):
    heide = make_bin(db, code="12")
    user = make_web_user(db, "coordinator", bins=[heide])
    client, _ = signed_in(app)
    before = db.session.scalar(select(func.count()).select_from(AuditLog))
    for url, data in [("/admin/users/new", {"email": "x@y.example", "role": "admin",
                                            "password": PASSWORD, "language": "nl"}),
                      (f"/admin/users/{user.id}/edit", {"role": "admin", "language": "nl"}),
                      (f"/admin/users/{user.id}/deactivate", {"confirm": "yes"})]:
        assert client.post(url, data=data).status_code == 400, url
    db.session.refresh(user)
    assert user.role == "coordinator" and user.active and _users() == 2
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == before


@pytest.mark.parametrize("role", ["dispatcher", "coordinator"])
def test_dispatchers_and_coordinators_are_refused_and_change_nothing(app, role):
    heide = make_bin(db, code="12")
    user = make_web_user(db, "coordinator", bins=[heide])
    client, me = signed_in(app, role, bins=[heide] if role == "coordinator" else [])
    assert client.get("/admin/users").status_code == 403
    for url, data in [("/admin/users/new", {"email": "x@y.example", "role": "admin",
                                            "password": PASSWORD, "language": "nl"}),
                      (f"/admin/users/{user.id}/edit", {"role": "admin", "language": "nl"}),
                      (f"/admin/users/{me.id}/edit", {"role": "admin", "language": "nl"}),
                      (f"/admin/users/{user.id}/deactivate", {"confirm": "yes"})]:
        assert post_form(client, url, data).status_code == 403, url
    db.session.expire_all()
    assert db.session.get(WebUser, user.id).active and _users() == 2
    assert db.session.get(WebUser, me.id).role == role
