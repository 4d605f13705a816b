"""Member lists in and out as CSV, validated whole before anything is stored.

A coordinator's spreadsheet has typos. Every row is checked first; a file with any error
imports nothing and every error names its line, so the coordinator fixes the file once.
Warnings (a household sharing one landline) are reported but do not stop the import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import insert, select

from callflows.prompts import LANGUAGES
from domain import channels, spreadsheet
from domain.db import db
from domain.models import Bin, Member, Membership
from domain.numbers import NumberRefused, parse_phone

HEADER = [
    "bin_code", "name", "street", "house_number", "postcode", "municipality",
    "phone", "phone2", "language", "email", "channel",
]
REQUIRED = {"bin_code", "name", "phone"}
DELIMITERS = (",", ";")
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The columns' own limits, so an overlong cell is a line error and not a database error.
_LENGTHS = {c: Member.__table__.c[c].type.length for c in ("name", "street", "house_number",
                                                           "postcode", "municipality", "email")}


@dataclass
class MemberRow:
    line: int
    bin_code: str
    name: str
    street: str
    house_number: str
    postcode: str
    municipality: str
    phone: str
    phone_type: str
    phone2: str | None
    phone2_type: str | None
    language: str
    email: str | None
    channel: str | None = None  # domain.channels; None: the default rule


@dataclass
class ImportReport:
    rows: list[MemberRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    delimiter: str = ","
    created: int = 0
    updated: int = 0
    memberships_added: int = 0


def _cells(line: str, delimiter: str) -> list[str]:
    return [c.strip().lower() for c in next(csv.reader([line], delimiter=delimiter), [])]


def detect_delimiter(text: str) -> str:
    """`,` or `;`: the one that splits the header into the most known column names."""
    first_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    return max(DELIMITERS, key=lambda d: (len(set(_cells(first_line, d)) & set(HEADER)),
                                          first_line.count(d)))


def validate(
    text: str,
    bin_codes: set[str],
    allowed_countries: list[str],
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Parse and check every row; the report's `errors` list names each bad line.

    A row may end early: Excel leaves out empty cells at the end of a row when it saves
    CSV, so missing trailing fields are empty, unless a required column is among them.
    """
    text = text.lstrip("\ufeff")
    report = ImportReport(delimiter=detect_delimiter(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.delimiter)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if not spreadsheet.header_ok(header, HEADER, REQUIRED, report.errors):
            return report
        _check_rows(reader, header, bin_codes, allowed_countries, report, progress)
    except csv.Error as exc:
        report.errors.append(f"line {reader.line_num}: not readable as CSV ({exc})")
    if not report.rows and not report.errors:
        report.errors.append("no member rows after the header")
    return report


def _check_rows(
    reader: Iterator[list[str]], header: list[str], bin_codes: set[str],
    allowed_countries: list[str], report: ImportReport,
    progress: Callable[[int], None] | None,
) -> None:
    last_required = max(header.index(c) for c in REQUIRED)
    seen: dict[tuple[str, str, str], int] = {}  # (bin, name, phone) -> line
    names_by_phone: dict[str, tuple[str, int]] = {}
    for line, values in spreadsheet.data_rows(reader, header, report.errors, progress):
        if len(values) <= last_required:
            absent = [h for h in header[len(values):] if h in REQUIRED]
            report.errors.append(
                f"line {line}: only {len(values)} field(s), the header has {len(header)}, "
                f"so there is no {' and no '.join(absent)} (a missing separator?)")
            continue
        stray = [i + 1 for i, h in enumerate(header) if not h and i < len(values) and values[i]]
        if stray:
            report.errors.append(f"line {line}: a value in column {stray[0]}, which has no "
                                 "name in the header")
            continue
        row = {h: v for h, v in zip(header, values, strict=False) if h}
        parsed = _check_row(line, row, bin_codes, allowed_countries, report.errors)
        if parsed is None:
            continue
        key = (parsed.bin_code, parsed.name.casefold(), parsed.phone)
        if key in seen:
            report.errors.append(
                f"line {line}: duplicate of line {seen[key]} "
                f"({parsed.name}, {parsed.phone}, BIN {parsed.bin_code})"
            )
            continue
        seen[key] = line
        other = names_by_phone.get(parsed.phone)
        if other and other[0].casefold() != parsed.name.casefold():
            report.warnings.append(
                f"line {line}: {parsed.phone} is shared with {other[0]} (line {other[1]}); "
                "a broadcast calls this number once"
            )
        else:
            names_by_phone.setdefault(parsed.phone, (parsed.name, line))
        report.rows.append(parsed)


def _check_row(
    line: int, row: dict[str, str], bin_codes: set[str], allowed: list[str], errors: list[str]
) -> MemberRow | None:
    parsed, problems = check_fields(row, bin_codes, allowed)
    errors.extend(f"line {line}: {message}" for _, message in problems)
    if parsed is not None:
        parsed.line = line
    return parsed


def check_fields(
    row: dict[str, str], bin_codes: set[str], allowed: list[str]
) -> tuple[MemberRow | None, list[tuple[str, str]]]:
    """One member's fields checked as the import checks a line: the row, or the problems
    as (column, message) pairs, so a web form can put each next to its field."""
    problems: list[tuple[str, str]] = []
    code = row.get("bin_code", "")
    if code not in bin_codes:
        problems.append(("bin_code", f"unknown BIN code {code!r}" if code else "no BIN code"))
    name = row.get("name", "")
    if not name:
        problems.append(("name", "no name"))
    phone = phone2 = None
    try:
        phone = parse_phone(row.get("phone", ""), allowed)
    except NumberRefused as exc:
        problems.append(("phone", f"phone: {exc}"))
    if row.get("phone2"):
        try:
            phone2 = parse_phone(row["phone2"], allowed)
        except NumberRefused as exc:
            problems.append(("phone2", f"phone2: {exc}"))
    language = (row.get("language") or "nl").lower()
    if language not in LANGUAGES:
        problems.append(("language",
                         f"language {language!r} is not one of {' '.join(LANGUAGES)}"))
    email = row.get("email") or None
    if email and not EMAIL.match(email):
        problems.append(("email", f"email {email!r} is not an address"))
    channel = channels.normalise(row.get("channel"))
    wrong = channels.problem(channel, email, phone and phone.kind,
                             phone2.kind if phone2 else None)
    if wrong:
        problems.append(("channel", wrong))
    problems.extend(
        (column, f"{column} is longer than {limit} characters")
        for column, limit in _LENGTHS.items() if len(row.get(column, "")) > limit
    )
    if problems:
        return None, problems
    assert phone is not None
    return MemberRow(
        line=0, bin_code=code, name=name,
        street=row.get("street", ""), house_number=row.get("house_number", ""),
        postcode=row.get("postcode", ""), municipality=row.get("municipality", ""),
        phone=phone.e164, phone_type=phone.kind,
        phone2=phone2.e164 if phone2 and phone2.e164 != phone.e164 else None,
        phone2_type=phone2.kind if phone2 and phone2.e164 != phone.e164 else None,
        language=language, email=email, channel=channel,
    ), []


def store(report: ImportReport, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Write validated rows: one member per (name, phone), one membership per BIN.

    Batched for the web's 10,000-row imports: new members and memberships go in as one
    executemany each (no RETURNING: psycopg then pipelines one prepared statement, where
    a multi-row VALUES with RETURNING costs seconds of client-side query parsing), and the
    new members' ids are read back by number. Existing members are updated as objects."""
    bins = {b.code: b.id for b in db.session.scalars(select(Bin))}
    existing = _existing_members({r.phone for r in report.rows})
    touched: set[tuple[str, str]] = set()
    new: dict[tuple[str, str], dict] = {}
    wanted: list[tuple[tuple[str, str], int]] = []  # (member key, bin id), in file order
    for row in report.rows:
        key = (row.name.casefold(), row.phone)
        member = existing.get(key)
        if member is None and key not in new:
            new[key] = {"name": row.name, "phone": row.phone, **member_fields(row)}
            report.created += 1
        elif member is not None and key not in touched:
            for name, value in member_fields(row).items():
                setattr(member, name, value)
            report.updated += 1
        touched.add(key)
        wanted.append((key, bins[row.bin_code]))
        if progress:
            progress(1)
    db.session.flush()
    ids = {key: m.id for key, m in existing.items()}
    if new:
        db.session.execute(insert(Member), list(new.values()))
        for chunk in _chunks(sorted({phone for _, phone in new})):
            for member_id, name, phone in db.session.execute(
                    select(Member.id, Member.name, Member.phone).where(Member.phone.in_(chunk))):
                if (name.casefold(), phone) in new:
                    ids[(name.casefold(), phone)] = member_id
    links: set[tuple[int, int]] = set()
    for chunk in _chunks(sorted({ids[key] for key, _ in wanted})):
        rows = db.session.execute(select(Membership.member_id, Membership.bin_id)
                                  .where(Membership.member_id.in_(chunk)))
        links.update((member_id, bin_id) for member_id, bin_id in rows)
    added = []
    for key, bin_id in wanted:
        link = (ids[key], bin_id)
        if link not in links:
            added.append({"member_id": link[0], "bin_id": bin_id})
            links.add(link)
    if added:
        db.session.execute(insert(Membership), added)
    report.memberships_added += len(added)
    return report


def member_fields(row: MemberRow) -> dict[str, str | None]:
    """The columns a row sets on its member, besides the name and number that find it."""
    return {
        "street": row.street, "house_number": row.house_number, "postcode": row.postcode,
        "municipality": row.municipality, "phone_type": row.phone_type,
        "phone2": row.phone2, "phone2_type": row.phone2_type,
        "language": row.language, "email": row.email, "channel": row.channel,
    }


def _existing_members(phones: set[str]) -> dict[tuple[str, str], Member]:
    """Stored members by (name folded, phone), looked up in chunks (SQLite's variable limit)."""
    existing: dict[tuple[str, str], Member] = {}
    for chunk in _chunks(sorted(phones)):
        for member in db.session.scalars(select(Member).where(Member.phone.in_(chunk))):
            existing[(member.name.casefold(), member.phone)] = member
    return existing


def _chunks(values: list, size: int = 5000) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def export_rows(members: Iterable[Member], excel: bool = False,
                bin_ids: set[int] | None = None) -> str:
    """The import format back, one row per membership, safe to open in a spreadsheet.

    With `bin_ids`, only memberships of those BINs (a coordinator's export never names
    another BIN's membership of the same person).

    Text cells that Excel would run as a formula get a leading quote (`restore` removes it
    on import). A phone number is E.164, `+` and digits, so it can never be a formula; the
    plain format keeps it as stored. In the Excel format it is quoted too, or Excel would
    read it as the number 32470123456, show 3,24701E+10 and save that back.
    """
    out = io.StringIO()
    # CRLF (RFC 4180) in both: with "\n" the csv module would not quote a cell holding "\r".
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n")
    writer.writerow(HEADER)
    for cells in membership_cells(members, bin_ids):
        text, phones, rest = cells[:6], cells[6:8], cells[8:]
        writer.writerow([
            *map(spreadsheet.neutralise, text),
            *(p if _E164.match(p) and not excel else spreadsheet.neutralise(p)
              for p in phones),
            *map(spreadsheet.neutralise, rest),
        ])
    return ("\ufeff" if excel else "") + out.getvalue()


def membership_cells(members: Iterable[Member],
                     bin_ids: set[int] | None = None) -> Iterator[list[str]]:
    """The import's columns as plain values, one row per membership (of `bin_ids` only,
    when given): what the CSV and the .xlsx export both write."""
    for m in members:
        for ms in sorted(m.memberships, key=lambda x: x.bin.code):
            if bin_ids is None or ms.bin_id in bin_ids:
                yield [ms.bin.code, m.name, m.street or "", m.house_number or "",
                       m.postcode or "", m.municipality or "", m.phone, m.phone2 or "",
                       m.language, m.email or "", m.channel or ""]
