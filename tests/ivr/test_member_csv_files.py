"""Member lists as coordinators' spreadsheets save them, and every file that is not one.

The files are written here byte for byte as Excel writes them: Windows-1252 with
semicolons and CRLF ("CSV (gescheiden door lijstscheidingsteken)" on a Belgian PC), UTF-8
with a BOM ("CSV UTF-8"), plain UTF-8 with commas. Each bad file must get one clear line
and exit code 1 from the real command, never a traceback, and store nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.db import db
from domain.models import AuditLog, Member, Membership
from tests.factories import make_bin

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["bin_code", "name", "street", "house_number", "postcode", "municipality",
           "phone", "phone2", "language", "email"]
ROWS = [
    ["11", "Hélène Dupré", '"Kerkstraat; achterbouw"', "12", "2990", "Wuustwezel",
     "03 640 00 01", "0470 12 34 56", "fr", "helene@example.be"],
    ["12", "Jürgen Müller", "Grote Markt", "3", "2990", "Wuustwezel", "+32470000002", "",
     "de", ""],
    ["11", "François Lemaître", "Rue de l'Église", "7 bus 2", "2990", "Wuustwezel",
     "0471 00 00 03", "", "fr", ""],
    ["11", "'t Hooft Annelies", "Kerkstraat", "1", "2990", "Wuustwezel", "0471 00 00 04", "",
     "nl", ""],
]
NAMES = {"Hélène Dupré", "Jürgen Müller", "François Lemaître", "'t Hooft Annelies"}


@pytest.fixture
def bins(app):
    return make_bin(db, code="11", name="Centrum"), make_bin(db, code="12", name="Heide")


def table(rows: list[list[str]], sep: str, header: list[str] = COLUMNS,
          newline: str = "\r\n") -> str:
    return newline.join(sep.join(r) for r in [header, *rows]) + newline


def write(tmp_path: Path, data: bytes, name: str = "leden.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def run(app, path: Path | str):
    result = app.test_cli_runner().invoke(args=["member", "import", str(path)])
    # A ClickException ends in SystemExit; anything else would be an uncaught traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output, result.exception)
    assert "Traceback" not in result.output
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("data", "said"), [
    (table(ROWS, ";").encode("cp1252"), "as Windows-1252, separator ;"),
    (b"\xef\xbb\xbf" + table(ROWS, ";").encode("utf-8"), "as UTF-8 with BOM, separator ;"),
    (table(ROWS, ",", newline="\n").replace('"Kerkstraat; achterbouw"', "Kerkstraat")
     .encode("utf-8"), "as UTF-8, separator ,"),
    (b"\xef\xbb\xbf" + table(ROWS, ",").encode("utf-8"), "as UTF-8 with BOM, separator ,"),
], ids=["excel-belgian-1252", "excel-csv-utf8", "utf8-comma", "utf8-bom-comma"])
def test_each_encoding_excel_writes_is_read_and_named(app, bins, tmp_path, data, said):
    result = run(app, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert f"Read leden.csv {said}" in result.output
    assert "4 new members" in result.output
    members = {m.name: m for m in db.session.scalars(select(Member))}
    assert set(members) == NAMES
    helene = members["Hélène Dupré"]
    assert (helene.phone, helene.phone2, helene.language) == ("+3236400001", "+32470123456", "fr")
    assert members["François Lemaître"].street == "Rue de l'Église"
    if ";" in said:
        assert helene.street == "Kerkstraat; achterbouw"


def test_rows_excel_cut_short_after_the_last_filled_cell_are_read(app, bins, tmp_path):
    """Excel leaves trailing empty cells out of some rows; those are empty, not errors."""
    data = (";".join(COLUMNS) + "\r\n11;Jürgen Müller;;;;;0470 00 00 01\r\n"
            "11;An Peeters;;;;;0470 00 00 02;;fr\r\n")
    result = run(app, write(tmp_path, data.encode("cp1252")))
    assert result.exit_code == 0, result.output
    assert {(m.name, m.language) for m in db.session.scalars(select(Member))} == {
        ("Jürgen Müller", "nl"), ("An Peeters", "fr")}


def test_header_in_capitals_and_empty_columns_to_the_right_are_read(app, bins, tmp_path):
    header = [c.upper() for c in COLUMNS] + ["", ""]
    data = table([r + ["", ""] for r in ROWS], ";", header=header).encode("cp1252")
    result = run(app, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert count(Member) == 4


def xlsx(tmp_path: Path) -> bytes:
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    return path.read_bytes()


GOOD = table(ROWS[:2], ";")
BAD_FILES = {
    "binary": (bytes(range(256)) * 4, "leden.csv is a binary file, not CSV text"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file"),
    "control-characters": (b"bin_code;name\x01\x02\x03;phone\r\n",
                           "is a binary file, not CSV text (control character 0x01)"),
    "xlsx": (None, "leden.csv is an Excel workbook, not CSV: in Excel choose Save as"),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "is an Excel workbook"),
    "utf-16": (GOOD.replace(";", "\t").encode("utf-16"), "is UTF-16 text"),
    "empty": (b"", "leden.csv is empty"),
    "only-a-bom": (b"\xef\xbb\xbf\r\n", "leden.csv is empty"),
    "only-blank-lines": (b"\r\n \r\n;;;\r\n", "line 1: missing column(s): bin_code, name, phone"),
    "header-only": (table([], ";").encode(), "no member rows after the header"),
    "wrong-header": (b"lidnummer;naam;telefoon\r\n1;An;0470 00 00 01\r\n",
                     "line 1: missing column(s): bin_code, name, phone"),
    "column-twice": (table([ROWS[1] + ["x"]], ";", header=COLUMNS + ["phone"]).encode("cp1252"),
                     "line 1: column(s) given twice: phone"),
    "row-too-long": (table([ROWS[1], ROWS[1] + ["extra", "x"]], ";").encode("cp1252"),
                     "line 3: more fields than columns in the header (12, the header has 10)"),
    "row-too-short": (table([ROWS[1], ["12", "Jan Maes", "Kerkstraat 4", "2990"]], ";")
                      .encode("cp1252"),
                      "line 3: only 4 field(s), the header has 10, so there is no phone"),
    "value-in-unnamed-column": (table([ROWS[1] + ["", "x"]], ";", header=COLUMNS + ["", ""])
                                .encode("cp1252"), "line 2: a value in column 12"),
    "not-windows-1252": (GOOD.encode("cp1252").replace(b"Markt", b"M\x81rkt"),
                         "is neither UTF-8 nor Windows-1252 text (byte 0x81"),
    "bom-then-1252": (b"\xef\xbb\xbf" + GOOD.encode("cp1252"),
                      "starts as UTF-8 but line 2 is not"),
    "mixed-encodings": (GOOD.encode("utf-8") + "12;Zoë Claes;;;;;0470 00 00 09;;nl;\r\n"
                        .encode("cp1252"), "mixes UTF-8 with another encoding (line 4"),
    "markup-in-a-value": (table([["[/red]", "An", "", "", "", "", "0470 00 00 01", "", "nl", ""]],
                                ";").encode(), "line 2: unknown BIN code '[/red]'"),
    "house-number-too-long": (table([["11", "An", "Kerkstraat", "1" * 21, "", "",
                                      "0470 00 00 01", "", "nl", ""]], ";").encode(),
                              "line 2: house_number is longer than 20 characters"),
    "unclosed-quote": (table([ROWS[1], ['12', '"Jan Maes', "", "", "", "", "0470 00 00 05"],
                              ROWS[0][:2] + ROWS[0][3:]], ";").encode("cp1252"),
                       "line 3: only 2 field(s), the header has 10, so there is no phone"),
    "field-over-the-csv-limit": (GOOD.encode("cp1252") + b'12;"' + b"x" * 200_000 + b"\r\n",
                                 "line 4: not readable as CSV (field larger than field limit"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_every_bad_file_gets_one_clear_line_and_stores_nothing(app, bins, tmp_path, kind):
    data, said = BAD_FILES[kind]
    if kind == "xlsx":
        data = xlsx(tmp_path)
    result = run(app, write(tmp_path, data))
    assert result.exit_code == 1, result.output
    assert said in result.output
    assert "nothing was imported" in result.output
    assert count(Member) == 0 and count(Membership) == 0 and count(AuditLog) == 0


@pytest.mark.parametrize(("target", "said"), [
    ("missing.csv", "missing.csv does not exist; nothing was imported"),
    ("folder", "folder is a directory, not a CSV file; nothing was imported"),
])
def test_a_path_that_is_no_file_is_said_so(app, bins, tmp_path, target, said):
    (tmp_path / "folder").mkdir()
    result = run(app, tmp_path / target)
    assert result.exit_code == 1
    assert said in result.output and str(tmp_path) in result.output


def test_the_real_command_answers_a_belgian_excel_file_and_a_binary_without_traceback(
        app, bins, tmp_path, database_url, redis_server):
    """Outside the test runner: the `flask` process a coordinator actually starts."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_server.url,
           "SECRET_KEY": "test-secret-key", "TWILIO_API_URL": "http://127.0.0.1:9"}

    def flask(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "ivr", "member", "import", str(path)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    db.session.commit()  # the BINs, for the other process to see
    binary = flask(write(tmp_path, bytes(range(256)), "foto.csv"))
    assert (binary.returncode, binary.stderr.strip()) == (
        1, "Error: foto.csv is a binary file, not CSV text; nothing was imported")
    excel = flask(write(tmp_path, table(ROWS, ";").encode("cp1252")))
    assert excel.returncode == 0, excel.stderr
    assert "Traceback" not in excel.stderr
    assert "Read leden.csv as Windows-1252, separator ;" in excel.stderr
    assert "Imported 4 rows from leden.csv: 4 new members" in excel.stdout
    db.session.expire_all()
    assert {m.name for m in db.session.scalars(select(Member))} == NAMES
