"""Web accounts: creating them, checking a password and a second factor.

Passwords are argon2 hashes with the library's default (interactive web) parameters;
the throttle in front of the sign-in (Flask-Limiter) is what stops guessing, the hash
cost is what protects a stolen table. A police role gets a TOTP secret at creation."""

from __future__ import annotations

from collections.abc import Iterable

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from domain.db import db
from domain.models import Bin, Role, WebUser, WebUserBin, audit, utcnow

_hasher = PasswordHasher()
# A hash of nothing anyone types, verified for an unknown e-mail so that a sign-in takes
# as long for an unknown address as for a known one (no account enumeration by timing).
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")
MIN_PASSWORD_CHARS = 12
TOTP_ISSUER = "Buurtlijn"


class UserError(ValueError):
    """A request about web users that cannot be carried out; the message says why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> WebUser | None:
    return db.session.scalar(
        select(WebUser).where(func.lower(WebUser.email) == normalise_email(email)))


def check_password(user: WebUser | None, password: str) -> bool:
    """Whether `password` is the user's; always spends one argon2 verification."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) \
            and user is not None
    except (VerificationError, InvalidHashError):
        return False


def check_totp(user: WebUser, code: str) -> bool:
    """A 6-digit code from the user's authenticator, one 30 s step of clock drift allowed."""
    if not user.totp_secret:
        return False
    digits = "".join(ch for ch in code if ch.isdigit())
    return len(digits) == 6 and pyotp.TOTP(user.totp_secret).verify(digits, valid_window=1)


def provisioning_uri(user: WebUser) -> str:
    """The otpauth:// URI an authenticator app scans (as a QR code) or takes typed."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email,
                                                         issuer_name=TOTP_ISSUER)


def create_user(email: str, role: Role, password: str, bin_codes: Iterable[str] = (),
                name: str | None = None, language: str = "nl",
                actor: str = "cli") -> WebUser:
    """Add a web user; a coordinator needs at least one BIN, police roles get a TOTP secret."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise UserError(f"not an e-mail address: {email!r}")
    if find_user(email) is not None:
        raise UserError(f"a web user {email} exists already")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password must be at least {MIN_PASSWORD_CHARS} characters")
    bins = _bins(bin_codes)
    if role is Role.COORDINATOR and not bins:
        raise UserError("a coordinator needs at least one BIN (--bin CODE)")
    user = WebUser(email=email, name=name, role=role.value, language=language,
                   password_hash=hash_password(password),
                   totp_secret=pyotp.random_base32() if role.is_police else None)
    user.bins = [WebUserBin(bin_id=b.id) for b in bins]
    db.session.add(user)
    db.session.flush()
    audit(actor, "web_user.add", email, role=role.value, bins=[b.code for b in bins])
    return user


def set_bins(user: WebUser, bin_codes: Iterable[str], actor: str) -> None:
    """Replace a user's BINs (a permission change, audited)."""
    bins = _bins(bin_codes)
    user.bins = [WebUserBin(bin_id=b.id) for b in bins]
    audit(actor, "web_user.bins", user.email, bins=[b.code for b in bins])


def deactivate(user: WebUser, actor: str) -> None:
    user.active = False
    audit(actor, "web_user.deactivate", user.email)


def update_user(user: WebUser, role: Role, bin_codes: Iterable[str], language: str,
                actor: str, name: str | None = None) -> list[str]:
    """Change role, BINs, language and name; each permission change audited on its own.

    A user who becomes police gets a fresh TOTP secret to enrol at the next sign-in; one
    who leaves the police roles loses it. BINs only mean something for a coordinator, so
    a police role keeps none. Returns the names of what changed."""
    bins = _bins(bin_codes) if role is Role.COORDINATOR else []
    if role is Role.COORDINATOR and not bins:
        raise UserError("a coordinator needs at least one BIN (--bin CODE)")
    changed = []
    if role.value != user.role:
        audit(actor, "web_user.role", user.email, old=user.role, new=role.value)
        if role.is_police and not user.role_enum.is_police:
            user.totp_secret, user.totp_confirmed_at = pyotp.random_base32(), None
        elif not role.is_police:
            user.totp_secret, user.totp_confirmed_at = None, None
        user.role = role.value
        changed.append("role")
    wanted = {b.id for b in bins}
    if wanted != user.bin_ids:
        # Edited in place: replacing the list would insert a kept BIN's new link before
        # deleting its old one, against the unique (user, BIN) constraint.
        for link in [link for link in user.bins if link.bin_id not in wanted]:
            user.bins.remove(link)
        user.bins.extend(WebUserBin(bin_id=b.id) for b in bins if b.id not in user.bin_ids)
        audit(actor, "web_user.bins", user.email, bins=[b.code for b in bins])
        changed.append("bins")
    other = {"language": language, "name": name}
    edits = {key: value for key, value in other.items() if getattr(user, key) != value}
    for key, value in edits.items():
        setattr(user, key, value)
    if edits:
        audit(actor, "web_user.edit", user.email, **edits)
        changed.extend(edits)
    return changed


def record_sign_in(user: WebUser) -> None:
    user.last_sign_in_at = utcnow()
    if user.role_enum.is_police and user.totp_confirmed_at is None:
        user.totp_confirmed_at = utcnow()
        audit(user.email, "web_user.totp_enrolled", user.email)
    audit(user.email, "web.sign_in", user.email, role=user.role)


def _bins(codes: Iterable[str]) -> list[Bin]:
    codes = list(dict.fromkeys(codes))
    found = db.session.scalars(select(Bin).where(Bin.code.in_(codes))).all() if codes else []
    missing = sorted(set(codes) - {b.code for b in found})
    if missing:
        raise UserError(f"no BIN with code {', '.join(missing)}")
    return sorted(found, key=lambda b: b.code)
