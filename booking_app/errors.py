"""Domain errors: what went wrong, in words a customer or builder can act on.

Services raise these; the API maps them to HTTP statuses and the UI shows ``message`` in a
callout. Details for engineers go to the log, never into ``message``.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class. ``message`` is safe to show to the person who made the request."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value the user typed is not acceptable; ``field`` names it for inline display."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class Conflict(DomainError):
    """The request was valid but the current state does not allow it (e.g. a taken slot)."""


class SignInRequired(DomainError):
    """Only a signed-in customer may do this (a members-only session type); the API answers 401."""


class Forbidden(DomainError):
    """The acting user may not do this."""


class TooManyRequests(DomainError):
    """A limit that protects others was reached (e.g. too many unpaid holds)."""


class PaymentError(DomainError):
    """The payment provider refused or failed; ``message`` says what the customer can do,
    ``detail`` what the provider said (for logs and the builder's timeline)."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message


class PaymentNotFound(PaymentError):
    """The payment provider has no such object (Stripe's 404 ``resource_missing``)."""


class PaymentUnavailable(PaymentError):
    """The payment provider could not be reached; trying again later can help."""
