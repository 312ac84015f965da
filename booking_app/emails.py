"""E-mail addresses as the app accepts them (a leaf module: customers, builders and the
booking services all use it)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from booking_app.errors import InvalidInput
from booking_app.messages import EMAIL_INVALID

EMAIL_REQUIRED = "Please enter your e-mail address."


def normalise_email(email: str) -> str:
    """Validated, lower-cased address (no DNS lookups); ``InvalidInput`` on a bad address."""
    if not email.strip():
        raise InvalidInput("email", EMAIL_REQUIRED)
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput("email", EMAIL_INVALID) from exc
