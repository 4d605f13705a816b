"""`zone import`, `zone export`, `zone list`: every bad line named, nothing of a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain import zones
from domain.db import db
from domain.models import AuditLog, BinStreet
from tests.factories import make_bin, make_zone

HEADER = "bin_code,postcode,municipality,street,from,to,parity\n"


@pytest.fixture
def bins(app):
    centrum, heide = make_bin(db, code="11", name="Centrum"), make_bin(db, code="12", name="Heide")
    make_zone(db, centrum, [("2990", "Oude Baan", None, None, "all")])
    make_zone(db, heide, [("2990", "Heibaan", None, None, "all")])
    return centrum, heide


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["zone", *args])


def run_import(app, tmp_path: Path, body: str, header: str = HEADER):
    path = tmp_path / "zone.csv"
    path.write_text(header + body, encoding="utf-8")
    return run(app, "import", str(path))


def rows() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(BinStreet))


def test_a_good_file_replaces_the_zones_it_names_and_says_what_changed(app, bins, tmp_path):
    result = run_import(app, tmp_path, "11,2990,Grensdorp,Kerkstraat,1,49,\n"
                                       "11,2990,Grensdorp,Molenweg,2,48,even\n"
                                       "11,2990,Grensdorp,Molenweg,1,47,odd\n")
    assert result.exit_code == 0, result.output
    assert "BIN 11: 1 -> 3 rows, 2 street(s) added, 1 removed." in result.output
    assert "+ Kerkstraat (2990)" in result.output and "- Oude Baan (2990)" in result.output
    assert zones.find_bin("2990", "Oude Baan", "1") is None
    assert zones.find_bin("2990", "Molenweg", "47").code == "11"
    assert zones.find_bin("2990", "Heibaan", "3").code == "12"  # BIN 12 not in the file
    assert db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "zone.import")) == 1


def test_a_semicolon_file_with_parity_in_dutch(app, bins, tmp_path):
    result = run_import(app, tmp_path, "12;2990;Grensdorp;Heibaan;1;;oneven\n",
                        header=HEADER.replace(",", ";"))
    assert result.exit_code == 0, result.output
    assert zones.find_bin("2990", "Heibaan", "3").code == "12"
    assert zones.find_bin("2990", "Heibaan", "4") is None


def test_a_bad_file_names_every_bad_line_and_stores_nothing(app, bins, tmp_path):
    result = run_import(app, tmp_path, "\n".join([
        "11,2990,Grensdorp,Kerkstraat,1,49,",       # 2 good
        "13,2990,Grensdorp,Kerkstraat,50,,",        # 3 unknown BIN
        "11,299,Grensdorp,Dorp,,,",                 # 4 postcode
        "11,2990,Grensdorp,,,,",                    # 5 no street
        "11,2990,Grensdorp,Molenweg,48,2,even",     # 6 from > to
        "11,2990,Grensdorp,Veldweg,1A,9,",          # 7 bad number
        "11,2990,Grensdorp,Veldweg,1,9,oneffen",    # 8 bad parity
        "11,2990,Grensdorp,Kerkstr.,40,60,",        # 9 overlaps line 2
        "11,2990,Grensdorp,Kerkstraat,51,99,odd",   # 10 fine: after 49
        "12,2990,Grensdorp,Kerkstraat,1,9,",        # 11 another BIN: a warning only
    ]) + "\n")
    assert result.exit_code == 1
    out = result.output
    for line, text in [(3, "unknown BIN code '13'"), (4, "postcode '299' is not 4 digits"),
                       (5, "no street"), (6, "from 48 is higher than to 2"),
                       (7, "from '1A' is not a house number"), (8, "parity 'oneffen'"),
                       (9, "overlaps line 2")]:
        assert f"line {line}: {text}" in out, (line, out)
    assert "line 10:" not in out
    assert "warning line 11: Kerkstraat is also in BIN 11 (line 2)" in out
    assert "7 error(s) in zone.csv; nothing was imported" in out
    assert rows() == 2 and zones.find_bin("2990", "Oude Baan", "1").code == "11"


def test_a_wrong_header_is_line_1(app, bins, tmp_path):
    result = run_import(app, tmp_path, "11,2990,Kerkstraat\n",
                        header="bin_code,postcode,straat\n")
    assert result.exit_code == 1
    assert "line 1: missing column(s): street" in result.output
    assert "line 1: unknown column(s): straat" in result.output and rows() == 2


def test_export_and_list_give_the_zone_back(app, bins, tmp_path):
    run_import(app, tmp_path, "11,1000,Brussel,Rue Neuve,1,99,odd\n"
                              "11,1000,Brussel,Nieuwstraat,1,99,odd\n11,2990,,Kerkstraat,50,,\n")
    out = tmp_path / "out.csv"
    result = run(app, "export", "--bin", "11", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines() == [
        HEADER.strip(), "11,1000,Brussel,Nieuwstraat,1,99,odd",
        "11,1000,Brussel,Rue Neuve,1,99,odd", "11,2990,,Kerkstraat,50,,all"]
    again = run(app, "import", str(out))
    assert again.exit_code == 0 and "3 -> 3 rows, 0 street(s) added, 0 removed" in again.output
    listed = run(app, "list", "11")
    assert "Rue Neuve" in listed.output and "1-99 odd" in listed.output
    assert "from 50" in listed.output
    assert run(app, "list", "99").exit_code == 1


def test_demo_load_gives_bins_11_and_12_their_zones_once(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert rows() == 12
    assert zones.find_bin("2990", "Kerkstr.", "12").code == "11"
    assert zones.find_bin("2990", "Kerkstraat", "70").code == "12"
    assert [b.code for b in zones.find_bins("2990", "Stationsstraat", "3")] == ["11", "12"]
