"""The admin's officer pages: add, new PIN, deactivate, lift lockouts, refusals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from domain import officer_auth
from domain.db import db
from domain.models import AuditLog, Lockout, Officer
from domain.pins import verify_pin
from tests.factories import make_bin, make_lockout, make_officer
from tests.ivr.web.admin_support import audited, page_text, signed_in
from tests.web_support import post_form

PIN = "246810"
CALLER = "+32470555111"


def _officers() -> int:
    return db.session.scalar(select(func.count()).select_from(Officer))


def _shown_pin(html: str) -> str:
    match = re.search(r'<output id="new-pin">([0-9]+)</output>', html)
    assert match, "no PIN shown"
    return match.group(1)


def test_the_list_shows_officers_locks_and_masked_calling_numbers(app):
    locked = make_officer(db, number="4711", name="Agent Peeters")
    make_officer(db, number="4712", name="Agent Claes", active=False)
    make_lockout(db, kind="officer", subject="4711")
    make_lockout(db, kind="caller", subject=CALLER)
    client, _ = signed_in(app)
    html = page_text(client.get("/admin/officers"))
    row = html.split('id="officer-4711"')[1].split("</tr>")[0]
    assert locked.name in row and "actief" in row and "tot " in row
    assert "inactief" in html.split('id="officer-4712"')[1].split("</tr>")[0]
    assert CALLER not in html and "+3247•••••11" in html


def test_a_new_officer_gets_a_random_pin_shown_once_and_only_hashed(app):
    client, admin = signed_in(app)
    response = post_form(client, "/admin/officers/new",
                         {"number": "4801", "name": "Agent Wouters", "how": "generate"})
    html = page_text(response)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    pin = _shown_pin(html)
    officer = db.session.scalar(select(Officer).where(Officer.number == "4801"))
    assert verify_pin(officer.pin_hash, pin) and pin not in officer.pin_hash
    entry, = audited("officer.add")
    assert entry.actor == admin.email and entry.subject == "officer:4801"
    assert pin not in repr([(e.actor, e.subject, e.details) for e in audited("officer.add")])
    assert pin not in page_text(client.get("/admin/officers"))  # shown once, only there


def test_an_officer_added_with_a_typed_pin_goes_back_to_the_list(app):
    client, _ = signed_in(app)
    response = post_form(client, "/admin/officers/new",
                         {"number": "4802", "name": "Agent Maes", "how": "set", "pin": "739184",
                          "phone": "0470 12 34 56"}, follow_redirects=True)
    assert "Agent 4802 (Agent Maes) toegevoegd." in page_text(response)
    officer = db.session.scalar(select(Officer).where(Officer.number == "4802"))
    assert verify_pin(officer.pin_hash, "739184") and officer.phone == "+32470123456"


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"number": "4711"}, "number", "heeft dit nummer al"),
    ({"number": "47-11"}, "number", "1 tot 12 cijfers"),
    ({"name": ""}, "name", ""),
    ({"how": "set", "pin": "123456"}, "pin", "te makkelijk te raden"),
    ({"how": "set", "pin": "777777"}, "pin", "te makkelijk te raden"),
    ({"how": "set", "pin": "12ab"}, "pin", "6 tot 12 cijfers"),
    ({"how": "set", "pin": ""}, "pin", "6 tot 12 cijfers"),
])
def test_bad_input_shows_the_error_and_stores_nothing(app, form, field, message):
    make_officer(db, number="4711")
    client, _ = signed_in(app)
    data = {"number": "4803", "name": "Agent Nieuw", "how": "generate", **form}
    response = post_form(client, "/admin/officers/new", data)
    html = page_text(response)
    assert response.status_code == 200 and 'id="new-pin"' not in html
    assert message in html and (field == "how" or f'id="{field}-error"' in html)
    assert _officers() == 1 and audited("officer.add") == []


def test_a_pin_reset_replaces_the_hash_and_is_audited_without_the_pin(app):
    officer = make_officer(db, pin=PIN)
    client, admin = signed_in(app)
    assert officer.number in page_text(client.get(f"/admin/officers/{officer.id}/pin"))
    response = post_form(client, f"/admin/officers/{officer.id}/pin",
                         {"how": "set", "pin": "918273"})
    assert response.status_code == 302
    db.session.refresh(officer)
    assert verify_pin(officer.pin_hash, "918273") and not verify_pin(officer.pin_hash, PIN)
    entry, = audited("officer.set_pin")
    assert entry.actor == admin.email and entry.details is None


def test_deactivating_asks_first_then_stops_the_officer(app):
    officer = make_officer(db, pin=PIN)
    client, admin = signed_in(app)
    url = f"/admin/officers/{officer.id}/deactivate"
    ask = post_form(client, url)
    assert ask.status_code == 200 and "deactiveren?" in page_text(ask)
    db.session.refresh(officer)
    assert officer.active and audited("officer.deactivate") == []
    assert post_form(client, url, {"confirm": "yes"}).status_code == 302
    db.session.refresh(officer)
    assert not officer.active
    assert [e.actor for e in audited("officer.deactivate")] == [admin.email]
    assert officer_auth.authenticate(officer.number, PIN, CALLER).outcome == "wrong"


def test_an_unlocked_officer_can_use_the_pin_line_again(app):
    officer = make_officer(db, pin=PIN)
    for _ in range(officer_auth.MAX_FAILURES):
        officer_auth.authenticate(officer.number, "000000", f"+3247055500{_}")
    assert officer_auth.authenticate(officer.number, PIN, "+32470555199").outcome == "locked"
    client, admin = signed_in(app)
    response = post_form(client, f"/admin/officers/{officer.id}/unlock",
                         follow_redirects=True)
    assert f"Agent {officer.number} gedeblokkeerd." in page_text(response)
    result = officer_auth.authenticate(officer.number, PIN, "+32470555199")
    assert result.outcome == "ok" and result.officer.id == officer.id
    assert [e.actor for e in audited("officer.unlock")] == [admin.email]
    assert audited("auth.unlock")[0].actor == admin.email


def test_a_locked_calling_number_is_unlocked_from_the_list(app):
    officer = make_officer(db, pin=PIN)
    lock = make_lockout(db, kind="caller", subject=CALLER)
    assert officer_auth.authenticate(officer.number, PIN, CALLER).outcome == "locked"
    client, admin = signed_in(app)
    response = post_form(client, f"/admin/officers/lockouts/{lock.id}/unlock",
                         follow_redirects=True)
    html = page_text(response)
    assert "+3247•••••11 gedeblokkeerd." in html and CALLER not in html
    db.session.refresh(lock)
    assert lock.lifted_by == admin.email
    assert officer_auth.authenticate(officer.number, PIN, CALLER).outcome == "ok"


def test_a_form_without_csrf_is_refused_and_changes_nothing(app):
    officer = make_officer(db, pin=PIN)
    lock = make_lockout(db, kind="officer", subject=officer.number)
    client, _ = signed_in(app)
    before = db.session.scalar(select(func.count()).select_from(AuditLog))
    for url, data in [("/admin/officers/new", {"number": "4900", "name": "X", "how": "generate"}),
                      (f"/admin/officers/{officer.id}/pin", {"how": "generate"}),
                      (f"/admin/officers/{officer.id}/deactivate", {"confirm": "yes"}),
                      (f"/admin/officers/{officer.id}/unlock", {})]:
        assert client.post(url, data=data).status_code == 400, url
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).active and _officers() == 1
    assert db.session.get(Lockout, lock.id).lifted_at is None
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == before


@pytest.mark.parametrize("role", ["dispatcher", "coordinator"])
def test_dispatchers_and_coordinators_are_refused_and_change_nothing(app, role):
    officer = make_officer(db, pin=PIN)
    lock = make_lockout(db, kind="caller", subject=CALLER)
    client, _ = signed_in(app, role, bins=[make_bin(db)] if role == "coordinator" else [])
    assert client.get("/admin/officers").status_code == 403
    for url, data in [("/admin/officers/new", {"number": "4900", "name": "X", "how": "generate"}),
                      (f"/admin/officers/{officer.id}/pin", {"how": "generate"}),
                      (f"/admin/officers/{officer.id}/deactivate", {"confirm": "yes"}),
                      (f"/admin/officers/{officer.id}/unlock", {}),
                      (f"/admin/officers/lockouts/{lock.id}/unlock", {})]:
        assert post_form(client, url, data).status_code == 403, url
    db.session.expire_all()
    officer = db.session.get(Officer, officer.id)
    assert officer.active and verify_pin(officer.pin_hash, PIN) and _officers() == 1
    assert db.session.get(Lockout, lock.id).lifted_at is None
