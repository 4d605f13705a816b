"""A coordinator's member list: the queries and changes behind the web pages.

Every function takes the BIN ids its caller may see (`bin_ids`) and never reads or
changes a member outside them, so the web layer cannot forget the scope on one page.
A person in two BINs is one member with two memberships: removing them from one BIN
leaves the other, and the member row goes only with their last membership.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Select, delete, exists, func, null, or_, select, update
from sqlalchemy.orm import selectinload

from domain import spreadsheet
from domain.db import db
from domain.members_csv import HEADER, ImportReport, MemberRow, member_fields, membership_cells
from domain.models import Bin, Contribution, InboundCall, Member, Membership, audit
from domain.models.messages import Delivery

PER_PAGE = 50


class MemberError(ValueError):
    """A change that cannot be made as asked; the message says why (English, for logs)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # what the web layer translates: "duplicate" | "already"


@dataclass
class ListedMember:
    member: Member
    bins: list[Bin]  # the caller's BINs this member belongs to
    other_bins: int  # memberships in BINs the caller does not see
    household: int  # members (this one included) the caller sees on the same phone


@dataclass
class MemberPage:
    items: list[ListedMember]
    total: int
    page: int
    pages: int
    per_page: int = PER_PAGE


@dataclass
class ImportPreview:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    memberships: int = 0  # new BIN memberships, for new and existing members alike
    first_rows: list[MemberRow] = field(default_factory=list)


def visible_bins(bin_ids: set[int]) -> list[Bin]:
    return list(db.session.scalars(select(Bin).where(Bin.id.in_(bin_ids)).order_by(Bin.code)))


def _in_scope(bin_ids: set[int]):
    return exists().where(Membership.member_id == Member.id, Membership.bin_id.in_(bin_ids))


def _search(q: str) -> list:
    """Name or street containing `q`, or a number containing its digits (0477 12 → +32477 12)."""
    q = q.strip()
    if not q:
        return []
    pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    options = [func.lower(Member.name).like(pattern, escape="\\"),
               func.lower(Member.street).like(pattern, escape="\\")]
    digits = "".join(ch for ch in q if ch.isdigit())
    if len(digits) >= 3 and len(digits) >= len(q.replace(" ", "").replace("+", "")) - 2:
        digits = digits.lstrip("0") or digits
        options += [Member.phone.like(f"%{digits}%"), Member.phone2.like(f"%{digits}%")]
    return [or_(*options)]


def list_members(bin_ids: set[int], q: str = "", page: int = 1) -> MemberPage:
    """One page of the caller's members in name order, with their BINs and households.

    A search counts its matches in the same scan as it reads the page (a window count);
    the whole list is counted from the memberships' BIN index, without reading members."""
    where = [_in_scope(bin_ids), *_search(q)]
    page = max(page, 1)
    total = None if q.strip() else db.session.scalar(
        select(func.count(func.distinct(Membership.member_id)))
        .where(Membership.bin_id.in_(bin_ids)))
    if total is not None:
        page = min(page, max(1, math.ceil(total / PER_PAGE)))
    rows = _page_rows(where, page, counted=total is None)
    if total is None:
        if rows:
            total = rows[0][1]
        else:  # past the last page of matches, or none at all
            total = db.session.scalar(select(func.count()).select_from(Member).where(*where))
            page = max(1, math.ceil(total / PER_PAGE))
            rows = _page_rows(where, page, counted=True) if total else []
    members = [member for member, _ in rows]
    return MemberPage(_describe(members, bin_ids), total, page,
                      max(1, math.ceil(total / PER_PAGE)))


def _page_rows(where: list, page: int, counted: bool) -> list:
    """(member, matches) pairs; the window count only when asked (it reads every match,
    where the plain list walks the name index and stops after the page)."""
    columns = (Member, func.count().over()) if counted else (Member, null())
    return list(db.session.execute(
        select(*columns).where(*where).order_by(Member.name, Member.id)
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all())


def _describe(members: list[Member], bin_ids: set[int]) -> list[ListedMember]:
    if not members:
        return []
    ids = [m.id for m in members]
    links: dict[int, list[int]] = {}
    for member_id, bin_id in db.session.execute(
            select(Membership.member_id, Membership.bin_id).where(Membership.member_id.in_(ids))):
        links.setdefault(member_id, []).append(bin_id)
    bins = {b.id: b for b in visible_bins(bin_ids)}
    phones = {m.phone for m in members}
    shared = dict(db.session.execute(
        select(Member.phone, func.count()).where(Member.phone.in_(phones), _in_scope(bin_ids))
        .group_by(Member.phone)).all())
    items = []
    for m in members:
        mine = sorted((bins[b] for b in links.get(m.id, []) if b in bins), key=lambda b: b.code)
        items.append(ListedMember(m, mine, len(links.get(m.id, [])) - len(mine),
                                  shared.get(m.phone, 1)))
    return items


def find_member(member_id: int, bin_ids: set[int]) -> Member | None:
    """The member if the caller may see them (a member of one of `bin_ids`), else None."""
    return db.session.scalar(select(Member).where(Member.id == member_id, _in_scope(bin_ids)))


def member_bins(member: Member, bin_ids: set[int]) -> list[Bin]:
    return sorted((ms.bin for ms in member.memberships if ms.bin_id in bin_ids),
                  key=lambda b: b.code)


def _same_person(name: str, phone: str, other_than: int | None = None) -> Member | None:
    """The member with this name (any case, as the import matches) and number, if any."""
    for member in db.session.scalars(select(Member).where(Member.phone == phone)):
        if member.name.casefold() == name.casefold() and member.id != other_than:
            return member
    return None


def add_member(row: MemberRow, bin_id: int, actor: str) -> tuple[Member, bool]:
    """A new member of BIN `bin_id`; the same person (name and number) already known
    elsewhere joins this BIN too, as the import does. Returns (member, created)."""
    member = _same_person(row.name, row.phone)
    created = member is None
    if member is None:
        member = Member(name=row.name, phone=row.phone, **member_fields(row))
        db.session.add(member)
        db.session.flush()
    elif any(ms.bin_id == bin_id for ms in member.memberships):
        raise MemberError("already", "this person is a member of this BIN already")
    else:
        for name, value in member_fields(row).items():
            setattr(member, name, value)
    db.session.add(Membership(member_id=member.id, bin_id=bin_id))
    db.session.flush()
    audit(actor, "member.add", str(member.id), bin_id=bin_id, created=created)
    return member, created


def edit_member(member: Member, row: MemberRow, actor: str) -> None:
    """New details for a member; a name and number that another member has are refused."""
    if _same_person(row.name, row.phone, other_than=member.id) is not None:
        raise MemberError("duplicate", "another member has this name and number")
    changed = sorted(k for k, v in {"name": row.name, "phone": row.phone,
                                    **member_fields(row)}.items() if getattr(member, k) != v)
    member.name, member.phone = row.name, row.phone
    for name, value in member_fields(row).items():
        setattr(member, name, value)
    db.session.flush()
    audit(actor, "member.edit", str(member.id), fields=changed,
          bins=sorted(ms.bin_id for ms in member.memberships))


def remove_member(member: Member, from_bin_ids: set[int], actor: str) -> bool:
    """End the member's memberships of `from_bin_ids`; True when that was their last one
    and the member row itself is gone (broadcast history keeps the number, not the link)."""
    removed = [ms for ms in member.memberships if ms.bin_id in from_bin_ids]
    contributions = contributions_of(removed)  # their rows go with the memberships
    for ms in removed:
        member.memberships.remove(ms)
    gone = not member.memberships
    audit(actor, "member.remove", str(member.id), bins=sorted(ms.bin_id for ms in removed),
          erased=gone, contributions=contributions)
    if gone:
        member_id = member.id
        db.session.flush()
        db.session.execute(update(Delivery).where(Delivery.member_id == member_id)
                           .values(member_id=None))
        db.session.execute(update(InboundCall).where(InboundCall.member_id == member_id)
                           .values(member_id=None))
        db.session.expunge(member)
        db.session.execute(delete(Member).where(Member.id == member_id))
    db.session.flush()
    return gone


def contributions_of(memberships: list[Membership]) -> list[list[int | None]]:
    """[bin id, year, asked cents, paid cents or None] per contribution: no personal data,
    kept in the leaving audit entry so the yearly report's sums outlive the rows."""
    ids = [ms.id for ms in memberships]
    if not ids:
        return []
    rows = db.session.execute(
        select(Membership.bin_id, Contribution.year, Contribution.amount_cents,
               Contribution.paid_cents, Contribution.paid_at)
        .join(Membership, Membership.id == Contribution.membership_id)
        .where(Contribution.membership_id.in_(ids)).order_by(Contribution.id)).all()
    return [[bin_id, year, asked, paid if paid_at is not None else None]
            for bin_id, year, asked, paid, paid_at in rows]


def preview(report: ImportReport, first: int = 10) -> ImportPreview:
    """What storing a validated import would do: members new, updated and unchanged."""
    result = ImportPreview(first_rows=report.rows[:first])
    existing: dict[tuple[str, str], Member] = {}
    phones = sorted({r.phone for r in report.rows})
    for start in range(0, len(phones), 5000):
        for m in db.session.scalars(select(Member).options(selectinload(Member.memberships))
                                    .where(Member.phone.in_(phones[start:start + 5000]))):
            existing[(m.name.casefold(), m.phone)] = m
    bins = {b.code: b.id for b in db.session.scalars(select(Bin))}
    seen: set[tuple[str, str]] = set()
    links: set[tuple[tuple[str, str], int]] = set()
    for row in report.rows:
        key = (row.name.casefold(), row.phone)
        member = existing.get(key)
        if key not in seen:
            seen.add(key)
            if member is None:
                result.new += 1
            elif any(getattr(member, k) != v for k, v in member_fields(row).items()):
                result.updated += 1
            else:
                result.unchanged += 1
        link = (key, bins[row.bin_code])
        if link not in links and (member is None or all(ms.bin_id != link[1]
                                                          for ms in member.memberships)):
            result.memberships += 1
        links.add(link)
    return result


def export_query(bin_ids: set[int]) -> Select:
    return (select(Member).where(_in_scope(bin_ids))
            .options(selectinload(Member.memberships).selectinload(Membership.bin))
            .order_by(Member.name, Member.id))


def export_table(members: list[Member], bin_ids: set[int]) -> list[list[str]]:
    """The import's columns, one row per membership of the caller's BINs, plain values."""
    return list(membership_cells(members, bin_ids))


def export_xlsx(members: list[Member], bin_ids: set[int]) -> bytes:
    return spreadsheet.xlsx_bytes(HEADER, export_table(members, bin_ids), "Leden")
