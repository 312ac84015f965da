"""Lifecycle states. Stored as their string values; transitions live in the services."""

from enum import StrEnum


class BookingStatus(StrEnum):
    """``pending_payment`` (a hold) → ``confirmed`` | ``expired`` | ``cancelled``;
    ``confirmed`` → ``cancelled``."""

    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @classmethod
    def active(cls) -> tuple["BookingStatus", ...]:
        """Statuses that occupy time on the builder's calendar."""
        return (cls.PENDING_PAYMENT, cls.CONFIRMED)


class PaymentStatus(StrEnum):
    """One Checkout attempt: ``open`` → ``processing`` (delayed methods) → ``paid`` |
    ``failed`` | ``expired``; ``paid`` → ``partially_refunded`` → ``refunded``."""

    OPEN = "open"
    PROCESSING = "processing"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class RefundStatus(StrEnum):
    """Mirrors Stripe's refund statuses."""

    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class CancelledBy(StrEnum):
    BUILDER = "builder"
    CUSTOMER = "customer"
    SYSTEM = "system"  # e.g. a late payment for a slot someone else took


class StripeEventOutcome(StrEnum):
    PROCESSED = "processed"
    IGNORED = "ignored"
