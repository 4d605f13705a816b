"""BIN zones: which BIN an address lies in.

SKELETON (issue 13, part "zones"): the interface the join form and the public lookup
use. The zones part replaces the bodies with forgiving street matching and house-number
ranges; the signatures stay."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.db import db
from domain.models import Bin, BinStreet


def find_bins(postcode: str, street: str, house_number: str) -> list[Bin]:
    """Every BIN whose zone holds this address (two on a shared buffer street), by code;
    empty outside every zone."""
    rows = db.session.scalars(
        select(Bin).join(BinStreet)
        .where(BinStreet.postcode == postcode.strip(),
               func.lower(BinStreet.street) == street.strip().lower())
        .distinct().order_by(Bin.code))
    return list(rows)


def find_bin(postcode: str, street: str, house_number: str) -> Bin | None:
    """The BIN of this address (the first by code on a shared street), or None."""
    found = find_bins(postcode, street, house_number)
    return found[0] if found else None
