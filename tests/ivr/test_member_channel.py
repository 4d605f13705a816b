"""Channels per member in the member CSV (issue 14, item 2): the optional last column
`channel`, checked like every other cell, stored, and written back by the export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain import channels
from domain.db import db
from domain.models import Member
from tests.factories import make_bin

HEADER = ("bin_code,name,street,house_number,postcode,municipality,phone,phone2,language,"
          "email,channel\n")


@pytest.fixture
def bins(app):
    return make_bin(db, code="11", name="Centrum")


def run_import(app, tmp_path: Path, body: str, header: str = HEADER):
    path = tmp_path / "members.csv"
    path.write_text(header + body, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["member", "import", str(path)])


def stored() -> dict[str, tuple[str | None, str]]:
    return {m.name: (m.channel, channels.of(m)) for m in db.session.scalars(select(Member))}


def test_the_column_sets_each_members_choice_and_empty_is_the_rule(app, bins, tmp_path):
    result = run_import(app, tmp_path,
                        "11,An,,,,,03 640 00 01,,nl,an@example.be,\n"
                        "11,Bart,,,,,0470 12 34 56,,nl,,sms\n"
                        "11,Cor,,,,,03 640 00 03,0471 00 00 03,nl,,SMS\n"
                        "11,Dirk,,,,,03 640 00 04,,nl,dirk@example.be,none\n"
                        "11,Els,,,,,03 640 00 05,,nl,,\n"
                        "11,Fien,,,,,03 640 00 06,,nl,fien@example.be,email\n")
    assert result.exit_code == 0, result.output
    assert stored() == {
        "An": (None, "email"), "Bart": ("sms", "sms"), "Cor": ("sms", "sms"),
        "Dirk": ("none", "none"), "Els": (None, "none"), "Fien": ("email", "email")}
    cor = db.session.scalars(select(Member).where(Member.name == "Cor")).one()
    assert channels.sms_number(cor) == "+32471000003"  # the mobile one, not the first


def test_a_file_without_the_column_gets_the_default_rule(app, bins, tmp_path):
    old = HEADER.replace(",channel", "")
    result = run_import(app, tmp_path, "11,An,,,,,03 640 00 01,,nl,an@example.be\n"
                                       "11,Bart,,,,,0470 12 34 56,,nl,\n", header=old)
    assert result.exit_code == 0, result.output
    assert stored() == {"An": (None, "email"), "Bart": (None, "none")}


@pytest.mark.parametrize(("line", "problem"), [
    ("11,Bart,,,,,0470 12 34 56,,nl,,post", "line 3: channel 'post' is not one of email sms none"),
    ("11,Bart,,,,,03 640 00 02,,nl,,sms", "line 3: channel sms needs a mobile number"),
    ("11,Bart,,,,,0470 12 34 56,,nl,b@example.be,sms",
     "line 3: channel sms is for members without an e-mail address"),
    ("11,Bart,,,,,0470 12 34 56,,nl,,email", "line 3: channel email needs an e-mail address"),
])
def test_a_bad_channel_is_a_problem_on_its_line_and_nothing_is_imported(
        app, bins, tmp_path, line, problem):
    result = run_import(app, tmp_path, "11,An,,,,,03 640 00 01,,nl,an@example.be,\n" + line + "\n")
    assert result.exit_code != 0
    assert problem in result.output
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0


def test_export_writes_the_channel_and_imports_back_the_same(app, bins, tmp_path):
    body = ("11,An,Kerkstraat,1,2990,Grensdorp,+3236400001,,nl,an@x.be,none\n"
            "11,Bart,Heideweg,2,2990,Grensdorp,+32470123456,,fr,,sms\n"
            "11,Cor,Heideweg,3,2990,Grensdorp,+3236400003,,nl,,\n")
    assert run_import(app, tmp_path, body).exit_code == 0
    out = tmp_path / "out.csv"
    assert app.test_cli_runner().invoke(args=["member", "export", str(out)]).exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == HEADER.strip()
    assert sorted(lines[1:]) == sorted(body.strip().splitlines())
    db.session.query(Member).delete()
    db.session.commit()
    again = app.test_cli_runner().invoke(args=["member", "import", str(out)])
    assert again.exit_code == 0, again.output
    assert stored() == {"An": ("none", "none"), "Bart": ("sms", "sms"), "Cor": (None, "none")}


def test_the_person_export_says_their_channel(app, bins, tmp_path):
    assert run_import(app, tmp_path, "11,Bart,,,,,0470 12 34 56,,nl,,sms\n").exit_code == 0
    member = db.session.scalars(select(Member)).one()
    result = app.test_cli_runner().invoke(
        args=["member", "export", "--person", "--id", str(member.id)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["member"]["channel"] == "sms"
