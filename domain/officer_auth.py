"""Who may use the recording line: officer number + PIN, throttled per officer and caller.

Rules (issue #4): a PIN has at least 6 digits and is checked against its argon2 hash;
after 5 failures within 15 minutes for an officer number *or* from a calling number,
that officer number or calling number is locked for 15 minutes. An officer may be bound
to known calling numbers (`Officer.allowed_callers`). Every success, failure and lock is
audited; no PIN ever reaches a log or the audit details.

Failures are counted per officer *number as keyed*, whether or not such an officer
exists, so the line answers the same for a real and an invented number; for the same
reason an unknown number still pays for one hash verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select

from domain.db import db
from domain.models import AuthFailure, Lockout, Officer, audit, utcnow
from domain.pins import hash_pin, verify_pin

MIN_PIN_LENGTH = 6
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)

_DUMMY_HASH: str | None = None

Outcome = Literal["ok", "wrong", "locked"]


@dataclass(frozen=True)
class AuthResult:
    outcome: Outcome
    officer: Officer | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_pin("000000000000")
    return _DUMMY_HASH


def is_locked(kind: str, subject: str | None, now: datetime | None = None) -> bool:
    """True while a lockout of this officer number or calling number runs."""
    if not subject:
        return False
    now = now or utcnow()
    query = select(Lockout.id).where(Lockout.kind == kind, Lockout.subject == subject,
                                     Lockout.until > now).limit(1)
    return db.session.scalar(query) is not None


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
    allowed = {n.strip() for n in officer.allowed_callers.split(",") if n.strip()}
    return caller in allowed


def authenticate(number: str, pin: str, caller: str | None, call_sid: str = "") -> AuthResult:
    """Check officer number + PIN from `caller`; count, lock and audit as the rules say."""
    now = utcnow()
    actor = f"caller:{caller}"
    subject = f"officer:{number}"
    if is_locked("caller", caller, now) or is_locked("officer", number, now):
        audit(actor, "auth.refused_locked", subject, call_sid=call_sid)
        return AuthResult("locked")

    officer = db.session.scalar(select(Officer).where(Officer.number == number,
                                                      Officer.active.is_(True)))
    reason = _failure_reason(officer, pin, caller)
    if reason is None:
        assert officer is not None
        officer.failed_attempts = 0
        audit(actor, "auth.success", subject, call_sid=call_sid)
        return AuthResult("ok", officer)

    db.session.add(AuthFailure(officer_number=number, caller=caller, at=now))
    if officer is not None:
        officer.failed_attempts = (officer.failed_attempts or 0) + 1
    audit(actor, "auth.failure", subject, call_sid=call_sid, reason=reason)
    db.session.flush()
    locked = _lock_if_needed("officer", number, AuthFailure.officer_number, now, actor, call_sid)
    locked |= _lock_if_needed("caller", caller, AuthFailure.caller, now, actor, call_sid)
    if locked and officer is not None and is_locked("officer", number, now):
        officer.locked_until = now + LOCK_DURATION
    return AuthResult("locked" if locked else "wrong")


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


def _lock_if_needed(kind: str, subject: str | None, column, now: datetime, actor: str,
                    call_sid: str) -> bool:
    """Lock `subject` when it reached MAX_FAILURES within the window; True if locked now."""
    if not subject:
        return False
    since = now - FAILURE_WINDOW
    failures = db.session.scalar(
        select(func.count()).select_from(AuthFailure).where(column == subject,
                                                            AuthFailure.at > since))
    if failures < MAX_FAILURES:
        return False
    db.session.add(Lockout(kind=kind, subject=subject, until=now + LOCK_DURATION))
    audit(actor, "auth.lock", f"{kind}:{subject}", call_sid=call_sid, failures=failures,
          until=(now + LOCK_DURATION).isoformat())
    return True
