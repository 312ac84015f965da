"""Password hashing with Argon2id (argon2-cffi's recommended parameters).

Hashing deliberately takes tens of milliseconds; callers on the event loop must run these
functions in a worker thread (``asyncio.to_thread``).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


def check_password_strength(password: str) -> None:
    """Raise ``ValueError`` with a message for the user if ``password`` is too weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Use at least {MIN_PASSWORD_LENGTH} characters for the password.")
    if len(password) > 1024:
        raise ValueError("Use at most 1024 characters for the password.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches; False for a wrong password or a malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
