"""The yearly contribution: a structured communication per member and year, and the EPC
QR payload Belgian banking apps scan to fill in the transfer.

The reference is the year (2 digits) and the membership's id (8 digits) with the mod-97
check digits (python-stdnum), so it is unique per membership and year without a lookup,
and a bank statement line names its contribution by itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from stdnum import iban as iban_number
from stdnum.be import ogm_vcs

from domain.db import db
from domain.models import Bin, Contribution, Member, Membership, audit, utcnow
from domain.status import MEMBERSHIP, MembershipStatus

ZONE = ZoneInfo("Europe/Brussels")  # a BIN's year begins at midnight in Belgium


def reference_for(membership_id: int, year: int) -> str:
    """The 12 digits of the structured communication for this membership and year."""
    if not 0 < membership_id < 10**8:
        raise ValueError("membership id out of the reference's 8 digits")
    base = f"{year % 100:02d}{membership_id:08d}"
    return base + ogm_vcs.calc_check_digits(base)


def formatted(reference: str) -> str:
    """`+++123/4567/89002+++`, as Belgian banks print and expect it."""
    return f"+++{ogm_vcs.format(reference)}+++"


def open_contribution(membership: Membership, year: int) -> Contribution | None:
    """This year's contribution row for a membership (made once); None if the BIN is free."""
    bin_ = db.session.get(Bin, membership.bin_id)
    if not bin_.fee_cents:
        return None
    row = db.session.scalar(select(Contribution).where(
        Contribution.membership_id == membership.id, Contribution.year == year))
    if row is None:
        row = Contribution(membership_id=membership.id, year=year,
                           amount_cents=bin_.fee_cents,
                           reference=reference_for(membership.id, year))
        db.session.add(row)
        db.session.flush()
    return row


def epc_payload(bin_: Bin, contribution: Contribution) -> str:
    """The EPC069-12 "SEPA credit transfer" QR text (version 002, UTF-8, structured
    reference): what a banking app reads to fill in beneficiary, IBAN, amount, reference.

    The 12 digits go in the structured creditor reference element, not as `+++...+++`
    text: a SEPA transfer carries the Belgian structured communication as a structured
    reference (issuer BBA), Belgian banking apps fill their "gestructureerde mededeling"
    from it, and the bank's statement then returns it flagged as structured (CODA type
    101), which is what the statement upload matches. Elements after the last one given
    are left off, as the guidelines ask (no trailing line feed)."""
    beneficiary = (bin_.name or "BIN").replace("\n", " ")[:70]
    lines = [
        "BCD", "002", "1", "SCT",
        (bin_.bic or "").strip().upper(),  # optional in version 002 (EEA)
        beneficiary,
        iban_number.compact(bin_.iban or ""),
        f"EUR{contribution.amount_cents // 100}.{contribution.amount_cents % 100:02d}",
        "",  # purpose
        contribution.reference,  # structured creditor reference: the 12 digits
        "",  # unstructured remittance (empty when a structured one is given)
        "",  # beneficiary to originator information
    ]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def epc_qr_png(bin_: Bin, contribution: Contribution, scale: int = 5) -> bytes:
    """The EPC payload as a PNG QR code (error correction M, as EPC069-12 requires)."""
    import io

    import segno

    buffer = io.BytesIO()
    # UTF-8 said, UTF-8 written: segno would otherwise pick ISO 8859-1 for "é".
    segno.make(epc_payload(bin_, contribution), error="m", micro=False,
               encoding="utf-8").save(
        buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def this_year(now: datetime | None = None) -> int:
    """The contribution year now, in Belgium."""
    return (now or utcnow()).astimezone(ZONE).year


def paid_moment(day: date) -> datetime:
    """A payment's date as the stored moment (noon in Belgium: the same date everywhere)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZONE).astimezone(UTC)


def mark_paid(contribution_id: int, actor: str, day: date, note: str | None = None,
              via: str = "manual", paid_cents: int | None = None) -> bool:
    """Record a payment once (a conditional UPDATE: a second mark changes nothing) and
    move the membership to active when it is the latest year's; audited."""
    row = db.session.get(Contribution, contribution_id)
    done = db.session.execute(
        update(Contribution).where(Contribution.id == contribution_id,
                                   Contribution.paid_at.is_(None))
        .values(paid_at=paid_moment(day), paid_via=via, marked_by=actor,
                paid_cents=row.amount_cents if paid_cents is None else paid_cents,
                paid_note=(note or "").strip()[:200] or None)
        .execution_options(synchronize_session="fetch")).rowcount
    if done:
        audit(actor, "contribution.paid", f"contribution:{contribution_id}",
              member_id=row.membership.member_id, year=row.year, via=via,
              cents=row.amount_cents if paid_cents is None else paid_cents,
              date=day.isoformat())
        settle(row.membership_id)
    return bool(done)


def undo_paid(contribution_id: int, actor: str) -> bool:
    """Take a payment back (marked by mistake); the membership is payment due again."""
    row = db.session.get(Contribution, contribution_id)
    done = db.session.execute(
        update(Contribution).where(Contribution.id == contribution_id,
                                   Contribution.paid_at.is_not(None))
        .values(paid_at=None, paid_via=None, paid_cents=None, paid_note=None,
                marked_by=None)
        .execution_options(synchronize_session="fetch")).rowcount
    if done:
        audit(actor, "contribution.unpaid", f"contribution:{contribution_id}",
              member_id=row.membership.member_id, year=row.year)
        settle(row.membership_id)
    return bool(done)


def settle(membership_id: int) -> str:
    """Move a membership to what its latest contribution says: paid (or none asked) is
    active; unpaid is payment due, except right after approval, which stays approved."""
    latest = db.session.scalar(
        select(Contribution).where(Contribution.membership_id == membership_id)
        .order_by(Contribution.year.desc()).limit(1))
    wanted = (MembershipStatus.ACTIVE if latest is None or latest.paid_at is not None
              else MembershipStatus.PAYMENT_DUE)
    membership = db.session.get(Membership, membership_id)
    if membership.status == MembershipStatus.APPROVED and wanted == MembershipStatus.PAYMENT_DUE:
        return membership.status
    _move(membership_id, wanted)
    db.session.refresh(membership)
    return membership.status


def _move(membership_id: int, new: MembershipStatus) -> bool:
    """A conditional UPDATE from the states MEMBERSHIP allows (domain.status)."""
    return bool(db.session.execute(
        update(Membership).where(Membership.id == membership_id,
                                 Membership.status.in_(MEMBERSHIP.sources(new)))
        .values(status=new).execution_options(synchronize_session="fetch")).rowcount)


def ask(membership: Membership, year: int, actor: str) -> Contribution | None:
    """Open a contribution for a member who has none this year (imported by the
    coordinator); audited. None if the BIN is free."""
    existing = db.session.scalar(select(Contribution.id).where(
        Contribution.membership_id == membership.id, Contribution.year == year))
    row = open_contribution(membership, year)
    if row is not None and existing is None:
        audit(actor, "contribution.open", f"contribution:{row.id}",
              member_id=membership.member_id, year=year, cents=row.amount_cents)
        settle(membership.id)
    return row


@dataclass
class NewYear:
    """What `contribution new-year` did: rows opened, and memberships now payment due."""

    year: int
    opened: int = 0
    due: int = 0
    bins: int = 0


def new_year(year: int, actor: str = "cli") -> NewYear:
    """Open `year`'s contribution for every member of a fee-charging BIN who was asked
    one before (members the coordinator imported and never asked keep "not asked yet"),
    and make them payment due. Idempotent: an existing row is left as it is."""
    report = NewYear(year)
    charging = db.session.scalars(select(Bin).where(Bin.fee_cents > 0)).all()
    report.bins = len(charging)
    for bin_ in charging:
        asked_before = select(Contribution.membership_id).where(Contribution.year < year)
        have = select(Contribution.membership_id).where(Contribution.year == year)
        for membership in db.session.scalars(
                select(Membership).where(Membership.bin_id == bin_.id,
                                         Membership.id.in_(asked_before),
                                         Membership.id.not_in(have))):
            open_contribution(membership, year)
            report.opened += 1
            if _move(membership.id, MembershipStatus.PAYMENT_DUE):
                report.due += 1
    if report.opened:
        audit(actor, "contribution.new_year", f"year:{year}", opened=report.opened,
              due=report.due)
    return report


@dataclass
class Line:
    """One member on the contributions page."""

    membership: Membership
    member: Member
    contribution: Contribution | None

    @property
    def state(self) -> str:
        """'paid', 'due' or 'not_asked' (imported, no contribution row this year)."""
        if self.contribution is None:
            return "not_asked"
        return "paid" if self.contribution.paid_at is not None else "due"


@dataclass
class Overview:
    """A BIN's year: every member's line and the totals the page shows."""

    bin: Bin
    year: int
    lines: list[Line] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for line in self.lines if line.state == state)

    @property
    def received_cents(self) -> int:
        return sum(line.contribution.paid_cents or 0 for line in self.lines
                   if line.state == "paid")

    @property
    def due_cents(self) -> int:
        return sum(line.contribution.amount_cents for line in self.lines
                   if line.state == "due")


def overview(bin_: Bin, year: int) -> Overview:
    """Every member of `bin_` with `year`'s contribution (or none), by name."""
    rows = db.session.execute(
        select(Membership, Member, Contribution)
        .join(Member, Member.id == Membership.member_id)
        .outerjoin(Contribution, (Contribution.membership_id == Membership.id)
                   & (Contribution.year == year))
        .where(Membership.bin_id == bin_.id)
        .order_by(func.lower(Member.name), Member.id)).all()
    return Overview(bin_, year, [Line(*row) for row in rows])


def years(bin_id: int) -> list[int]:
    """The years with contributions in this BIN, newest first (this year always in)."""
    found = set(db.session.scalars(
        select(Contribution.year).join(Membership, Membership.id == Contribution.membership_id)
        .where(Membership.bin_id == bin_id).distinct()))
    return sorted(found | {this_year()}, reverse=True)
