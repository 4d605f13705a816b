"""Zone lists in and out as CSV, validated whole before anything is stored.

The format is what municipalities publish: `bin_code,postcode,municipality,street,from,
to,parity`, one row per street or house-number range (empty from/to: the whole street,
or an open end). As with the member import (domain.members_csv), every row is checked
first and every problem names its line; a file with any error stores nothing. A good
file replaces the whole zone of each BIN it names, in the caller's transaction."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select

from domain import spreadsheet
from domain.db import db
from domain.models import Bin, BinStreet
from domain.zones import PARITIES, street_key

HEADER = ["bin_code", "postcode", "municipality", "street", "from", "to", "parity"]
REQUIRED = {"bin_code", "postcode", "street"}
_POSTCODE = re.compile(r"^[1-9][0-9]{3}$")
_LENGTHS = {"street": BinStreet.__table__.c.street.type.length,
            "municipality": BinStreet.__table__.c.municipality.type.length}
# Parity as coordinators may write it, in the four languages.
_PARITY = {"": "all", "all": "all", "alle": "all", "tous": "all", "alles": "all",
           "even": "even", "pair": "even", "pairs": "even", "gerade": "even",
           "odd": "odd", "oneven": "odd", "impair": "odd", "impairs": "odd",
           "ungerade": "odd"}


@dataclass
class ZoneRow:
    line: int
    bin_code: str
    postcode: str
    municipality: str
    street: str
    house_from: int | None
    house_to: int | None
    parity: str

    @property
    def key(self) -> str:
        return street_key(self.street)


@dataclass
class BinChange:
    """What a file did to one BIN's zone."""

    code: str
    rows_before: int = 0
    rows_after: int = 0
    added: list[str] = field(default_factory=list)  # streets ("Kerkstraat 2990")
    removed: list[str] = field(default_factory=list)


@dataclass
class ZoneReport:
    rows: list[ZoneRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    delimiter: str = ","
    changes: list[BinChange] = field(default_factory=list)


def detect_delimiter(text: str) -> str:
    """`,` or `;`: the one that splits the header into the most known column names."""
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0].lower()
    return max((",", ";"), key=lambda d: (sum(h.strip() in HEADER for h in first.split(d)),
                                          first.count(d)))


def _number(value: str, column: str, problems: list[tuple[str, str]]) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) == 0 or len(value) > 5:
        problems.append((column, f"{column} {value!r} is not a house number (a whole "
                                 "number, e.g. 2 or 148)"))
        return None
    return int(value)


def check_fields(row: dict[str, str], bin_codes: set[str]
                 ) -> tuple[ZoneRow | None, list[tuple[str, str]]]:
    """One zone row checked as the import checks a line: the row, or the problems as
    (column, message) pairs, so a web form can put each next to its field."""
    problems: list[tuple[str, str]] = []
    code = row.get("bin_code", "")
    if code not in bin_codes:
        problems.append(("bin_code", f"unknown BIN code {code!r}" if code else "no BIN code"))
    postcode = row.get("postcode", "")
    if not _POSTCODE.match(postcode):
        problems.append(("postcode", f"postcode {postcode!r} is not 4 digits"
                         if postcode else "no postcode"))
    street = row.get("street", "")
    if not street or not street_key(street):
        problems.append(("street", "no street"))
    house_from = _number(row.get("from", ""), "from", problems)
    house_to = _number(row.get("to", ""), "to", problems)
    if house_from is not None and house_to is not None and house_from > house_to:
        problems.append(("to", f"from {house_from} is higher than to {house_to}"))
    parity = _PARITY.get(row.get("parity", "").lower())
    if parity is None:
        problems.append(("parity", f"parity {row.get('parity')!r} is not one of "
                                   f"{' '.join(PARITIES)}"))
    problems.extend((column, f"{column} is longer than {limit} characters")
                    for column, limit in _LENGTHS.items() if len(row.get(column, "")) > limit)
    if problems:
        return None, problems
    return ZoneRow(0, code, postcode, row.get("municipality", ""), street, house_from,
                   house_to, parity or "all"), []


def overlaps(a: ZoneRow, b: ZoneRow) -> bool:
    """Two rows of one street whose ranges share a house number."""
    if (a.postcode, a.key) != (b.postcode, b.key):
        return False
    low = max(a.house_from or 1, b.house_from or 1)
    high = min(a.house_to or 99999, b.house_to or 99999)
    if low > high:
        return False
    return "all" in (a.parity, b.parity) or a.parity == b.parity  # even, odd never meet


def validate(text: str, bin_codes: set[str],
             progress: Callable[[int], None] | None = None) -> ZoneReport:
    """Parse and check every row; `errors` names each bad line, nothing is stored."""
    text = text.lstrip("\ufeff")
    report = ZoneReport(delimiter=detect_delimiter(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.delimiter)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if spreadsheet.header_ok(header, HEADER, REQUIRED, report.errors):
            _check_rows(reader, header, bin_codes, report, progress)
    except csv.Error as exc:
        report.errors.append(f"line {reader.line_num}: not readable as CSV ({exc})")
    if not report.rows and not report.errors:
        report.errors.append("no zone rows after the header")
    return report


def _check_rows(reader, header: list[str], bin_codes: set[str], report: ZoneReport,
                progress: Callable[[int], None] | None) -> None:
    by_street: dict[tuple[str, str], list[ZoneRow]] = {}
    for line, values in spreadsheet.data_rows(reader, header, report.errors, progress):
        row = {h: v for h, v in zip(header, values, strict=False) if h}
        parsed, problems = check_fields(row, bin_codes)
        report.errors.extend(f"line {line}: {message}" for _, message in problems)
        if parsed is None:
            continue
        parsed.line = line
        same_street = by_street.setdefault((parsed.postcode, parsed.key), [])
        clash = next((o for o in same_street if o.bin_code == parsed.bin_code
                      and overlaps(o, parsed)), None)
        if clash is not None:
            report.errors.append(f"line {line}: overlaps line {clash.line} ({parsed.street}, "
                                 f"BIN {parsed.bin_code})")
            continue
        shared = next((o for o in same_street if o.bin_code != parsed.bin_code
                       and overlaps(o, parsed)), None)
        if shared is not None:
            report.warnings.append(
                f"line {line}: {parsed.street} is also in BIN {shared.bin_code} (line "
                f"{shared.line}); both BINs are named for these addresses")
        same_street.append(parsed)
        report.rows.append(parsed)


def _street_names(rows: Iterable) -> set[str]:
    return {f"{r.street} ({r.postcode})" for r in rows}


def replace_zones(rows: list[ZoneRow], codes: Iterable[str] | None = None,
                  progress: Callable[[int], None] | None = None) -> list[BinChange]:
    """Replace the zone of every BIN in `codes` (default: those the rows name) by `rows`,
    in the caller's transaction; what changed per BIN. Call `zones.changed()` after the
    commit."""
    bins = {b.code: b for b in db.session.scalars(select(Bin))}
    wanted = sorted(set(codes) if codes is not None else {r.bin_code for r in rows},
                    key=lambda c: (len(c), c))
    changes = []
    for code in wanted:
        b = bins[code]
        before = db.session.scalars(select(BinStreet).where(BinStreet.bin_id == b.id)).all()
        mine = [r for r in rows if r.bin_code == code]
        old, new = _street_names(before), _street_names(mine)
        changes.append(BinChange(code, len(before), len(mine), sorted(new - old),
                                 sorted(old - new)))
        db.session.execute(delete(BinStreet).where(BinStreet.bin_id == b.id))
        if mine:
            db.session.execute(insert(BinStreet), [_values(r, b.id) for r in mine])
        if progress:
            progress(len(mine))
    db.session.expire_all()
    return changes


def _values(row: ZoneRow, bin_id: int) -> dict:
    return {"bin_id": bin_id, "street": row.street, "street_key": row.key,
            "postcode": row.postcode, "municipality": row.municipality or None,
            "house_from": row.house_from, "house_to": row.house_to, "parity": row.parity}


def export_rows(bins: Iterable[Bin]) -> str:
    """The import format back for these BINs (safe to open in a spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for b in bins:
        for s in sorted(b.streets, key=sort_key):
            writer.writerow([b.code, s.postcode, spreadsheet.neutralise(s.municipality or ""),
                             spreadsheet.neutralise(s.street),
                             "" if s.house_from is None else s.house_from,
                             "" if s.house_to is None else s.house_to, s.parity])
    return out.getvalue()


def sort_key(s: BinStreet) -> tuple:
    """A zone's rows in reading order: by postcode, street, first number."""
    return (s.postcode, s.street_key or street_key(s.street), s.house_from or 0, s.parity)
