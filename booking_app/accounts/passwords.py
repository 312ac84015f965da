"""Password rules and hashing.

Hashing is Argon2id with OWASP's recommended profile (Password Storage Cheat Sheet: m=19 MiB,
t=2, p=1), about 20 ms per hash on a 2-core machine — a fifth of argon2-cffi's default
(RFC 9106 low-memory: 64 MiB, t=3, p=4), which made sign-ins take seconds under load. Hashes
made with other parameters still verify; ``needs_rehash`` tells the sign-in to store a new one.
Callers on the event loop must run these functions in a worker thread (``asyncio.to_thread``).

Strength is judged by zxcvbn (Dropbox's estimator: common passwords, dictionary words,
repeats, sequences, keyboard patterns, dates, and the user's own name / e-mail / address),
refusing anything it scores below 3 of 4 ("safely unguessable: moderate protection from an
offline slow-hash scenario").
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
MIN_ZXCVBN_SCORE = 3
# OWASP: "Use Argon2id with a minimum configuration of 19 MiB of memory, an iteration count
# of 2, and 1 degree of parallelism."
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# zxcvbn's cost grows with the length; past this it only matters that the password is long.
_ZXCVBN_MAX_CHARS = 100


def check_password_strength(password: str, *, user_inputs: tuple[str, ...] = ()) -> None:
    """Raise ``ValueError`` with a message for the user if ``password`` is too weak.

    ``user_inputs`` are the account's own words (e-mail, name, booking address): a password
    made of them is easy to guess for anyone who knows the account.

    >>> check_password_strength("correct horse battery")
    >>> check_password_strength("password12")
    Traceback (most recent call last):
    ...
    ValueError: This password is too easy to guess: this is a very common password. Add another word or two. Uncommon words are better.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Use at least {MIN_PASSWORD_LENGTH} characters for the password.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"Use at most {MAX_PASSWORD_LENGTH} characters for the password.")
    inputs = [part for value in user_inputs for part in _words_of(value)]
    result = zxcvbn(password[:_ZXCVBN_MAX_CHARS], user_inputs=inputs)
    if result["score"] < MIN_ZXCVBN_SCORE:
        warning = result["feedback"]["warning"].rstrip(".")
        why = f": {warning[:1].lower()}{warning[1:]}." if warning else "."
        advice = " ".join(result["feedback"]["suggestions"]) or "Add another word or two. Uncommon words are better."
        raise ValueError(f"This password is too easy to guess{why} {advice}")


def _words_of(value: str) -> list[str]:
    """The whole value, run together, and its parts.

    >>> _words_of("Ada Lovelace")
    ['ada lovelace', 'adalovelace', 'ada', 'lovelace']
    """
    value = value.strip().lower()
    parts = [part for part in value.replace("@", " ").replace(".", " ").replace("-", " ").split() if len(part) > 2]
    return [value, "".join(value.split()), *parts] if value else parts


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches; False for a wrong password or a malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True if the hash was made with other parameters than today's (rehash after a sign-in)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
