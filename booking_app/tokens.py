"""Unguessable public identifiers."""

import secrets

BOOKING_TOKEN_BYTES = 32  # 256 random bits; the brief asks for at least 128


def new_booking_token() -> str:
    """A URL-safe token for a booking's private link (/booking/<token>).

    >>> len(new_booking_token())
    43
    """
    return secrets.token_urlsafe(BOOKING_TOKEN_BYTES)
