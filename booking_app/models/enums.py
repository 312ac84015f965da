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


class LocationKind(StrEnum):
    """Where a session happens, as its session type says (frozen on each booking)."""

    VIDEO = "video"  # a fixed video-call link
    IN_PERSON = "in_person"  # an address
    PHONE = "phone"  # the builder calls the number the customer gives
    BUILDER_SENDS = "builder_sends"  # the builder sends the details


class Attendance(StrEnum):
    """What the builder says happened at a past session."""

    COMPLETED = "completed"
    NO_SHOW = "no_show"


class StripeEventOutcome(StrEnum):
    PROCESSED = "processed"
    IGNORED = "ignored"


class Actor(StrEnum):
    """Who caused a booking event."""

    CUSTOMER = "customer"
    BUILDER = "builder"
    SYSTEM = "system"  # the app itself: expiry, automatic refunds, retries
    STRIPE = "stripe"  # a payment or refund outcome reported by Stripe


class BookingEventKind(StrEnum):
    """What a ``booking_event`` row says happened (stored as its value)."""

    HELD = "held"  # a paid session's time is held while the customer pays
    CHECKOUT_OPENED = "checkout_opened"
    PAYMENT_PROCESSING = "payment_processing"  # a delayed method (bank transfer) is on its way
    PAYMENT_FAILED = "payment_failed"
    PAID = "paid"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"  # the hold ran out unpaid
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"  # moved to another time, payment and link kept
    ATTENDANCE_MARKED = "attendance_marked"  # the builder marked a past session completed or no-show
    REFUND_REQUESTED = "refund_requested"
    REFUND_SUCCEEDED = "refund_succeeded"
    REFUND_RETRYING = "refund_retrying"
    REFUND_FAILED = "refund_failed"  # refused for good: needs a person
    REFUND_RECONCILED = "refund_reconciled"  # Stripe shows the money already went back
    EMAIL_SENT = "email_sent"
    EMAIL_FAILED = "email_failed"  # refused for good, or out of attempts
    REMINDERS_OFF = "reminders_off"  # the customer followed the link in a reminder


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    DEAD = "dead"
