"""Officers as the police admin keeps them: add, new PIN, deactivate, lift lockouts.

The same rules as `officer add|set-pin|unlock|deactivate`: a PIN has 6 to 12 digits and
is stored only as its argon2 hash (domain.pins); lifting a lock goes through
`officer_auth.lift`, which also forgets the failures in the window, so an unlocked
officer has a full budget again. PINs that anyone would try first (one digit repeated,
a run like 123456) are refused here, since the web form, unlike a script, is typed by
a person who may pick the obvious one."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from domain import officer_auth
from domain.db import db
from domain.models import Lockout, Officer, audit
from domain.pins import hash_pin

GENERATED_PIN_DIGITS = 8
LOCK_KINDS = ("officer", "bound")


class FieldError(ValueError):
    """An admin change that cannot be made: the form field it concerns and a stable
    `reason` key the web app translates (ivr.web.admin_forms.REASONS)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field, self.reason = field_name, reason


class OfficerError(FieldError):
    """An officer change that cannot be made."""


@dataclass
class OfficerRow:
    """One line of the overview: the officer, failures in the window, running locks."""

    officer: Officer
    failures: int
    locks: list[Lockout] = field(default_factory=list)


def mask_number(number: str) -> str:
    """A phone number with its middle hidden: enough to recognise, not to call."""
    if len(number) <= 6:
        return "•" * len(number)
    return number[:5] + "•" * (len(number) - 7) + number[-2:]


def pin_problem(pin: str) -> str | None:
    """Why `pin` may not be a PIN ('format', 'weak'), or None."""
    if not re.fullmatch(r"[0-9]{6,12}", pin or ""):
        return "format"
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(set(pin)) == 1 or steps in ({1}, {-1}):
        return "weak"
    return None


def generate_pin() -> str:
    """A random PIN, shown to the admin once and never stored in clear."""
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(GENERATED_PIN_DIGITS))
        if pin_problem(pin) is None:
            return pin


def number_problem(number: str) -> str | None:
    """Why `number` cannot be a new officer's number ('format', 'taken'), or None."""
    if not re.fullmatch(r"[0-9]{1,12}", number or ""):
        return "format"
    if db.session.scalar(select(Officer.id).where(Officer.number == number)) is not None:
        return "taken"
    return None


def add_officer(number: str, name: str, pin: str, actor: str,
                phone: str | None = None) -> Officer:
    """Store a new officer with the PIN's hash (not committed); audited as `officer.add`."""
    problem = number_problem(number)
    if problem:
        raise OfficerError("number", problem)
    if not (name or "").strip():
        raise OfficerError("name", "empty")
    _check_pin(pin)
    officer = Officer(number=number, name=name.strip(), pin_hash=hash_pin(pin), phone=phone)
    db.session.add(officer)
    db.session.flush()
    audit(actor, "officer.add", f"officer:{number}", name=officer.name)
    return officer


def set_pin(officer: Officer, pin: str, actor: str) -> None:
    """Replace the officer's PIN (its hash); audited without the PIN."""
    _check_pin(pin)
    officer.pin_hash = hash_pin(pin)
    audit(actor, "officer.set_pin", f"officer:{officer.number}")


def deactivate(officer: Officer, actor: str) -> bool:
    """The officer may no longer sign in; False when they were inactive already."""
    if not officer.active:
        return False
    officer.active = False
    audit(actor, "officer.deactivate", f"officer:{officer.number}", name=officer.name)
    return True


def unlock(officer: Officer, actor: str, at: datetime | None = None) -> list[Lockout]:
    """Lift the officer's locks (and those of their own phones); failures forgotten."""
    subjects = [(kind, officer.number) for kind in LOCK_KINDS]
    subjects += [("caller", phone) for phone in officer_auth.bound_callers(officer)]
    lifted = officer_auth.lift(subjects, actor, at)
    audit(actor, "officer.unlock", f"officer:{officer.number}", lifted=len(lifted))
    return lifted


def unlock_caller(lock: Lockout, actor: str, at: datetime | None = None) -> list[Lockout]:
    """Lift the lock of one calling number (a caller lockout)."""
    return officer_auth.lift([("caller", lock.subject)], actor, at)


def overview(at: datetime | None = None) -> list[OfficerRow]:
    """Every officer by number with failed attempts in the window and running locks."""
    at = at or officer_auth.now()
    rows = []
    for officer in db.session.scalars(select(Officer).order_by(Officer.number)):
        spent = officer_auth.failures("officer", officer.number, at)
        if officer.allowed_callers:
            spent += officer_auth.failures("bound", officer.number, at)
        locks = [lock for kind in LOCK_KINDS
                 for lock in officer_auth.active_locks(kind, officer.number, at)]
        rows.append(OfficerRow(officer, spent, locks))
    return rows


def caller_locks(at: datetime | None = None) -> list[Lockout]:
    """Calling numbers locked now, soonest to expire first."""
    at = at or officer_auth.now()
    return list(db.session.scalars(select(Lockout).where(
        Lockout.kind == "caller", Lockout.until > at, Lockout.lifted_at.is_(None))
        .order_by(Lockout.until)))


def _check_pin(pin: str) -> None:
    problem = pin_problem(pin)
    if problem:
        raise OfficerError("pin", problem)
