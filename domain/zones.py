"""BIN zones: which BIN an address lies in, answered from an in-memory index.

A zone is rows of (postcode, street, from, to, parity), as municipalities publish them.
Street names are matched on a folded key (`street_key`): case, accents, punctuation and
spaces do not count, and the usual abbreviations are written out (`str.` straat, `St.-`
Sint-, `av.` avenue, `chée` chaussée, `stwg` steenweg...), so "St.-Jansstr." finds
"Sint-Jansstraat". A bilingual street (Brussels) is one row per name with the same range.

House numbers are read as Belgians write them (`house_number`): `10`, `10A`, `10 A`,
`10bis`, `10 bus 2`, `10 bte 3`, `10/2`, `10 b2`, and `10-12` (one building on two
numbers: the first number decides, so it lies where number 10 lies). Only the numeric
part decides a range; parity is that number's. Empty from/to is an open end, both empty
the whole street. A street split between two BINs is two ranges; a buffer street in two
BINs is the same range twice, and `find_bins` names both.

Speed and freshness: a lookup must take well under a millisecond, so each process keeps
a dict (postcode, street key) -> ranges per app, built from `bin_streets` in one query.
Every change (CLI import, web edit) calls `changed()` after its commit, which sets a new
random version in Redis (random, not a counter: a flushed Redis counting again from 0
could hand an old index its number back). At most once a second (ZONE_INDEX_CHECK_S) a
lookup compares the index's stamp, (Redis version, row count, highest row id), with the
current one and rebuilds on any difference, so an edit is seen by every process within
about a second; the count and id also catch rows written without `changed()`. Redis
only carries the signal: when it is down the table's part of the stamp still counts,
and an index older than a minute (ZONE_INDEX_MAX_AGE_S) is rebuilt whatever the stamp,
which covers a signal lost in an outage. Between checks a lookup takes no lock and no
query. ZONE_INDEX_CHECK_S = 0 (the tests) builds the index for every lookup."""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass

import redis
from flask import current_app
from sqlalchemy import func, select

from domain.db import db
from domain.models import Bin, BinStreet
from domain.redis_conn import redis_conn

log = logging.getLogger(__name__)

PARITIES = ("all", "even", "odd")
VERSION_KEY = "buurtlijn:zones:version"
CHECK_EVERY_S = 1.0  # how stale an index may be after an edit (Redis up)
MAX_AGE_S = 60.0  # rebuilt at least this often (a lost signal); ZONE_INDEX_MAX_AGE_S

# Whole words written out before folding; the key is the words glued together.
_WORDS = {
    "st": "sint", "sint": "sint", "saint": "sint", "sainte": "sainte", "ste": "sainte",
    "str": "straat", "av": "avenue", "ave": "avenue", "bd": "boulevard", "bld": "boulevard",
    "boul": "boulevard", "chee": "chaussee", "ch": "chaussee", "stwg": "steenweg",
    "stw": "steenweg", "pl": "plein", "ln": "laan", "sq": "square",
}
# Dutch street words glued to the name: Kerkstr. -> Kerkstraat, Brusselsestwg -> steenweg.
_ENDINGS = (("stwg", "steenweg"), ("str", "straat"))
_SPLIT = re.compile(r"[^0-9a-z]+")
_NUMBER = re.compile(
    r"""^\s*(?P<n>\d{1,5})                      # the number that decides
        (?:\s*-\s*\d{1,5})?                     # 10-12: one building, the first decides
        \s*(?P<letter>[a-z]{1,3}\b|[a-z](?=\d)|bis|ter|quater)?  # 10A, 10 bis
        \s*(?:(?:bus|bte|boite|box|b|/)\s*\.?\s*(?P<box>[0-9a-z]{1,6}))?  # a box
        \s*$""", re.VERBOSE)


class BadNumber(ValueError):
    """Not a house number as Belgians write them."""


def fold(text: str) -> str:
    """Lower case without accents: `Chaussée` -> `chaussee`, `Ø` kept as is."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def street_key(name: str) -> str:
    """The street name folded for matching: "St.-Jansstr." and "Sint-Jansstraat" agree."""
    words = [w for w in _SPLIT.split(fold(name).replace("'", "").replace("\u2019", "")) if w]
    out = []
    for word in words:
        word = _WORDS.get(word, word)
        for short, full in _ENDINGS:
            if word.endswith(short) and len(word) > len(short):
                word = word[: -len(short)] + full
                break
        out.append(word)
    return "".join(out)


def house_number(text: str) -> int:
    """The numeric part of a Belgian house number: `10 bus 2` -> 10; BadNumber otherwise."""
    match = _NUMBER.match(fold(text or ""))
    if not match or int(match.group("n")) == 0:
        raise BadNumber(text)
    return int(match.group("n"))


def in_range(number: int, house_from: int | None, house_to: int | None, parity: str) -> bool:
    """Whether `number` lies in from..to (open ends when None) with the row's parity."""
    if house_from is not None and number < house_from:
        return False
    if house_to is not None and number > house_to:
        return False
    return parity == "all" or (number % 2 == 0) == (parity == "even")


@dataclass(frozen=True)
class Range:
    bin_id: int
    bin_code: str
    house_from: int | None
    house_to: int | None
    parity: str


class ZoneIndex:
    """(postcode, street key) -> ranges, for every BIN; one per app in each process."""

    def __init__(self) -> None:
        self.streets: dict[tuple[str, str], tuple[Range, ...]] = {}
        self.stamp: tuple | None = None  # (Redis version, row count, highest row id)
        self.built_at = 0.0  # monotonic
        self.checked_at = 0.0
        self.lock = threading.Lock()

    def build(self, stamp: tuple) -> None:
        streets: dict[tuple[str, str], list[Range]] = {}
        rows = db.session.execute(
            select(BinStreet.postcode, BinStreet.street_key, BinStreet.street,
                   BinStreet.house_from, BinStreet.house_to, BinStreet.parity, Bin.id, Bin.code)
            .join(Bin, Bin.id == BinStreet.bin_id))
        for postcode, key, street, house_from, house_to, parity, bin_id, code in rows:
            streets.setdefault((postcode, key or street_key(street)), []).append(
                Range(bin_id, code, house_from, house_to, parity))
        self.streets = {k: tuple(v) for k, v in streets.items()}
        self.stamp = stamp
        self.built_at = self.checked_at = time.monotonic()

    def match(self, postcode: str, street: str, number: int) -> list[Range]:
        ranges = self.streets.get((postcode.strip(), street_key(street)), ())
        hits = {r.bin_code: r for r in ranges
                if in_range(number, r.house_from, r.house_to, r.parity)}
        return [hits[code] for code in sorted(hits, key=lambda c: (len(c), c))]


def _stamp(previous: tuple | None) -> tuple[tuple, bool]:
    """What the index is built from: the Redis version and the table's count and top id
    (these catch rows written without `changed()`), and whether Redis answered. With
    Redis down the last version known stands in, so the table's part still counts."""
    count, top = db.session.execute(
        select(func.count(BinStreet.id), func.max(BinStreet.id))).one()
    try:
        version = redis_conn.client.get(VERSION_KEY) or b"0"
    except redis.RedisError:
        log.warning("zones: Redis unavailable, the zone index is rebuilt every %d s",
                    _max_age())
        return ((previous or (None,))[0], count, top), False
    return (version, count, top), True


def _max_age() -> float:
    return current_app.config.get("ZONE_INDEX_MAX_AGE_S", MAX_AGE_S)


def _the_index() -> ZoneIndex:
    return current_app.extensions.setdefault("buurtlijn_zone_index", ZoneIndex())


def index() -> ZoneIndex:
    """This app's index, rebuilt when the zones changed (checked at most every
    ZONE_INDEX_CHECK_S, default 1 s; 0 builds it for every lookup) or when it is older
    than MAX_AGE_S."""
    zone_index = _the_index()
    every = current_app.config.get("ZONE_INDEX_CHECK_S", CHECK_EVERY_S)
    if every <= 0:  # no caching at all (the tests): every lookup reads the table
        fresh = ZoneIndex()
        fresh.build((None,))
        return fresh
    now = time.monotonic()
    if zone_index.built_at and now - zone_index.checked_at < every:
        return zone_index
    with zone_index.lock:
        if zone_index.built_at and time.monotonic() - zone_index.checked_at < every:
            return zone_index
        stamp, _answered = _stamp(zone_index.stamp)
        stale = now - zone_index.built_at >= _max_age()
        if not zone_index.built_at or stale or stamp != zone_index.stamp:
            zone_index.build(stamp)
        else:
            zone_index.checked_at = now
    return zone_index


def changed() -> None:
    """Tell every process that the zones changed (call after the commit)."""
    try:
        redis_conn.client.set(VERSION_KEY, secrets.token_hex(8))
    except redis.RedisError:
        log.warning("zones: could not signal a zone change; processes see it within %d s",
                    _max_age())
    _the_index().checked_at = 0.0  # this process at once


def match(postcode: str, street: str, house: str) -> list[Range]:
    """The ranges (one per BIN, by code) that hold this address; [] for a bad number."""
    try:
        number = house_number(house)
    except BadNumber:
        return []
    return index().match(postcode, street, number)


def find_bins(postcode: str, street: str, house_number: str) -> list[Bin]:
    """Every BIN whose zone holds this address (two on a shared buffer street), by code;
    empty outside every zone."""
    found = [db.session.get(Bin, r.bin_id) for r in match(postcode, street, house_number)]
    return [b for b in found if b is not None]


def find_bin(postcode: str, street: str, house_number: str) -> Bin | None:
    """The BIN of this address (the first by code on a shared street), or None."""
    found = find_bins(postcode, street, house_number)
    return found[0] if found else None
