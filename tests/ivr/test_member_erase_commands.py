"""`member erase` and `member export --person`: one person's right to erasure and of
access, from the command line, audited."""

from __future__ import annotations

import json

from sqlalchemy import select

from domain.db import db
from domain.models import AuditLog, Member
from tests.erasure_support import EMAIL, NAME, PHONE, PHONE2, seed_person, traces
from tests.factories import make_bin, make_member, make_paying_bin


def cli(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_erase_by_phone_asks_and_leaves_no_trace(app):
    centrum, heide = make_paying_bin(db), make_bin(db)
    seeded = seed_person(centrum, heide)
    result = cli(app, "member", "erase", "--phone", "0470 91 82 73", input="n\n")
    assert result.exit_code != 0 and NAME in result.output  # said whom, then aborted
    assert db.session.get(Member, seeded.member.id) is not None
    result = cli(app, "member", "erase", "--phone", PHONE2, input="y\n")
    assert result.exit_code == 0, result.output
    assert "2 deliveries kept as anonymous counts (1 not called any more)" in result.output
    db.session.expire_all()
    assert traces() == []
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "member.erase")).one()
    assert entry.actor == "cli" and entry.subject == str(seeded.member.id)
    assert entry.details["bins"] == sorted([centrum.id, heide.id])


def test_erase_by_id_with_yes_and_its_refusals(app):
    centrum = make_bin(db)
    a = make_member(db, bins=[centrum], name="Huis Een", phone="+3236500001")
    b = make_member(db, bins=[centrum], name="Huis Twee", phone="+3236500001")
    shared = cli(app, "member", "erase", "--phone", "+3236500001", "--yes")
    assert shared.exit_code != 0 and f"members {a.id}, {b.id} share this number" in shared.output
    assert cli(app, "member", "erase", "--yes").exit_code != 0  # neither --id nor --phone
    assert "no member 999999" in cli(app, "member", "erase", "--id", "999999", "--yes").output
    assert cli(app, "member", "erase", "--id", str(a.id), "--yes").exit_code == 0
    db.session.expire_all()
    assert [m.name for m in db.session.scalars(select(Member))] == ["Huis Twee"]


def test_export_person_gives_their_data_as_json(app, tmp_path):
    seeded = seed_person(make_paying_bin(db), make_bin(db))
    result = cli(app, "member", "export", "--person", "--id", str(seeded.member.id))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["member"]["name"], data["member"]["email"]) == (NAME, EMAIL)
    assert {d["outcome"] for d in data["deliveries"]} == {"human", None}
    target = tmp_path / "person.json"
    assert cli(app, "member", "export", str(target), "--person", "--phone", PHONE).exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8")) == data
    exports = db.session.scalars(select(AuditLog).where(AuditLog.action == "member.export")).all()
    assert [(e.subject, e.details["format"]) for e in exports] == [
        (str(seeded.member.id), "person")] * 2
    assert all(len(e.details["bins"]) == 2 for e in exports)
