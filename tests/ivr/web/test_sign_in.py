"""Signing in: passwords, the second factor for police, throttling, CSRF and cookies."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from domain.models import AuditLog
from tests.factories import WEB_PASSWORD, make_bin, make_web_user
from tests.web_support import csrf_token, person, post_form, sign_in


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_a_page_redirects_an_anonymous_visitor_to_the_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_a_coordinator_signs_in_with_password_and_is_audited(app, client):
    from domain.db import db

    user = make_web_user(db, "coordinator", bins=[make_bin(db)])
    response = sign_in(client, user)
    assert response.status_code == 302
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert user.name in page
    assert "web.sign_in" in _actions(db)


def test_a_wrong_password_says_so_without_telling_which_part_was_wrong(app, client):
    from domain.db import db

    user = make_web_user(db, "coordinator", bins=[make_bin(db)])
    response = sign_in(client, user, password="wrong password!!")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "niet juist" in page or "not right" in page
    assert client.get("/").status_code == 302  # still signed out
    assert "web.sign_in_failed" in _actions(db)


def test_a_police_user_needs_the_code_and_a_wrong_one_is_refused(app, client):
    from domain.db import db

    user = make_web_user(db, "dispatcher")
    form = {"csrf_token": csrf_token(client), "email": user.email, "password": WEB_PASSWORD}
    asked = client.post("/login", data=form)
    assert asked.status_code == 200 and 'name="totp"' in asked.get_data(as_text=True)
    assert client.get("/").status_code == 302
    wrong = client.post("/login", data={**form, "totp": "000000"})
    assert wrong.status_code == 200
    assert client.get("/").status_code == 302
    good = client.post("/login", data={**form, "totp": pyotp.TOTP(user.totp_secret).now()})
    assert good.status_code == 302
    assert client.get("/").status_code in (200, 302)
    assert client.get("/", follow_redirects=True).request.path != "/login"


def test_the_first_police_sign_in_shows_a_qr_code_to_enrol(app, client):
    from domain.db import db

    user = make_web_user(db, "admin", enrolled=False)
    form = {"csrf_token": csrf_token(client), "email": user.email, "password": WEB_PASSWORD}
    response = client.post("/login", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == "/login/enrol"
    assert "<svg" in page and user.totp_secret in page
    token = csrf_token(client, "/login/enrol")
    done = client.post("/login/enrol", data={"csrf_token": token,
                                             "totp": pyotp.TOTP(user.totp_secret).now()})
    assert done.status_code == 302
    db.session.refresh(user)
    assert user.totp_confirmed_at is not None
    assert "web_user.totp_enrolled" in _actions(db)


def test_the_eleventh_wrong_password_in_a_minute_gets_429(app, client):
    from domain.db import db

    user = make_web_user(db, "coordinator", bins=[make_bin(db)])
    token = csrf_token(client)
    form = {"csrf_token": token, "email": user.email, "password": "wrong password!!"}
    codes = [client.post("/login", data=form).status_code for _ in range(11)]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429
    page = client.post("/login", data=form).get_data(as_text=True)
    assert "Te veel pogingen" in page or "Too many attempts" in page
    # The right password is refused too until the minute is over: the budget is per account.
    other = person(app)
    refused = other.post("/login", data={"csrf_token": csrf_token(other), "email": user.email,
                                         "password": WEB_PASSWORD})
    assert refused.status_code == 429
    # The counts are kept in Redis, shared by every web process.
    import redis

    keys = redis.Redis.from_url(app.config["REDIS_URL"]).keys("*buurtlijn-limits*")
    assert len(keys) >= 2  # one per address, one per account


def test_one_address_guessing_many_accounts_is_throttled_too(app, client):
    token = csrf_token(client)
    codes = [client.post("/login", data={"csrf_token": token, "email": f"guess{i}@x.example",
                                         "password": "wrong password!!"}).status_code
             for i in range(11)]
    assert codes == [200] * 10 + [429]


def test_a_form_without_csrf_token_is_refused_and_changes_nothing(app, client):
    from domain.db import db

    user = make_web_user(db, "coordinator", bins=[make_bin(db)], language="nl")
    sign_in(client, user)
    response = client.post("/language", data={"language": "fr", "next": "/"})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.language == "nl"
    response = post_form(client, "/language", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.language == "fr"


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    from domain.db import db

    user = make_web_user(db, "coordinator", bins=[make_bin(db)])
    response = sign_in(client, user)
    cookie = next(v for k, v in response.headers.items()
                  if k == "Set-Cookie" and v.startswith("buurtlijn_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # not live: plain http on 127.0.0.1


def test_a_live_app_marks_the_session_cookie_secure():
    from ivr import web

    class Stub:
        config: dict = {}
    web._session_settings(Stub, live=True)
    assert Stub.config["SESSION_COOKIE_SECURE"] is True


def test_signing_out_needs_a_post_and_ends_the_session(app, client):
    from domain.db import db

    user = make_web_user(db, "coordinator", bins=[make_bin(db)])
    sign_in(client, user)
    assert client.get("/logout").status_code == 200  # a confirmation, not a sign-out
    assert client.get("/", follow_redirects=True).request.path != "/login"
    post_form(client, "/logout")
    assert client.get("/").headers["Location"].endswith("/login")
    assert "web.sign_out" in _actions(db)


def test_a_deactivated_user_is_signed_out_at_the_next_request(app, client):
    from domain.db import db
    from domain.web_users import deactivate

    user = make_web_user(db, "coordinator", bins=[make_bin(db)])
    sign_in(client, user)
    deactivate(user, actor="test")
    db.session.commit()
    assert client.get("/").headers["Location"].endswith("/login")


def test_an_offsite_next_is_ignored(app, client):
    from domain.db import db

    user = make_web_user(db, "coordinator", bins=[make_bin(db)])
    form = {"csrf_token": csrf_token(client), "email": user.email, "password": WEB_PASSWORD}
    response = client.post("/login?next=https://evil.example/", data=form)
    assert "evil.example" not in response.headers["Location"]
