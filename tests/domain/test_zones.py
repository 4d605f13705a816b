"""Zone matching with real Belgian street names and numbering, and a fresh index in every
process after an edit."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlalchemy import update

from domain import zones
from domain.db import db
from domain.models import BinStreet
from tests.conftest import app_environment
from tests.factories import make_bin, make_zone


@pytest.mark.parametrize(("written", "published"), [
    ("St.-Jansstr.", "Sint-Jansstraat"),
    ("sint jansstraat", "Sint-Jansstraat"),
    ("KERKSTR", "Kerkstraat"),
    ("Kerk straat", "Kerkstraat"),
    ("Onze Lieve Vrouwstraat", "Onze-Lieve-Vrouwstraat"),
    ("Brusselsestwg", "Brusselsesteenweg"),
    ("Chée de Wavre", "Chaussée de Wavre"),
    ("chaussee de wavre", "Chaussée de Wavre"),
    ("Av. Louise", "Avenue Louise"),
    ("Bd Anspach", "Boulevard Anspach"),
    ("St-Gillis", "Sint-Gillis"),
    ("Ste-Catherine", "Sainte-Catherine"),
    ("Rue de l'Eglise", "Rue de l’Église"),
    ("Sint Pietersnieuwstr.", "Sint-Pietersnieuwstraat"),
])
def test_street_names_match_forgivingly(written, published):
    assert zones.street_key(written) == zones.street_key(published)


@pytest.mark.parametrize(("other", "street"), [
    ("Kerkstraat", "Kerkweg"), ("Rue Neuve", "Nieuwstraat"), ("Sint-Jansplein", "Sint-Jansstraat"),
])
def test_different_streets_stay_different(other, street):
    assert zones.street_key(other) != zones.street_key(street)


@pytest.mark.parametrize(("written", "number"), [
    ("10", 10), ("10A", 10), ("10 A", 10), ("10bis", 10), ("10 bis", 10), ("10ter", 10),
    ("10 bus 2", 10), ("10 bte 3", 10), ("10 boîte 3", 10), ("10/2", 10), ("10 b2", 10),
    ("10A bus 3", 10), ("10-12", 10), (" 7 ", 7), ("148", 148),
])
def test_belgian_house_numbers_are_read_by_their_number(written, number):
    assert zones.house_number(written) == number


@pytest.mark.parametrize("written", ["", "bus 2", "nul", "0", "10 12", "A10", "12345678"])
def test_what_is_no_house_number_is_refused(written):
    with pytest.raises(zones.BadNumber):
        zones.house_number(written)


@pytest.fixture
def gent(app):
    """Real Gent and Brussels streets: split, buffer, even/odd and bilingual rows."""
    centrum = make_bin(db, code="11", name="BIN Centrum")
    heide = make_bin(db, code="12", name="BIN Heide")
    brussel = make_bin(db, code="21", name="BIN Vijfhoek")
    make_zone(db, centrum, [
        ("9000", "Sint-Pietersnieuwstraat", 1, 49, "all"),  # split: 1-49 here
        ("9000", "Kortrijksesteenweg", 2, 120, "even"),  # the even side
        ("9000", "Overpoortstraat", None, None, "all"),  # buffer street, in both BINs
        ("9000", "Sint-Kristoffelstraat", 10, None, "all"),  # from 10 on
    ], municipality="Gent")
    make_zone(db, heide, [
        ("9000", "Sint-Pietersnieuwstraat", 50, None, "all"),  # and from 50 there
        ("9000", "Kortrijksesteenweg", 1, 119, "odd"),  # the odd side
        ("9000", "Overpoortstraat", None, None, "all"),
    ], municipality="Gent")
    make_zone(db, brussel, [
        ("1000", "Rue Neuve", 1, 99, "odd"), ("1000", "Nieuwstraat", 1, 99, "odd"),
        ("1000", "Boulevard Anspach", None, 40, "all"),
    ], municipality="Brussel")
    return centrum, heide, brussel


def _codes(postcode: str, street: str, number: str) -> list[str]:
    return [b.code for b in zones.find_bins(postcode, street, number)]


def test_a_street_split_between_two_bins(gent):
    assert _codes("9000", "Sint-Pietersnieuwstr.", "49") == ["11"]
    assert _codes("9000", "Sint-Pietersnieuwstraat", "49 bus 3") == ["11"]
    assert _codes("9000", "sint pietersnieuwstraat", "50") == ["12"]
    assert _codes("9000", "Sint-Pietersnieuwstraat", "50A") == ["12"]
    assert _codes("9000", "Sint-Pietersnieuwstraat", "1048") == ["12"]  # open end


def test_even_and_odd_sides_of_one_street(gent):
    assert _codes("9000", "Kortrijksestwg", "120") == ["11"]
    assert _codes("9000", "Kortrijksesteenweg", "119/2") == ["12"]
    assert _codes("9000", "Kortrijksesteenweg", "122") == []  # past the even range
    assert _codes("9000", "Kortrijksesteenweg", "7bis") == ["12"]


def test_a_buffer_street_names_both_bins(gent):
    assert _codes("9000", "Overpoortstraat", "12") == ["11", "12"]
    assert zones.find_bin("9000", "Overpoortstraat", "12").code == "11"


def test_a_range_with_one_open_end(gent):
    assert _codes("9000", "St.-Kristoffelstr.", "9") == []
    assert _codes("9000", "St.-Kristoffelstr.", "10") == ["11"]
    assert _codes("1000", "Bd Anspach", "40") == ["21"]
    assert _codes("1000", "Bd Anspach", "42") == []


def test_a_bilingual_street_by_either_name(gent):
    assert _codes("1000", "Rue Neuve", "25") == ["21"]
    assert _codes("1000", "Nieuwstraat", "25 bus 4") == ["21"]
    assert _codes("1000", "nieuwstraat", "26") == []  # the odd side only


def test_outside_every_zone_and_bad_input(gent):
    assert zones.find_bin("9000", "Veldstraat", "1") is None
    assert zones.find_bin("9050", "Overpoortstraat", "12") is None  # another postcode
    assert zones.find_bin("9000", "Overpoortstraat", "") is None
    assert zones.find_bin("9000", "Overpoortstraat", "geen") is None


def test_an_edit_by_another_process_is_seen_within_about_a_second(app, tmp_path):
    """The CLI imports in a process of its own; this process's index notices it."""
    app.config["ZONE_INDEX_CHECK_S"] = 1.0
    centrum = make_bin(db, code="11", name="BIN Centrum")
    make_zone(db, centrum, [("2990", "Kerkstraat", None, None, "all")])
    assert _codes("2990", "Kerkstraat", "5") == ["11"]
    assert _codes("2990", "Molenstraat", "5") == []  # built and checked just now
    csv = tmp_path / "zone.csv"
    csv.write_text("bin_code,postcode,municipality,street,from,to,parity\n"
                   "11,2990,Grensdorp,Molenstraat,,,\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "ivr", "zone", "import",
                           str(csv)], env=app_environment(app), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    db.session.commit()  # end this test's read transaction, as a request would
    deadline = time.monotonic() + 3
    while _codes("2990", "Molenstraat", "5") != ["11"]:
        assert time.monotonic() < deadline, "the edit was not seen"
        time.sleep(0.05)
    assert _codes("2990", "Kerkstraat", "5") == []


def test_an_update_in_place_is_seen_through_the_version_in_redis(app):
    """Same row count, same ids: only the signal tells; `changed()` gives it."""
    app.config["ZONE_INDEX_CHECK_S"] = 0.2
    centrum = make_bin(db, code="11", name="BIN Centrum")
    (row,) = make_zone(db, centrum, [("2990", "Kerkstraat", 1, 10, "all")])
    assert _codes("2990", "Kerkstraat", "20") == []
    db.session.execute(update(BinStreet).values(house_to=30))
    db.session.commit()
    time.sleep(0.3)
    assert _codes("2990", "Kerkstraat", "20") == []  # no signal: the old index still
    assert zones.index().stamp[1:] == (1, row.id)
    zones.changed()
    db.session.commit()
    time.sleep(0.3)
    assert _codes("2990", "Kerkstraat", "20") == ["11"]


def test_without_redis_the_table_still_counts_and_the_index_ages_out(app, redis_server):
    app.config.update(ZONE_INDEX_CHECK_S=0.01, ZONE_INDEX_MAX_AGE_S=0.5)
    centrum = make_bin(db, code="11", name="BIN Centrum")
    make_zone(db, centrum, [("2990", "Kerkstraat", 1, 10, "all")])
    assert _codes("2990", "Kerkstraat", "5") == ["11"]
    redis_server.kill()
    make_zone(db, centrum, [("2990", "Molenweg", None, None, "all")])  # signal lost
    time.sleep(0.05)
    assert _codes("2990", "Molenweg", "5") == ["11"]  # a new row: the count tells
    db.session.execute(update(BinStreet).values(house_to=3))
    db.session.commit()
    time.sleep(0.05)
    assert _codes("2990", "Kerkstraat", "5") == ["11"]  # changed in place: not yet
    time.sleep(0.5)
    assert _codes("2990", "Kerkstraat", "5") == []  # a minute (here 0.5 s) later
