"""BINs as the police admin keeps them: add, edit, and the overview with who runs each.

The same rules as `bin add` / `bin edit` on the command line: a code of 1 to 4 digits
that is not 0 (0 selects all BINs on the recording line), unique; every change audited
with the fields that changed, so the audit log says who turned callback replay off."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from stdnum import bic as bic_number
from stdnum import iban as iban_number
from stdnum.exceptions import ValidationError

from domain.db import db
from domain.models import Bin, Membership, Role, WebUser, WebUserBin, audit
from domain.officer_admin import FieldError, mask_number

EDITABLE = ("name", "municipality", "coordinator_name", "coordinator_email",
            "coordinator_phone", "callback_replay", "fee_cents", "iban", "bic",
            "monthly_budget_cents")
# A yearly contribution above this is a typo (a BIN asks a few euro), not a fee.
MAX_FEE_CENTS = 500_00
MAX_BUDGET_CENTS = 100_000_00  # a month's calls (domain.costs); more is a typo


class BinError(FieldError):
    """A BIN change that cannot be made."""


@dataclass
class BinRow:
    """One line of the overview: the BIN, its member count and its coordinator accounts."""

    bin: Bin
    members: int
    coordinators: list[WebUser] = field(default_factory=list)


def code_problem(code: str) -> str | None:
    """Why `code` cannot be a new BIN's code ('format', 'zero', 'taken'), or None."""
    if not re.fullmatch(r"[0-9]{1,4}", code or ""):
        return "format"
    if code.lstrip("0") == "":
        return "zero"
    if db.session.scalar(select(Bin.id).where(Bin.code == code)) is not None:
        return "taken"
    return None


def add_bin(code: str, name: str, actor: str, **fields: object) -> Bin:
    """Store a new BIN (not committed); audited as `bin.add`."""
    problem = code_problem(code)
    if problem:
        raise BinError("code", problem)
    if not (name or "").strip():
        raise BinError("name", "empty")
    values = {key: value for key, value in fields.items() if key in EDITABLE}
    values.update(_payment(values, None))
    row = Bin(code=code, name=name.strip(), **values)
    db.session.add(row)
    db.session.flush()
    audit(actor, "bin.add", f"bin:{code}", name=row.name,
          **_plain({key: value for key, value in values.items() if value is not None}))
    return row


def edit_bin(row: Bin, actor: str, **fields: object) -> dict[str, object]:
    """Apply the fields that differ; audited as `bin.edit` with exactly those changes."""
    if "name" in fields and not str(fields["name"] or "").strip():
        raise BinError("name", "empty")
    fields = {**fields, **_payment(fields, row)}
    changes = {key: value for key, value in fields.items()
               if key in EDITABLE and getattr(row, key) != value}
    for key, value in changes.items():
        setattr(row, key, value)
    if changes:
        audit(actor, "bin.edit", f"bin:{row.code}", **_plain(changes))
    return changes


def parse_budget(text: str | int | None) -> int | None:
    """A monthly budget for calls in euro, as `parse_fee` reads it; empty: no budget."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        cents = parse_fee(text, limit=MAX_BUDGET_CENTS)
    except BinError as exc:
        raise BinError("monthly_budget_cents", exc.reason) from None
    return cents


def parse_fee(text: str | int | None, limit: int = MAX_FEE_CENTS) -> int:
    """Euro as people type them (`5`, `7.50`, `7,50`, `€ 5`) in cents; BinError('fee', ...)."""
    if isinstance(text, int):
        cents = text
    else:
        cleaned = (text or "").strip().replace("€", "").replace("EUR", "").strip()
        match = re.fullmatch(r"(-?)([0-9]{1,6})(?:[.,]([0-9]{1,2}))?", cleaned)
        if not match:
            raise BinError("fee", "format")
        sign, euro, cents_text = match.groups()
        cents = int(euro) * 100 + int((cents_text or "0").ljust(2, "0"))
        cents = -cents if sign else cents
    if cents < 0:
        raise BinError("fee", "negative")
    if cents > limit:
        raise BinError("fee", "too_high")
    return cents


def _payment(fields: dict[str, object], row: Bin | None) -> dict[str, object]:
    """The fee, IBAN and BIC among `fields`, checked and normalised (IBAN and BIC compact,
    empty text None); a fee needs an account to be paid to."""
    out: dict[str, object] = {}
    if "fee_cents" in fields:
        out["fee_cents"] = parse_fee(fields["fee_cents"] if fields["fee_cents"] is not None
                                     else 0)
    if "monthly_budget_cents" in fields:
        out["monthly_budget_cents"] = parse_budget(fields["monthly_budget_cents"])  # type: ignore[arg-type]
    if "iban" in fields:
        out["iban"] = _checked(fields["iban"], iban_number, "iban")
    if "bic" in fields:
        out["bic"] = _checked(fields["bic"], bic_number, "bic")
    fee = out.get("fee_cents", row.fee_cents if row is not None else 0)
    account = out.get("iban", row.iban if row is not None else None)
    if fee and not account:
        raise BinError("iban", "needed")
    return out


def _checked(value: object, module, name: str) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return module.validate(text)
    except ValidationError:
        raise BinError(name, "invalid") from None


def overview() -> list[BinRow]:
    """Every BIN by code with its member count and active coordinator web users."""
    counts = dict(db.session.execute(
        select(Membership.bin_id, func.count()).group_by(Membership.bin_id)).all())
    rows = {b.id: BinRow(b, counts.get(b.id, 0))
            for b in db.session.scalars(select(Bin).order_by(Bin.code))}
    links = db.session.execute(
        select(WebUserBin.bin_id, WebUser).join(WebUser, WebUser.id == WebUserBin.user_id)
        .where(WebUser.role == Role.COORDINATOR.value, WebUser.active.is_(True))
        .order_by(WebUser.email)).all()
    for bin_id, user in links:
        if bin_id in rows:
            rows[bin_id].coordinators.append(user)
    return list(rows.values())


def _plain(values: dict[str, object]) -> dict[str, object]:
    """Audit details without phone numbers in full (the audit log is read widely)."""
    return {key: mask_number(str(value)) if key == "coordinator_phone" and value else value
            for key, value in values.items()}
