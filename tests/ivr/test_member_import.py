"""Member CSV import: validated whole, errors by line number, nothing of a bad file stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.db import db
from domain.models import AuditLog, Member, Membership
from tests.factories import make_bin

HEADER = "bin_code,name,street,house_number,postcode,municipality,phone,phone2,language,email\n"


@pytest.fixture
def bins(app):
    return make_bin(db, code="11", name="Centrum"), make_bin(db, code="12", name="Heide")


def run_import(app, tmp_path: Path, body: str, header: str = HEADER):
    path = tmp_path / "members.csv"
    path.write_text(header + body, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["member", "import", str(path)])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_good_file_imports_members_in_e164(app, bins, tmp_path):
    result = run_import(app, tmp_path,
                        "11,An Peeters,Kerkstraat,1,2990,Grensdorp,03 640 00 01,0470 12 34 56,fr,"
                        "an@example.be\n"
                        "12,Bart Maes,Heideweg,2,2990,Grensdorp,+32471000002,,,\n")
    assert result.exit_code == 0, result.output
    an = db.session.scalars(select(Member).where(Member.name == "An Peeters")).one()
    assert (an.phone, an.phone_type, an.phone2, an.phone2_type, an.language) == (
        "+3236400001", "landline", "+32470123456", "mobile", "fr")
    bart = db.session.scalars(select(Member).where(Member.name == "Bart Maes")).one()
    assert (bart.phone_type, bart.language, bart.phone2) == ("mobile", "nl", None)
    assert "2 new members" in result.output
    assert db.session.scalars(select(AuditLog.action)).all() == ["member.import"]


def test_one_bad_row_imports_nothing_and_names_the_line(app, bins, tmp_path):
    result = run_import(app, tmp_path,
                        "11,An Peeters,Kerkstraat,1,2990,Grensdorp,+3236400001,,nl,\n"
                        "11,Bart Maes,Heideweg,2,2990,Grensdorp,0900 12 345,,nl,\n"
                        "11,Chris,Heideweg,3,2990,Grensdorp,+32470000003,,nl,\n")
    assert result.exit_code != 0
    assert "line 3" in result.output and "premium-rate" in result.output
    assert "nothing was imported" in result.output
    assert count(Member) == 0 and count(Membership) == 0


@pytest.mark.parametrize(("row", "expected"), [
    ("99,X,,,,,+32470000001,,nl,", "unknown BIN code '99'"),
    ("11,,,,,,+32470000001,,nl,", "no name"),
    ("11,X,,,,,0800 12 345,,nl,", "toll-free"),
    ("11,X,,,,,078 79 12 34,,nl,", "shared-cost"),
    ("11,X,,,,,078 15 15 15,,nl,", "national-rate"),
    ("11,X,,,,,12345,,nl,", "invalid phone number"),
    ("11,X,,,,,+31612345678,,nl,", "is in NL"),
    ("11,X,,,,,+32470000001,0900 12 345,nl,", "phone2"),
    ("11,X,,,,,+32470000001,,es,", "language 'es'"),
    ("11,X,,,,,+32470000001,,nl,not-an-address", "is not an address"),
    ("11,X,,,,,+32470000001,,nl,,extra", "more fields than columns"),
])
def test_each_kind_of_bad_row_is_reported(app, bins, tmp_path, row, expected):
    result = run_import(app, tmp_path, "11,Ok,,,,,+32470000009,,nl,\n" + row + "\n")
    assert result.exit_code != 0
    assert "line 3: " in result.output and expected in result.output, result.output
    assert count(Member) == 0


def test_all_errors_are_listed_not_just_the_first(app, bins, tmp_path):
    result = run_import(app, tmp_path,
                        "77,A,,,,,+32470000001,,nl,\n11,B,,,,,999,,nl,\n11,C,,,,,+32470000003,,nl,\n")
    assert "line 2" in result.output and "line 3" in result.output
    assert "2 error(s)" in result.output


def test_wrong_header_is_refused(app, bins, tmp_path):
    result = run_import(app, tmp_path, "11,A,+32470000001\n", header="bin,name,telefoon\n")
    assert result.exit_code != 0 and "line 1" in result.output and "missing column" in result.output


def test_same_person_in_two_bins_is_one_member(app, bins, tmp_path):
    result = run_import(app, tmp_path,
                        "11,An Peeters,,,,,+3236400001,,nl,\n12,An Peeters,,,,,+3236400001,,nl,\n")
    assert result.exit_code == 0, result.output
    assert count(Member) == 1 and count(Membership) == 2


def test_household_sharing_a_number_is_a_warning(app, bins, tmp_path):
    result = run_import(app, tmp_path,
                        "11,An Peeters,,,,,+3236400001,,nl,\n11,Jef Peeters,,,,,036400001,,nl,\n")
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "line 3" in result.output
    assert "calls this number once" in result.output
    assert count(Member) == 2


def test_duplicate_row_is_an_error(app, bins, tmp_path):
    result = run_import(app, tmp_path,
                        "11,An Peeters,,,,,+3236400001,,nl,\n11,An Peeters,,,,,03 640 00 01,,nl,\n")
    assert result.exit_code != 0 and "line 3: duplicate of line 2" in result.output


def test_reimport_updates_instead_of_duplicating(app, bins, tmp_path):
    run_import(app, tmp_path, "11,An Peeters,Oud,1,,,+3236400001,,nl,\n")
    result = run_import(app, tmp_path, "11,An Peeters,Nieuw,1,,,+3236400001,,fr,\n")
    assert result.exit_code == 0
    member = db.session.scalars(select(Member)).one()
    db.session.refresh(member)
    assert (member.street, member.language) == ("Nieuw", "fr")
    assert count(Membership) == 1


def test_semicolon_csv_from_spreadsheet_with_bom(app, bins, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + HEADER.replace(",", ";")
                      + "11;An;;;;;+3236400001;;nl;\n").encode("utf-8"))
    result = app.test_cli_runner().invoke(args=["member", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert count(Member) == 1


def test_export_round_trips(app, bins, tmp_path):
    body = ("11,An Peeters,Kerkstraat,1,2990,Grensdorp,+3236400001,+32470123456,fr,an@x.be\n"
            "12,An Peeters,Kerkstraat,1,2990,Grensdorp,+3236400001,+32470123456,fr,an@x.be\n"
            "12,Bart Maes,Heideweg,2,2990,Grensdorp,+32471000002,,nl,\n")
    assert run_import(app, tmp_path, body).exit_code == 0
    out = tmp_path / "out.csv"
    result = app.test_cli_runner().invoke(args=["member", "export", str(out)])
    assert result.exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == HEADER.strip() + ",channel"  # the optional column, empty: the rule
    assert sorted(lines[1:]) == sorted(line + "," for line in body.strip().splitlines())
