"""Mail the app wrote: the local mailbox (used instead of SMTP when no ``SMTP_URL`` is set)
and the throttle on "find my bookings"."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from booking_app.models.types import UTCDateTime, utcnow


class MailboxMessage(SQLModel, table=True):
    """One message as it would have gone out (RFC 5322 text, MIME parts and attachments
    included), shown at ``/dev/mailbox`` while the local Stripe emulator is in use."""

    __tablename__ = "mailbox_message"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=255, unique=True)  # the Message-ID header: a resend is stored once
    recipient: str = Field(max_length=320, index=True)
    subject: str = Field(max_length=500)
    booking_id: int | None = Field(default=None, foreign_key="booking.id", index=True, ondelete="SET NULL")
    raw: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class BookingLookup(SQLModel, table=True):
    """A "find my bookings" request, kept for an hour to rate-limit by address and client."""

    __tablename__ = "booking_lookup"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    client_address: str | None = Field(default=None, max_length=64, index=True)
    requested_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
