"""Every route of the app, as every kind of visitor: who gets in, who is turned away.

The routes come from the app's URL map, so a new route fails this test until it has a
row in MATRIX. Path values are those of BIN 12's objects: a coordinator of BIN 11 must
get 403 or 404 for every one of them, and a refused POST must change no row."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import text

from domain.db import db
from tests.factories import (
    make_application,
    make_bin,
    make_contribution,
    make_lockout,
    make_member,
    make_member_link,
    make_message,
    make_officer,
    make_web_user,
    make_zone,
)
from tests.web_support import csrf_token, person, sign_in

ANON, C11, C12, DISP, ADMIN = "anonymous", "coordinator 11", "coordinator 12", "dispatcher", \
    "admin"
VISITORS = (ANON, C11, C12, DISP, ADMIN)
OK, LOGIN, DENIED = "ok", "sent to /login", "refused (403/404)"


def everyone(outcome: str) -> dict[str, str]:
    return dict.fromkeys(VISITORS, outcome)


def signed_in() -> dict[str, str]:
    return {**everyone(OK), ANON: LOGIN}


def police() -> dict[str, str]:
    return {ANON: LOGIN, C11: DENIED, C12: DENIED, DISP: OK, ADMIN: OK}


def admin() -> dict[str, str]:
    return {**police(), DISP: DENIED}


def bin12_and_police() -> dict[str, str]:
    """BIN 12's own pages that the police see too (broadcasts)."""
    return {ANON: LOGIN, C11: DENIED, C12: OK, DISP: OK, ADMIN: OK}


def bin12_only() -> dict[str, str]:
    """BIN 12's member data: its coordinator only, not even the police."""
    return {ANON: LOGIN, C11: DENIED, C12: OK, DISP: DENIED, ADMIN: DENIED}


CARRIER = everyone(DENIED)  # no carrier signature: 403 (tests/ivr/test_voice_routes_signed)

# endpoint -> (method, expected outcome per visitor)
MATRIX: dict[str, tuple[str, dict[str, str]]] = {
    "static": ("GET", everyone(OK)),
    "home.index": ("GET", signed_in()),
    "home.language": ("POST", {**everyone(OK)}),
    "auth.login": ("GET", everyone(OK)),
    "auth.enrol": ("GET", everyone(LOGIN)),  # only right after a first police password
    "auth.logout": ("GET", signed_in()),
    "health.healthz": ("GET", everyone(OK)),
    "health.readyz": ("GET", everyone(OK)),  # 200 or 503 (not ready), to anyone
    "metrics.metrics": ("GET", everyone(DENIED)),  # not loopback, no METRICS_TOKEN: 403
    "media.message_audio": ("GET", CARRIER),  # a wrong digest: 404 for anyone
    "media.prompt": ("GET", everyone(DENIED)),  # public audio; 404: no recorded prompt here

    # members pages (ivr/web/members.py)
    "members.index": ("GET", {**bin12_only(), C11: OK}),  # each coordinator: own BINs
    "members.new": ("GET", {**bin12_only(), C11: OK}),
    "members.edit": ("GET", bin12_only()),
    "members.confirm_remove": ("GET", bin12_only()),
    "members.remove": ("POST", bin12_only()),
    "members.confirm_erase": ("GET", bin12_only()),
    "members.erase": ("POST", bin12_only()),  # without the ticked box: asks again
    "members.upload": ("GET", {**bin12_only(), C11: OK}),
    "members.confirm_import": ("POST", {**bin12_only(), C11: OK}),  # nothing pending: back
    "members.export_csv": ("GET", {**bin12_only(), C11: OK}),  # C11's file: tested apart
    "members.export_xlsx": ("GET", {**bin12_only(), C11: OK}),

    # broadcast pages (ivr/web/broadcasts.py)
    "broadcasts.index": ("GET", signed_in()),  # each sees their own scope
    "broadcasts.show": ("GET", bin12_and_police()),
    "broadcasts.live": ("GET", bin12_and_police()),
    "broadcasts.cancel": ("POST", police()),  # refused: nothing cancelled

    # admin pages (ivr/web/admin.py)
    "admin.bins": ("GET", admin()),
    "admin.new_bin": ("POST", admin()),
    "admin.edit_bin": ("POST", admin()),
    "admin.officers": ("GET", admin()),
    "admin.new_officer": ("POST", admin()),
    "admin.officer_pin": ("POST", admin()),
    "admin.deactivate_officer": ("POST", admin()),  # asks to confirm first
    "admin.unlock_officer": ("POST", admin()),
    "admin.unlock_caller": ("POST", admin()),
    "admin.users": ("GET", admin()),
    "admin.new_user": ("POST", admin()),
    "admin.edit_user": ("POST", admin()),
    "admin.deactivate_user": ("POST", admin()),  # asks to confirm first
    "admin.audit": ("GET", admin()),

    # the public address check (ivr/web/lookup.py)
    "lookup.check": ("GET", everyone(OK)),
    "lookup.contact": ("GET", everyone(OK)),  # BIN 12's contact form, public


    # zone pages (ivr/web/zones.py): a coordinator their own BINs, the admin every BIN
    "zones.index": ("GET", {**admin(), C11: OK, C12: OK}),
    "zones.show": ("GET", {**admin(), C12: OK}),
    "zones.add_row": ("POST", {**admin(), C12: OK}),  # an empty form: shown again
    "zones.edit_row": ("GET", {**admin(), C12: OK}),
    "zones.remove_row": ("POST", {**admin(), C12: OK}),  # the second: "removed already"
    "zones.export_csv": ("GET", {**admin(), C12: OK}),
    "zones.upload": ("GET", {**admin(), C12: OK}),
    "zones.confirm_import": ("POST", {**admin(), C12: OK}),  # nothing pending: back


    # the join form (ivr/web/join.py)
    "join.apply": ("GET", everyone(OK)),
    "join.sent": ("GET", everyone(OK)),
    "join.confirm": ("GET", everyone(DENIED)),  # `token` is a member link: unknown here, 404
    "join.vcard": ("GET", everyone(OK)),
    "members.personal_link": ("POST", bin12_only()),

    # the applications inbox (ivr/web/applications.py)
    "applications.index": ("GET", {**bin12_only(), C11: OK}),  # each coordinator: own BINs
    "applications.approve": ("POST", bin12_only()),
    "applications.decline": ("GET", bin12_only()),
    "applications.settings": ("GET", bin12_only()),

    # the member's own page (ivr/web/me.py): public, the personal link is the key
    "me.request_link": ("GET", everyone(OK)),
    "me.page": ("GET", everyone(OK)),
    "me.swap": ("POST", everyone(OK)),
    "me.download": ("GET", everyone(OK)),
    "me.printable": ("GET", everyone(OK)),
    "me.leave": ("GET", everyone(OK)),

    # contributions (ivr/web/contributions.py, contribution_statements.py): the BIN's own
    "contributions.index": ("GET", {**bin12_only(), C11: OK}),  # each: own BINs
    "contributions.mark_paid": ("POST", bin12_only()),
    "contributions.undo_paid": ("POST", bin12_only()),
    "contributions.ask": ("POST", bin12_only()),
    "contributions.instructions": ("GET", bin12_only()),
    "contributions.qr_png": ("GET", bin12_only()),
    "contributions.settings": ("POST", bin12_only()),
    "contributions.statement": ("POST", {**bin12_only(), C11: OK}),  # no file: the form
    "contributions.confirm_statement": ("POST", {**bin12_only(), C11: OK}),  # none pending

    # costs (ivr/web/costs.py): a coordinator their own BINs, the police every BIN
    "costs.index": ("GET", signed_in()),  # each sees their own scope
    # the yearly report (ivr/web/reports.py): a coordinator their own BINs, the police too
    "reports.index": ("GET", {**bin12_and_police(), C11: OK}),  # each: their first BIN
    "reports.show": ("GET", bin12_and_police()),
    "reports.csv_file": ("GET", bin12_and_police()),

}


def _carrier_endpoint(endpoint: str) -> bool:
    return endpoint.split(".")[0] in ("voice", "recording_line", "member")


@pytest.fixture
def world(app):
    """BINs 11 and 12 with a member, a message and a coordinator each, and the police."""
    bin11, bin12 = make_bin(db, code="11", name="BIN Centrum"), make_bin(db, code="12",
                                                                          name="BIN Heide")
    members = {11: make_member(db, bins=[bin11]), 12: make_member(db, bins=[bin12])}
    messages = {11: make_message(db, bins=[bin11]), 12: make_message(db, bins=[bin12])}
    officer = make_officer(db)
    users = {C11: make_web_user(db, "coordinator", bins=[bin11]),
             C12: make_web_user(db, "coordinator", bins=[bin12]),
             DISP: make_web_user(db, "dispatcher"), ADMIN: make_web_user(db, "admin")}
    values = {
        "code": "12", "bin_code": "12", "bin_id": bin12.id, "member_id": members[12].id,
        "message_id": messages[12].id, "id": messages[12].id, "officer_id": officer.id,
        "number": officer.number, "user_id": users[C12].id, "filename": "css/app.css",
        "lang": "nl", "key": "welcome", "digest": "0" * 16,
        "lockout_id": make_lockout(db).id,
        # issue 13's parts add their path values here, each under its own comment
        # zones: a row of BIN 12's zone
        "row_id": make_zone(db, bin12, [("2990", "Heidestraat", None, None, "all")])[0].id,
        # contributions: BIN 12's member's contribution and membership
        "contribution_id": make_contribution(db, members[12], bin12).id,
        "membership_id": members[12].memberships[0].id,
        # join: BIN 12's application, and a personal link of BIN 12's member
        "application_id": make_application(db, bin12).id,
        "token": make_member_link(db, members[12]),
        # the yearly report
        "year": 2026,
    }
    return {"values": values, "users": users}


def _url(rule, values: dict) -> str:
    missing = [name for name in rule.arguments if name not in values]
    assert not missing, f"{rule.rule}: add a value for {missing} to the world fixture"
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(values[name]), path)
    return path


def _snapshot() -> str:
    """Every row of every table, hashed: a refused request must leave it as it was."""
    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(text(f'SELECT * FROM "{table.name}" ORDER BY 1')).all()
            digest.update(repr((table.name, rows)).encode())
    return digest.hexdigest()


def _outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and "/login" in location:
        return LOGIN
    if response.status_code in (403, 404):
        return DENIED
    if response.status_code < 400 or response.status_code == 503:  # 503: /readyz, not ready
        return OK
    return f"status {response.status_code}"


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    web = {e for e in endpoints if not _carrier_endpoint(e)}
    assert sorted(web - MATRIX.keys()) == [], "new routes: add them to MATRIX"
    assert sorted(MATRIX.keys() - endpoints) == [], "MATRIX names routes that do not exist"


def test_every_web_view_declares_who_may_open_it(app):
    from ivr.web.permissions import unguarded_endpoints

    assert unguarded_endpoints(app) == []


def test_each_visitor_gets_what_the_matrix_says(app, world):
    clients = {ANON: person(app)}
    for who, user in world["users"].items():
        clients[who] = person(app)
        sign_in(clients[who], user)
    wrong = []
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        if _carrier_endpoint(rule.endpoint):
            continue
        method, expected = MATRIX[rule.endpoint]
        url = _url(rule, world["values"])
        # Refusals first, so an allowed POST that changes things runs after them.
        for who in sorted(VISITORS, key=lambda v: expected[v] == OK):
            client = clients[who]
            before = _snapshot() if method == "POST" and expected[who] != OK else None
            if method == "POST":
                token = csrf_token(client, "/login" if who == ANON else "/logout")
                response = client.post(url, data={"csrf_token": token})
            else:
                response = client.get(url)
            got = _outcome(response)
            if got != expected[who]:
                wrong.append(f"{method} {url} as {who}: {got}, expected {expected[who]}")
            if before is not None and _snapshot() != before:
                wrong.append(f"{method} {url} as {who}: refused but changed the database")
    assert wrong == []


def test_carrier_routes_refuse_everyone_without_a_signature(app, world):
    clients = {ANON: person(app)}
    for who, user in world["users"].items():
        clients[who] = person(app)
        sign_in(clients[who], user)
    for rule in app.url_map.iter_rules():
        if not _carrier_endpoint(rule.endpoint):
            continue
        url = _url(rule, {**world["values"], **{a: "1" for a in rule.arguments
                                                 if a not in world["values"]}})
        for who, client in clients.items():
            response = client.post(url, data={"CallSid": "CA1"})
            assert response.status_code == 403, (url, who, response.status_code)
