"""BIN zones: which BIN an address lies in.

SKELETON (issue 13, part "zones"): the interface the join form and the public lookup
use. The zones part replaces the body with forgiving street matching and house-number
ranges; the signature stays."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.db import db
from domain.models import Bin, BinStreet


def find_bin(postcode: str, street: str, house_number: str) -> Bin | None:
    """The BIN whose zone holds this address, or None (outside every zone)."""
    row = db.session.scalar(
        select(BinStreet).where(BinStreet.postcode == postcode.strip(),
                                func.lower(BinStreet.street) == street.strip().lower())
        .limit(1))
    return row.bin if row is not None else None
