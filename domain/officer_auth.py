"""Who may use the recording line: officer number + PIN, throttled so nobody can lock it.

Rules (issue #4, hardened in issue #10): a PIN has at least 6 digits and is checked
against its argon2 hash. Each throttled subject has a budget of MAX_FAILURES failures
within FAILURE_WINDOW; the failure that spends it locks that subject for LOCK_DURATION.
The subjects (`Lockout.kind`):

* `officer:N` - officer number N keyed from any number *not* bound to it;
* `bound:N`   - officer number N keyed from one of its `allowed_callers`;
* `caller:C`  - calling number C, whatever officer number it keys.

So an attacker gets at most MAX_FAILURES guesses per officer per window, and an officer
bound to their own phones is never locked out by failures from other numbers (those
spend `officer:N`, from which a bound officer cannot sign in anyway).

Why reserve before checking: counting failures and then verifying the PIN lets 50
parallel calls all pass the count before any failure is written. Instead a failure row
is written first, under a per-subject lock (`AuthGuard`, an UPDATE that holds a row lock
on PostgreSQL and the write lock on SQLite), and committed; the PIN is verified after
that, outside the lock, and the row is removed again only if the PIN was right. The
budget therefore holds across threads and web processes, and without Redis. A process
that dies mid-check leaves its reservation counted as a failure: it fails closed.

Failures are counted per officer *number as keyed*, whether or not such an officer
exists, so the line answers the same for a real and an invented number; for the same
reason an unknown number still pays for one hash verification. Every success, failure,
refusal and lock is audited; no PIN ever reaches a log or the audit details.

Time comes from `now()`: `AUTH_CLOCK` in the app config (a callable returning an aware
UTC datetime) when set, so tests can drive the window without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from flask import current_app
from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from domain.db import db
from domain.models import AuthFailure, AuthGuard, Lockout, Officer, audit, utcnow
from domain.pins import hash_pin, verify_pin

MIN_PIN_LENGTH = 6
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)

_DUMMY_HASH: str | None = None

Outcome = Literal["ok", "wrong", "locked"]
Subject = tuple[str, str]  # (kind, subject): ("officer", "4711"), ("caller", "+32...")


@dataclass(frozen=True)
class AuthResult:
    outcome: Outcome
    officer: Officer | None = None


def now() -> datetime:
    """The time the throttle reads: `AUTH_CLOCK` when configured, else the real clock."""
    clock = current_app.config.get("AUTH_CLOCK")
    return clock() if clock is not None else utcnow()


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_pin("000000000000")
    return _DUMMY_HASH


def active_locks(kind: str, subject: str | None, at: datetime | None = None) -> list[Lockout]:
    """The locks of this subject that still run (not expired, not lifted)."""
    if not subject:
        return []
    at = at or now()
    return list(db.session.scalars(select(Lockout).where(
        Lockout.kind == kind, Lockout.subject == subject, Lockout.until > at,
        Lockout.lifted_at.is_(None))))


def is_locked(kind: str, subject: str | None, at: datetime | None = None) -> bool:
    """True while a lockout of this subject runs."""
    return bool(active_locks(kind, subject, at))


def caller_locked(caller: str | None, call_sid: str = "") -> bool:
    """Checked when the call comes in: a locked number hears that, and nothing more."""
    if not is_locked("caller", caller):
        return False
    audit(f"caller:{caller}", "auth.refused_locked", f"caller:{caller}", call_sid=call_sid)
    return True


def caller_allowed(officer: Officer, caller: str | None) -> bool:
    """An officer bound to calling numbers may only sign in from one of them."""
    if not officer.allowed_callers:
        return True
    return caller in bound_callers(officer)


def bound_callers(officer: Officer) -> list[str]:
    return [n.strip() for n in (officer.allowed_callers or "").split(",") if n.strip()]


def authenticate(number: str, pin: str, caller: str | None, call_sid: str = "",
                 at: datetime | None = None) -> AuthResult:
    """Check officer number + PIN from `caller`; reserve, count, lock and audit.

    Commits: the reserved guess must be visible to every other process before the PIN
    is checked, and the guard locks must not be held while argon2 runs.
    """
    at = at or now()
    actor = f"caller:{caller}"
    subject = f"officer:{number}"
    officer = db.session.scalar(select(Officer).where(Officer.number == number,
                                                      Officer.active.is_(True)))
    bound = officer is not None and bool(officer.allowed_callers) and caller_allowed(
        officer, caller)
    subjects = _subjects(number, caller, bound)
    reserved = _reserve(subjects, number, caller, bound, at)
    if reserved is None:
        audit(actor, "auth.refused_locked", subject, call_sid=call_sid)
        db.session.commit()
        return AuthResult("locked")

    reason = _failure_reason(officer, pin, caller)
    if reason is None:
        assert officer is not None
        db.session.execute(delete(AuthFailure).where(AuthFailure.id == reserved))
        audit(actor, "auth.success", subject, call_sid=call_sid)
        db.session.commit()
        return AuthResult("ok", officer)

    audit(actor, "auth.failure", subject, call_sid=call_sid, reason=reason)
    locked = _lock_if_spent(subjects, at, actor, call_sid)
    db.session.commit()
    return AuthResult("locked" if locked else "wrong")


def _subjects(number: str, caller: str | None, bound: bool) -> list[Subject]:
    subjects: list[Subject] = [("bound" if bound else "officer", number)]
    if caller:
        subjects.append(("caller", caller))
    return subjects


def _take_guards(subjects: list[Subject], at: datetime) -> None:
    """Hold every subject's guard row until the transaction ends (sorted: no deadlock)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    for key in sorted(f"{kind}:{subject}" for kind, subject in subjects):
        upsert = dialect.insert(AuthGuard).values(key=key, touched_at=at)
        db.session.execute(upsert.on_conflict_do_update(
            index_elements=[AuthGuard.key], set_={"touched_at": upsert.excluded.touched_at}))


def failures(kind: str, subject: str, at: datetime | None = None) -> int:
    """Failures (and guesses being checked) of this subject within the window."""
    since = (at or now()) - FAILURE_WINDOW
    return db.session.scalar(select(func.count()).select_from(AuthFailure).where(
        AuthFailure.at > since, _failures_of(kind, subject))) or 0


def _failures_of(kind: str, subject: str) -> ColumnElement[bool]:
    """The failure rows that spend this subject's budget."""
    if kind == "caller":
        return AuthFailure.caller == subject
    return and_(AuthFailure.officer_number == subject, AuthFailure.bound.is_(kind == "bound"))


def _reserve(subjects: list[Subject], number: str, caller: str | None, bound: bool,
             at: datetime) -> int | None:
    """Spend one guess of every subject's budget, atomically; None when one is spent.

    The guards are held from the count to the commit of the reservation, so no two
    sign-ins can both see the last free guess."""
    _take_guards(subjects, at)
    for kind, subject in subjects:
        if is_locked(kind, subject, at) or failures(kind, subject, at) >= MAX_FAILURES:
            return None
    row = AuthFailure(officer_number=number, caller=caller, bound=bound, at=at)
    db.session.add(row)
    db.session.commit()
    return row.id


def _failure_reason(officer: Officer | None, pin: str, caller: str | None) -> str | None:
    """Why this sign-in fails (for the audit log), or None when it succeeds."""
    if officer is None:
        verify_pin(_dummy_hash(), pin)  # same cost as a real check
        return "unknown_officer"
    if len(pin) < MIN_PIN_LENGTH or not pin.isdigit():
        verify_pin(_dummy_hash(), pin)
        return "malformed_pin"
    if not verify_pin(officer.pin_hash, pin):
        return "wrong_pin"
    if not caller_allowed(officer, caller):
        return "caller_not_allowed"
    return None


def _lock_if_spent(subjects: list[Subject], at: datetime, actor: str, call_sid: str) -> bool:
    """Lock each subject whose budget this failure spent; True if any subject is locked."""
    _take_guards(subjects, at)
    locked = False
    for kind, subject in subjects:
        if is_locked(kind, subject, at):
            locked = True  # a concurrent failure locked it first
            continue
        spent = failures(kind, subject, at)
        if spent < MAX_FAILURES:
            continue
        until = at + LOCK_DURATION
        db.session.add(Lockout(kind=kind, subject=subject, until=until, created_at=at))
        audit(actor, "auth.lock", f"{kind}:{subject}", call_sid=call_sid, failures=spent,
              until=until.isoformat())
        locked = True
    return locked


def lift(subjects: list[Subject], by: str, at: datetime | None = None) -> list[Lockout]:
    """End the running locks of these subjects and forget their failures in the window.

    Forgetting the failures matters: otherwise the next mistake after an unlock would
    find a spent budget and lock again at once. The audit log keeps every failure."""
    at = at or now()
    _take_guards(subjects, at)
    lifted: list[Lockout] = []
    for kind, subject in subjects:
        for lock in active_locks(kind, subject, at):
            lock.lifted_at, lock.lifted_by = at, by
            lifted.append(lock)
            audit(by, "auth.unlock", f"{kind}:{subject}", lock_id=lock.id,
                  until=lock.until.isoformat())
        db.session.execute(delete(AuthFailure).where(
            AuthFailure.at > at - FAILURE_WINDOW, _failures_of(kind, subject)))
    return lifted
