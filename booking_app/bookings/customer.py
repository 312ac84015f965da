"""A customer's details, checked in one place with one set of messages: the wizard's inline
checks and the booking service (``POST /api/bookings`` included) say the same thing."""

from __future__ import annotations

from dataclasses import dataclass

from booking_app import messages
from booking_app.emails import normalise_email
from booking_app.errors import InvalidInput
from booking_app.timezones import validate_timezone

MAX_NAME_LENGTH = 200
MAX_NOTES_LENGTH = 5000


@dataclass(frozen=True)
class CustomerDetails:
    name: str  # inner whitespace collapsed
    email: str  # normalised, lower-case
    notes: str
    timezone: str  # IANA name


def _name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise InvalidInput("name", messages.NAME_REQUIRED)
    if len(clean) > MAX_NAME_LENGTH:
        raise InvalidInput("name", messages.NAME_TOO_LONG)
    return clean


def _notes(notes: str) -> str:
    clean = notes.strip()
    if len(clean) > MAX_NOTES_LENGTH:
        raise InvalidInput("notes", messages.NOTES_TOO_LONG)
    return clean


def problems(name: str, email: str, notes: str) -> dict[str, str]:
    """Field → message for every detail that is not acceptable (empty when all are)."""
    found: dict[str, str] = {}
    for field, check, value in (("name", _name, name), ("email", normalise_email, email), ("notes", _notes, notes)):
        try:
            check(value)
        except InvalidInput as exc:
            found[field] = exc.message
    return found


def clean(name: str, email: str, notes: str, timezone: str) -> CustomerDetails:
    """The details as stored; ``InvalidInput`` naming the first unacceptable field."""
    return CustomerDetails(_name(name), normalise_email(email), _notes(notes), validate_timezone(timezone))
