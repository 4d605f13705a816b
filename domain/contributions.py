"""The yearly contribution: a structured communication per member and year, and the EPC
QR payload Belgian banking apps scan to fill in the transfer.

The reference is the year (2 digits) and the membership's id (8 digits) with the mod-97
check digits (python-stdnum), so it is unique per membership and year without a lookup,
and a bank statement line names its contribution by itself."""

from __future__ import annotations

from sqlalchemy import select
from stdnum import iban as iban_number
from stdnum.be import ogm_vcs

from domain.db import db
from domain.models import Bin, Contribution, Membership


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
    reference): what a banking app reads to fill in beneficiary, IBAN, amount, reference."""
    beneficiary = (bin_.name or "BIN")[:70]
    lines = [
        "BCD", "002", "1", "SCT",
        (bin_.bic or "").strip().upper(),
        beneficiary,
        iban_number.compact(bin_.iban or ""),
        f"EUR{contribution.amount_cents / 100:.2f}",
        "",  # purpose
        contribution.reference,  # structured creditor reference: the 12 digits
        "",  # unstructured remittance (empty when a structured one is given)
    ]
    return "\n".join(lines)



def epc_qr_png(bin_: Bin, contribution: Contribution, scale: int = 5) -> bytes:
    """The EPC payload as a PNG QR code (error correction M, as EPC069-12 requires)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(epc_payload(bin_, contribution), error="m", micro=False).save(
        buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
