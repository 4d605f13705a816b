"""`member export` for Excel and back: no cell runs as a formula, nothing changes on the way.

And the promise the import makes to a coordinator with an existing list: a file with one
bad row, however far down, changes no member, no membership and no audit row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from domain.db import db
from domain.models import AuditLog, Member, Membership
from tests.factories import make_bin, make_member

HEADER = ["bin_code", "name", "street", "house_number", "postcode", "municipality",
          "phone", "phone2", "language", "email"]
NASTY = [
    ["11", "Hélène Dupré", "Kerkstraat; achterbouw", "12", "2990", "Wuustwezel",
     "+3236400001", "+32470123456", "fr", "helene@example.be"],
    ["12", "Hélène Dupré", "Kerkstraat; achterbouw", "12", "2990", "Wuustwezel",
     "+3236400001", "+32470123456", "fr", "helene@example.be"],
    ["12", "Jürgen Müller", "Grote Markt\nachterbouw", "3", "2990", "Wuustwezel",
     "+32470000002", "", "de", ""],
    ["11", '=HYPERLINK("http://example.com/x","klik")', "@SUM(1+1)", "+1", "2990", "-2+3",
     "+32470000003", "", "nl", "=1+1@example.be"],
    ["11", "'t Hooft Annelies", "Jan \"de Smid\"straat", "1-3", "2990", "Wuustwezel",
     "+32470000004", "", "en", ""],
    # Typed in Excel as '=...: the quote says "text", the value is "=already quoted".
    ["11", "'=already quoted", "-", "", "", "", "+32470000005", "", "nl", ""],
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def bins(app):
    return make_bin(db, code="11", name="Centrum"), make_bin(db, code="12", name="Heide")


def cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output, result.exception)
    return result


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", sep: str = ",") -> Path:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows([HEADER, *rows])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def members_as_stored() -> list[tuple]:
    """Every member column but the row's own id and timestamps, with its BIN codes."""
    db.session.expire_all()
    return sorted(
        (m.name, m.street, m.house_number, m.postcode, m.municipality, m.phone, m.phone_type,
         m.phone2, m.phone2_type, m.language, m.email, m.status,
         tuple(sorted(ms.bin.code for ms in m.memberships)))
        for m in db.session.scalars(select(Member))
    )


def export(app, path: Path, *flags: str) -> bytes:
    result = cli(app, "member", "export", str(path), *flags)
    assert result.exit_code == 0, result.output
    return path.read_bytes()


def test_excel_export_is_utf8_with_bom_semicolons_and_crlf(app, bins, tmp_path):
    assert cli(app, "member", "import", str(write_csv(tmp_path / "in.csv", NASTY))).exit_code == 0
    data = export(app, tmp_path / "excel.csv", "--excel")
    assert data.startswith(b"\xef\xbb\xbf" + ";".join([*HEADER, "channel"]).encode() + b"\r\n")
    text = data[3:].decode("utf-8")
    assert "Hélène Dupré" in text and '"Kerkstraat; achterbouw"' in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert {len(r) for r in rows} == {11} and len(rows) == 1 + len(NASTY)


@pytest.mark.parametrize("flags", [(), ("--excel",)], ids=["plain", "excel"])
def test_no_exported_cell_starts_like_a_formula(app, bins, tmp_path, flags):
    assert cli(app, "member", "import", str(write_csv(tmp_path / "in.csv", NASTY))).exit_code == 0
    make_member(db, [bins[0]], name="\tTab", street="\rReturn", phone="+32470000006")
    make_member(db, [bins[0]], name="'=quoted", street="Kerk\r\nstraat", phone="+32470000007")
    data = export(app, tmp_path / "out.csv", *flags).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data, newline=""), delimiter=";" if flags else ","))
    cells = {c for r in rows[1:] for c in r}
    assert {"'=HYPERLINK(\"http://example.com/x\",\"klik\")", "'@SUM(1+1)", "'+1", "'-2+3",
            "'=1+1@example.be", "'=already quoted", "'-", "'\tTab", "'\rReturn", "''=quoted",
            "Kerk\r\nstraat"} <= cells
    assert "'t Hooft Annelies" in cells  # a Flemish name, not a formula: left alone
    phones = {c for r in rows[1:] for c in r[6:8] if c}
    if flags:  # quoted, or Excel shows +32470123456 as the number 3,24701E+10
        assert phones and all(p.startswith("'+32") for p in phones)
    else:  # E.164 digits are no formula; the plain format keeps them as stored
        assert phones and all(p.startswith("+32") for p in phones)
    text_cells = [c for r in rows[1:] for i, c in enumerate(r) if i not in (6, 7)]
    assert not [c for c in text_cells if c.startswith(FORMULA_START)]


@pytest.mark.parametrize("flags", [(), ("--excel",)], ids=["plain", "excel"])
def test_export_then_import_gives_the_same_members(app, bins, tmp_path, flags):
    assert cli(app, "member", "import", str(write_csv(tmp_path / "in.csv", NASTY))).exit_code == 0
    before = members_as_stored()
    first = export(app, tmp_path / "first.csv", *flags)
    db.session.execute(delete(Membership))
    db.session.execute(delete(Member))
    db.session.commit()
    result = cli(app, "member", "import", str(tmp_path / "first.csv"))
    assert result.exit_code == 0, result.output
    assert ("separator ;" if flags else "separator ,") in result.output
    assert members_as_stored() == before
    assert export(app, tmp_path / "second.csv", *flags) == first


@pytest.mark.parametrize(("cell", "stored"), [
    ("'+32470123456", "+32470123456"),  # our --excel cell, or Excel showing the quote
    ("+32470123456", "+32470123456"),   # Excel hid the quote and saved the text
    ("32470123456", "+32470123456"),    # Excel made it a number and saved all digits
])
def test_a_phone_as_excel_saves_it_back_is_the_same_number(app, bins, tmp_path, cell, stored):
    row = ["11", "An Peeters", "", "", "", "", cell, "", "nl", ""]
    path = write_csv(tmp_path / "back.csv", [row], encoding="cp1252", sep=";")
    assert cli(app, "member", "import", str(path)).exit_code == 0
    assert db.session.scalars(select(Member.phone)).all() == [stored]


def test_a_phone_excel_shortened_to_3_24701e10_is_refused_not_guessed(app, bins, tmp_path):
    row = ["11", "An Peeters", "", "", "", "", "3,24701E+10", "", "nl", ""]
    path = write_csv(tmp_path / "back.csv", [row], encoding="cp1252", sep=";")
    result = cli(app, "member", "import", str(path))
    assert result.exit_code == 1 and "line 2: phone: not a phone number" in result.output


# --- A bad file over an existing list ----------------------------------------------------

def good_rows(n: int, street: str) -> list[list[str]]:
    return [[("11", "12")[i % 2], f"Lid {i} Müller-Dupré", street, str(i), "2990", "Wuustwezel",
             f"+32470{i:06d}", "", ("nl", "fr", "de", "en")[i % 4], ""] for i in range(n)]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of the three tables, every column, in id order."""
    db.session.expire_all()
    tables = (Member.__table__, Membership.__table__, AuditLog.__table__)
    return {t.name: [tuple(r) for r in db.session.execute(select(t).order_by(t.c.id))]
            for t in tables}


BAD_ROWS = {
    "premium-rate-phone": ("11;Zoë Claes;;;;;0900 12 345;;nl;", "line 352: phone:"),
    "row-too-short": ("11;Zoë Claes;Kerkstraat 9", "line 352: only 3 field(s)"),
    "row-too-long": ("11;Zoë Claes;;;;;0470 99 99 99;;nl;;;x", "line 352: more fields"),
    "house-number-too-long": ("11;Zoë Claes;;" + "9" * 30 + ";;;0470 99 99 99;;nl;",
                              "line 352: house_number is longer than 20"),
    "one-windows-1252-row": (None, "mixes UTF-8 with another encoding (line 352"),
}


@pytest.mark.parametrize("kind", BAD_ROWS)
def test_a_bad_file_over_an_existing_list_changes_no_row(app, bins, tmp_path, kind):
    first = write_csv(tmp_path / "list.csv", good_rows(300, "Kerkstraat"), sep=";")
    assert cli(app, "member", "import", str(first)).exit_code == 0
    export(app, tmp_path / "backup.csv", "--excel")
    before = snapshot()
    assert len(before["members"]) == 300 and len(before["audit_log"]) == 2

    # Every existing member moved street, 50 new ones, and line 352 is bad.
    rows = good_rows(350, "Molenweg")
    bad_row, said = BAD_ROWS[kind]
    good = io.StringIO()
    csv.writer(good, delimiter=";", lineterminator="\r\n").writerows([HEADER, *rows])
    tail = "\r\n".join(";".join(r) for r in good_rows(400, "Molenweg")[351:]) + "\r\n"
    bad_line = (bad_row or "11;Zoë Claes;;;;;0470 99 99 99;;nl;") + "\r\n"
    encoding = "cp1252" if bad_row is None else "utf-8"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(good.getvalue().encode() + bad_line.encode(encoding) + tail.encode())

    result = cli(app, "member", "import", str(bad))
    assert result.exit_code == 1, result.output
    assert said in result.output and "nothing was imported" in result.output
    assert snapshot() == before

    # The same file without its bad line does change all of that: the test can tell.
    fixed = tmp_path / "fixed.csv"
    fixed.write_bytes(good.getvalue().encode() + tail.encode())
    assert cli(app, "member", "import", str(fixed)).exit_code == 0
    after = snapshot()
    assert len(after["members"]) == 399 and after["members"] != before["members"]
