"""Reading a bank statement and matching its payments to contributions.

Two formats, told apart by their content: **CODA** (Febelfin's fixed-width statement,
128-character records; every Belgian bank exports it) and the **CSV export** of a
Belgian bank's web banking (`;` or `,`, UTF-8 or Windows-1252, a header row, perhaps
after a few lines about the account as Belfius writes them). COLUMNS lists the column
names recognised per meaning; the communication is looked for in every communication-like
column, so a structured communication typed loosely in free text is found too.

A payment marks a contribution paid when its structured communication has valid check
digits, names a contribution of the coordinator's BINs that is not paid yet, and the
amount is at least what is due (more is a gift and counts; less is left for the
coordinator to decide by hand, since a member who paid half is not paid up). Everything
else is reported with its line number and why. Marking is a conditional UPDATE, so the
same file twice marks nothing twice."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from stdnum.be import ogm_vcs

from domain import contributions
from domain.db import db
from domain.models import Contribution, Membership

# Lower-case, accents removed. The first column found per meaning is used, except for
# the communication, where all found are searched.
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("boekingsdatum", "uitvoeringsdatum", "boekdatum", "datum", "verrichtingsdatum",
             "date d'execution", "date comptable", "date", "buchungsdatum", "booking date",
             "valutadatum", "date valeur"),
    "amount": ("bedrag", "montant", "amount", "betrag"),
    "counterparty": ("naam tegenpartij", "naam van de tegenpartij", "naam tegenpartij bevat",
                     "nom de la contrepartie", "nom contrepartie", "tegenpartij",
                     "contrepartie", "counterparty", "name", "naam"),
    "communication": ("gestructureerde mededeling", "vrije mededeling", "mededeling",
                      "mededelingen", "bericht", "omschrijving", "beschrijving",
                      "detail van de omzet", "details", "communication",
                      "communication structuree", "communication libre", "description",
                      "libelle", "mitteilung", "verwendungszweck"),
}
# +++123/4567/89002+++, ***123/4567/89002***, 123/4567/89002, 123456789002, with spaces.
_LOOSE = re.compile(r"(?<![0-9])(\d{3})[ /.-]?(\d{4})[ /.-]?(\d{5})(?![0-9])")
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y", "%Y%m%d")

# Why a line did not mark anything (the web app words these for the reader).
NO_REFERENCE = "no_reference"  # no structured communication with valid check digits
UNKNOWN = "unknown"  # valid, but no contribution of these BINs has it
AMOUNT = "amount"  # less than what is due
ALREADY_PAID = "already_paid"
OUTGOING = "outgoing"  # money out of the account, not a payment to the BIN
UNREADABLE = "unreadable"  # no date or amount could be read


class BadStatement(ValueError):
    """Not a statement this module can read; the message says why."""


@dataclass
class StatementLine:
    """One movement of the statement, as read from the file."""

    line: int
    day: str | None  # ISO date
    amount_cents: int | None
    counterparty: str
    text: str  # the communication(s), as written
    structured: str | None = None  # CODA: the 12 digits flagged as structured

    def reference(self) -> str | None:
        """The first structured communication with valid check digits in this line."""
        if self.structured and ogm_vcs.is_valid(self.structured):
            return self.structured
        for match in _LOOSE.finditer(self.text):
            digits = "".join(match.groups())
            if ogm_vcs.is_valid(digits):
                return digits
        return None


@dataclass
class Problem:
    line: int
    reason: str
    counterparty: str
    amount_cents: int | None
    reference: str | None = None


@dataclass
class Match:
    line: int
    contribution_id: int
    member_name: str
    reference: str
    amount_cents: int
    day: str


@dataclass
class Plan:
    """What applying the statement would do, and what it cannot."""

    matches: list[Match] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read(data: bytes, name: str) -> tuple[list[StatementLine], str]:
    """The statement's movements and its format ('CODA' or 'CSV'), or BadStatement."""
    text = _decode(data)
    records = [r for r in text.splitlines() if r.strip()]
    # CODA: a header record 0 (five zeros, then the creation date) and movement records
    # 2.1; lines may have lost their trailing spaces on the way, so no length is required.
    if records and re.match(r"0{5}[0-9]{6}", records[0]) and any(
            r.startswith("21") for r in records):
        return _coda(text), "CODA"
    return _csv(text, name), "CSV"


def plan(lines: list[StatementLine], bin_ids: set[int]) -> Plan:
    """Match every incoming payment to an unpaid contribution of `bin_ids`."""
    result = Plan()
    references = {entry.line: entry.reference() for entry in lines}
    known = _contributions({r for r in references.values() if r}, bin_ids)
    taken: set[str] = set()
    for entry in lines:
        reference = references[entry.line]
        row = known.get(reference)
        if entry.day is None or entry.amount_cents is None:
            problem = UNREADABLE
        elif entry.amount_cents <= 0:
            problem = OUTGOING
        elif reference is None:
            problem = NO_REFERENCE
        elif row is None:
            problem = UNKNOWN
        elif row.paid_at is not None or reference in taken:
            problem = ALREADY_PAID
        elif entry.amount_cents < row.amount_cents:
            problem = AMOUNT
        else:
            taken.add(reference)
            result.matches.append(Match(entry.line, row.id, row.membership.member.name,
                                        reference, entry.amount_cents, entry.day))
            continue
        result.problems.append(Problem(entry.line, problem, entry.counterparty,
                                       entry.amount_cents, reference))
    return result


def _contributions(references: set[str], bin_ids: set[int]) -> dict[str, Contribution]:
    """The contributions of `bin_ids` with these references, fetched 500 at a time."""
    found: dict[str, Contribution] = {}
    ordered = sorted(references)
    for start in range(0, len(ordered), 500):
        found.update((row.reference, row) for row in db.session.scalars(
            select(Contribution).join(Membership, Membership.id == Contribution.membership_id)
            .where(Contribution.reference.in_(ordered[start:start + 500]),
                   Membership.bin_id.in_(bin_ids))
            .options(selectinload(Contribution.membership).selectinload(Membership.member))))
    return found


def apply(result: Plan, actor: str) -> int:
    """Mark the matched contributions paid (once each); how many were marked now."""
    marked = 0
    for match in result.matches:
        marked += contributions.mark_paid(
            match.contribution_id, actor, date.fromisoformat(match.day),
            note=f"statement line {match.line}", via="statement",
            paid_cents=match.amount_cents)
    return marked


def to_json(lines: list[StatementLine]) -> list[dict]:
    return [asdict(line) for line in lines]


def from_json(rows: list[dict]) -> list[StatementLine]:
    return [StatementLine(**row) for row in rows]


def _decode(data: bytes) -> str:
    if not data.strip():
        raise BadStatement("empty")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("\u2019", "'").split())


def _csv(text: str, name: str) -> list[StatementLine]:
    """A bank's CSV export: find the header row (within the first 20 lines), then read."""
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = next((index for index, row in enumerate(rows[:20])
                   if {"amount", "date"} <= _columns([_fold(cell) for cell in row]).keys()),
                  None)
    if header is None:
        raise BadStatement("no_header")
    columns = _columns([_fold(cell) for cell in rows[header]])
    width = max(index for indexes in columns.values() for index in indexes) + 1
    found = []
    for number, row in enumerate(rows[header + 1:], start=header + 2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row] + [""] * width
        found.append(StatementLine(
            number, _date(cells[columns["date"][0]]), _amount(cells[columns["amount"][0]]),
            cells[columns["counterparty"][0]] if "counterparty" in columns else "",
            " | ".join(cells[i] for i in columns.get("communication", []) if cells[i])))
    return found


def _columns(header: list[str]) -> dict[str, list[int]]:
    """Meaning -> column indexes (first-listed name wins; all communication columns)."""
    out: dict[str, list[int]] = {}
    for meaning, names in COLUMNS.items():
        hits = [header.index(n) for n in names if n in header]
        if hits:
            out[meaning] = sorted(set(hits)) if meaning == "communication" else hits[:1]
    return out


def _amount(text: str) -> int | None:
    """'1.234,56', '-5,00', '+5.00', '5' -> cents (the last . or , is the decimal mark)."""
    cleaned = text.replace("EUR", "").replace("€", "").replace(" ", "").replace("\u00a0", "")
    match = re.fullmatch(r"([+-]?)([0-9.,]+)", cleaned)
    if not match:
        return None
    sign, number = match.groups()
    last = max(number.rfind("."), number.rfind(","))
    if last >= 0 and len(number) - last - 1 in (1, 2):
        whole, fraction = number[:last], number[last + 1:].ljust(2, "0")
    else:
        whole, fraction = number, "00"
    whole = whole.replace(".", "").replace(",", "")
    if not whole.isdigit() and whole != "":
        return None
    cents = int(whole or "0") * 100 + int(fraction)
    return -cents if sign == "-" else cents


def _date(text: str) -> str | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _coda(text: str) -> list[StatementLine]:
    """CODA 2.x: one movement per record 2.1 (with 2.2/2.3 continuing it).

    Record 2.1: sign at 32 (0 credit, 1 debit), amount at 33-47 (15 digits, 3 decimals),
    value date at 48-53 (DDMMYY), communication type at 62 (1 = structured) and the
    communication at 63-115 (structured type 101: the 12 digits follow), entry date at
    116-121. Record 2.3: counterparty name at 48-82, more communication at 83-125."""
    found: list[StatementLine] = []
    current: StatementLine | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        record = raw.rstrip("\r").ljust(128)
        kind = record[:2]
        if kind == "21":
            sign, digits = record[31], record[32:47]
            amount = int(digits) // 10 if digits.isdigit() else None
            if amount is not None and sign == "1":
                amount = -amount
            structured = None
            communication = record[62:115]
            if record[61] == "1" and communication[:3] == "101":
                structured = communication[3:15]
                communication = ""
            day = _date(_ddmmyy(record[115:121]) or _ddmmyy(record[47:53]))
            current = StatementLine(number, day, amount, "", communication.strip(),
                                    structured)
            found.append(current)
        elif kind == "22" and current is not None:
            current.text = (current.text + " " + record[10:63].strip()).strip()
        elif kind == "23" and current is not None:
            current.counterparty = record[47:82].strip()
            current.text = (current.text + " " + record[82:125].strip()).strip()
    return found


def _ddmmyy(text: str) -> str:
    return f"{text[:2]}/{text[2:4]}/20{text[4:6]}" if text.isdigit() else ""
