"""Member lists in and out as CSV, validated whole before anything is stored.

A coordinator's spreadsheet has typos. Every row is checked first; a file with any error
imports nothing and every error names its line, so the coordinator fixes the file once.
Warnings (a household sharing one landline) are reported but do not stop the import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from callflows.prompts import LANGUAGES
from domain.db import db
from domain.models import Bin, Member, Membership
from domain.numbers import NumberRefused, parse_phone

HEADER = [
    "bin_code", "name", "street", "house_number", "postcode", "municipality",
    "phone", "phone2", "language", "email",
]
REQUIRED = {"bin_code", "name", "phone"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


@dataclass
class ImportReport:
    rows: list[MemberRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    memberships_added: int = 0


def _open_csv(text: str) -> csv.DictReader:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)


def validate(
    text: str,
    bin_codes: set[str],
    allowed_countries: list[str],
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Parse and check every row; the report's `errors` list names each bad line."""
    report = ImportReport()
    reader = _open_csv(text.lstrip("\ufeff"))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = REQUIRED - set(header)
    unknown = set(header) - set(HEADER)
    if missing or unknown:
        if missing:
            report.errors.append(f"line 1: missing column(s): {', '.join(sorted(missing))}")
        if unknown:
            report.errors.append(f"line 1: unknown column(s): {', '.join(sorted(unknown))}")
        report.errors.append(f"line 1: expected header {','.join(HEADER)}")
        return report

    seen: dict[tuple[str, str, str], int] = {}  # (bin, name, phone) -> line
    names_by_phone: dict[str, tuple[str, int]] = {}
    line_start = 1
    for raw in reader:
        line = line_start + 1
        line_start = reader.line_num
        if progress:
            progress(1)
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            report.errors.append(f"line {line}: more fields than columns in the header")
            continue
        if not any(row.values()):
            continue
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
    return report


def _check_row(
    line: int, row: dict[str, str], bin_codes: set[str], allowed: list[str], errors: list[str]
) -> MemberRow | None:
    problems: list[str] = []
    code = row.get("bin_code", "")
    if code not in bin_codes:
        problems.append(f"unknown BIN code {code!r}" if code else "no BIN code")
    name = row.get("name", "")
    if not name:
        problems.append("no name")
    phone = phone2 = None
    try:
        phone = parse_phone(row.get("phone", ""), allowed)
    except NumberRefused as exc:
        problems.append(f"phone: {exc}")
    if row.get("phone2"):
        try:
            phone2 = parse_phone(row["phone2"], allowed)
        except NumberRefused as exc:
            problems.append(f"phone2: {exc}")
    language = (row.get("language") or "nl").lower()
    if language not in LANGUAGES:
        problems.append(f"language {language!r} is not one of {' '.join(LANGUAGES)}")
    email = row.get("email") or None
    if email and not EMAIL.match(email):
        problems.append(f"email {email!r} is not an address")
    if problems:
        errors.extend(f"line {line}: {p}" for p in problems)
        return None
    assert phone is not None
    return MemberRow(
        line=line, bin_code=code, name=name,
        street=row.get("street", ""), house_number=row.get("house_number", ""),
        postcode=row.get("postcode", ""), municipality=row.get("municipality", ""),
        phone=phone.e164, phone_type=phone.kind,
        phone2=phone2.e164 if phone2 and phone2.e164 != phone.e164 else None,
        phone2_type=phone2.kind if phone2 and phone2.e164 != phone.e164 else None,
        language=language, email=email,
    )


def store(report: ImportReport, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Write validated rows: one member per (name, phone), one membership per BIN."""
    bins = {b.code: b.id for b in db.session.scalars(select(Bin))}
    phones = {r.phone for r in report.rows}
    existing: dict[tuple[str, str], Member] = {}
    for member in db.session.scalars(select(Member).where(Member.phone.in_(phones))):
        existing[(member.name.casefold(), member.phone)] = member
    links = {
        (m_id, b_id)
        for m_id, b_id in db.session.execute(select(Membership.member_id, Membership.bin_id))
    }
    touched: set[tuple[str, str]] = set()
    for row in report.rows:
        key = (row.name.casefold(), row.phone)
        member = existing.get(key)
        fields = {
            "street": row.street, "house_number": row.house_number, "postcode": row.postcode,
            "municipality": row.municipality, "phone_type": row.phone_type,
            "phone2": row.phone2, "phone2_type": row.phone2_type,
            "language": row.language, "email": row.email,
        }
        if member is None:
            member = Member(name=row.name, phone=row.phone, **fields)
            db.session.add(member)
            db.session.flush()
            existing[key] = member
            report.created += 1
        elif key not in touched:
            for name, value in fields.items():
                setattr(member, name, value)
            report.updated += 1
        touched.add(key)
        link = (member.id, bins[row.bin_code])
        if link not in links:
            db.session.add(Membership(member_id=member.id, bin_id=link[1]))
            links.add(link)
            report.memberships_added += 1
        if progress:
            progress(1)
    return report


def export_rows(members: Iterable[Member]) -> str:
    """The import format back: one row per membership."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for m in members:
        for ms in sorted(m.memberships, key=lambda x: x.bin.code):
            writer.writerow([
                ms.bin.code, m.name, m.street or "", m.house_number or "", m.postcode or "",
                m.municipality or "", m.phone, m.phone2 or "", m.language, m.email or "",
            ])
    return out.getvalue()
