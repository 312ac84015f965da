"""Credentials at rest: Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``.

The key is ``ENCRYPTION_KEY``; without it, a key generated once into ``.encryption-key`` in
the project folder (created atomically, readable by its owner only), so that a newcomer's app
works — a deployment on several machines must set ``ENCRYPTION_KEY`` on all of them.
"""

from __future__ import annotations

import json
import logging
import os
from functools import cache

from cryptography.fernet import Fernet, InvalidToken

from booking_app.settings import PROJECT_ROOT, get_settings

log = logging.getLogger(__name__)
KEY_FILE = PROJECT_ROOT / ".encryption-key"


class UnreadableSecret(Exception):
    """Stored with another key (``ENCRYPTION_KEY`` changed): the builder must enter it again."""


def seal(values: dict[str, str]) -> str:
    return _fernet(_key()).encrypt(json.dumps(values).encode()).decode()


def unseal(token: str) -> dict[str, str]:
    try:
        return json.loads(_fernet(_key()).decrypt(token.encode()))
    except InvalidToken:
        raise UnreadableSecret("stored with another encryption key") from None


def _key() -> bytes:
    configured = get_settings().encryption_key
    if configured is not None and configured.get_secret_value().strip():
        return configured.get_secret_value().strip().encode()
    return _local_key()


@cache
def _fernet(key: bytes) -> Fernet:
    return Fernet(key)


@cache
def _local_key() -> bytes:
    """The local key file's key, creating it the first time: written to a file of its own,
    then linked into place, so a second worker starting at the same moment reads a whole key
    (the link fails for all but one)."""
    if KEY_FILE.exists():
        return KEY_FILE.read_bytes().strip()
    temporary = KEY_FILE.with_name(f"{KEY_FILE.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(Fernet.generate_key())
    try:
        os.link(temporary, KEY_FILE)
        log.warning("ENCRYPTION_KEY is not set: generated %s; set ENCRYPTION_KEY when running on several machines",
                    KEY_FILE)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return KEY_FILE.read_bytes().strip()
