"""PINs are stored only as argon2 hashes."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Interactive-login parameters, lighter than the library default: a sign-in happens
# inside a live phone call, and the lockout (not the hash cost) is what stops guessing.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_pin(pin: str) -> str:
    return _hasher.hash(pin)


def verify_pin(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
