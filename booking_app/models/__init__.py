"""SQLModel tables (DESIGN.md §3). Importing this package registers every table on
``SQLModel.metadata``, which Alembic compares against."""

from booking_app.models.accounts import AuthSession, Builder, BuilderPhoto, LoginAttempt, SignupRequest, User
from booking_app.models.bookings import Booking, Payment, Refund
from booking_app.models.customers import Customer, CustomerSession, CustomerSignInCode
from booking_app.models.oidc import OidcLogin
from booking_app.models.calendars import BusyTime, CalendarConnection, CalendarFeed, CalendarKind, CalendarWrite
from booking_app.models.enums import (
    Actor,
    Attendance,
    BookingEventKind,
    BookingStatus,
    CancelledBy,
    JobStatus,
    LocationKind,
    PaymentStatus,
    RefundStatus,
    StripeEventOutcome,
)
from booking_app.models.lifecycle import BookingEvent, Job
# Integrations (issue 17): API keys, outgoing webhooks
from booking_app.models.integrations import ApiKey, WebhookDelivery, WebhookEndpoint
from booking_app.models.mail import BookingLookup, MailboxMessage
from booking_app.models.offer import DateOverride, DateOverrideWindow, SessionType, WeeklyWindow
from booking_app.models.stripe_emulator import EmulatorDelivery, EmulatorObject, EmulatorSetting
from booking_app.models.stripe_events import StripeEvent
from booking_app.models.types import UTCDateTime, utcnow

__all__ = [
    "BusyTime",
    "CalendarConnection",
    "CalendarFeed",
    "CalendarKind",
    "CalendarWrite",
    "Actor",
    "Attendance",
    "LocationKind",
    "BookingEvent",
    "BookingLookup",
    "MailboxMessage",
    "BookingEventKind",
    "Job",
    "JobStatus",
    "AuthSession",
    "Booking",
    "BookingStatus",
    "Builder",
    "BuilderPhoto",
    "CancelledBy",
    "DateOverride",
    "DateOverrideWindow",
    "Payment",
    "PaymentStatus",
    "Refund",
    "RefundStatus",
    "SessionType",
    "SignupRequest",
    "StripeEvent",
    "StripeEventOutcome",
    "User",
    "UTCDateTime",
    "WeeklyWindow",
    "EmulatorDelivery",
    "EmulatorObject",
    "EmulatorSetting",
    "LoginAttempt",
    "utcnow",
    # Integrations (issue 17)
    "ApiKey",
    "WebhookDelivery",
    "WebhookEndpoint",
    # Customer accounts (issue 16)
    "Customer",
    "CustomerSession",
    "CustomerSignInCode",
    "OidcLogin",
]
