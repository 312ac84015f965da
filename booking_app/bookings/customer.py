"""A customer's details, checked in one place with one set of messages: the wizard's inline
checks and the booking service (``POST /api/bookings`` included) say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import phonenumbers

from booking_app import messages
from booking_app.emails import normalise_email
from booking_app.errors import InvalidInput
from booking_app.text import refuse_control_characters
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
    clean = " ".join(refuse_control_characters(name, "name").split())
    if not clean:
        raise InvalidInput("name", messages.NAME_REQUIRED)
    if len(clean) > MAX_NAME_LENGTH:
        raise InvalidInput("name", messages.NAME_TOO_LONG)
    return clean


def _notes(notes: str) -> str:
    clean = refuse_control_characters(notes, "notes").strip()
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


def clean_phone(text: str, timezone: str) -> str:
    """A phone number the builder can call, in E.164 (``+442079460958``). Without a country
    code it is read as a number of the country of the customer's time zone.

    >>> clean_phone("020 7946 0958", "Europe/London"), clean_phone("+1 415 555 2671", "Asia/Tokyo")
    ('+442079460958', '+14155552671')
    """
    text = " ".join(text.split())
    if not text:
        raise InvalidInput("phone", messages.PHONE_REQUIRED)
    if len(text) > 40:
        raise InvalidInput("phone", messages.PHONE_INVALID)
    try:
        number = phonenumbers.parse(text, _country_of_zone().get(timezone))
    except phonenumbers.NumberParseException:
        raise InvalidInput("phone", messages.PHONE_INVALID) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("phone", messages.PHONE_INVALID)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """``+442079460958`` → ``+44 20 7946 0958``, for people to read."""
    return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@cache
def _country_of_zone() -> dict[str, str]:
    """IANA zone → ISO country code, from tzdata's ``zone.tab`` (a zone of one country)."""
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return {row[2]: row[0] for row in rows if len(row) >= 3}
