"""Bookings and the money around them: Checkout attempts (payments) and refunds.

A booking is kept apart from its payment attempts (one per Checkout Session), so an abandoned
checkout followed by a retry, a late payment or a partial refund are all plain rows.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from booking_app.models.enums import Attendance, BookingStatus, CancelledBy, LocationKind, PaymentStatus, RefundStatus
from booking_app.models.offer import DEFAULT_REFUND_TIERS_JSON, default_refund_tiers
from booking_app.models.types import UTCDateTime, enum_column, utcnow

# The statuses that occupy calendar time, as SQL for partial indexes and the exclusion guard.
ACTIVE_BOOKING_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in BookingStatus.active()))


class Booking(SQLModel, table=True):
    """A customer's claim on a builder's time: a hold while unpaid, then confirmed.

    Double bookings are refused by the database itself, not only by the service:

    * ``occupancy_key`` names what a booking occupies: for a one-to-one session it is unique
      to the booking; for a group session (seats > 1) all seats of one start share it.
    * PostgreSQL: ``booking_no_overlap`` excludes two active bookings of one builder whose
      blocked ranges ``[blocked_start, blocked_end)`` overlap, unless they share an
      occupancy key (seats of the same group slot).
    * Both databases: a partial unique index allows each ``seat`` of an occupancy key once
      among active bookings; the service numbers seats 1..seats, so seats cannot oversell.
    * SQLite has no exclusion constraints; there the service checks and inserts inside one
      ``BEGIN IMMEDIATE`` write transaction.
    """

    __tablename__ = "booking"
    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="end_after_start"),
        sa.CheckConstraint(
            "blocked_start <= start_at AND blocked_end >= end_at", name="blocked_covers_session"
        ),
        sa.CheckConstraint("amount >= 0", name="amount_non_negative"),
        sa.CheckConstraint("seat >= 1", name="seat_positive"),
        sa.CheckConstraint(
            "status <> 'pending_payment' OR hold_expires_at IS NOT NULL", name="hold_has_expiry"
        ),
        sa.Index("ix_booking_builder_blocked", "builder_id", "blocked_start", "blocked_end"),
        sa.Index("ix_booking_status_hold_expiry", "status", "hold_expires_at"),
        sa.Index(
            "uq_booking_active_seat",
            "occupancy_key",
            "seat",
            unique=True,
            sqlite_where=sa.text(ACTIVE_BOOKING_SQL),
            postgresql_where=sa.text(ACTIVE_BOOKING_SQL),
        ),
        postgresql.ExcludeConstraint(
            (sa.column("builder_id"), "="),
            (sa.func.tstzrange(sa.column("blocked_start"), sa.column("blocked_end"), "[)"), "&&"),
            (sa.column("occupancy_key"), "<>"),
            name="booking_no_overlap",
            using="gist",
            where=sa.text(ACTIVE_BOOKING_SQL),
        ).ddl_if(dialect="postgresql"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_token: str = Field(max_length=64, unique=True)  # ≥128 random bits, see tokens.py
    builder_id: int = Field(foreign_key="builder.id", ondelete="RESTRICT")
    session_type_id: int = Field(foreign_key="session_type.id", index=True, ondelete="RESTRICT")
    start_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    end_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # The span this booking keeps free of others: [start - buffer_before, end + buffer_after).
    blocked_start: datetime = Field(sa_type=UTCDateTime, nullable=False)
    blocked_end: datetime = Field(sa_type=UTCDateTime, nullable=False)
    occupancy_key: str = Field(max_length=100)
    seat: int = Field(default=1)
    customer_name: str = Field(max_length=200)
    customer_email: str = Field(max_length=320, index=True)
    customer_notes: str = Field(default="", max_length=5000)
    customer_timezone: str = Field(max_length=64)
    # Where the hold came from, to cap how many unpaid holds one client can keep at once.
    client_address: str | None = Field(default=None, max_length=64, index=True)
    status: BookingStatus = Field(sa_type=enum_column(BookingStatus, "status"), nullable=False)
    # Frozen from the session type when the hold is made; the client never sends an amount.
    amount: int
    currency: str = Field(max_length=3)
    # The session type's terms when booked: what a customer's cancellation refunds and until
    # when it is possible (bookings.policy), and where the session happens.
    refund_tiers: list[dict] = Field(default_factory=default_refund_tiers, sa_type=sa.JSON, nullable=False,
                                     sa_column_kwargs={"server_default": DEFAULT_REFUND_TIERS_JSON})
    cancel_cutoff_hours: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    location_kind: LocationKind = Field(default=LocationKind.BUILDER_SENDS, nullable=False,
                                        sa_type=enum_column(LocationKind, "location_kind"),
                                        sa_column_kwargs={"server_default": LocationKind.BUILDER_SENDS.value})
    location_detail: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    # E.164, when the session type is a phone call (the builder calls this number).
    customer_phone: str | None = Field(default=None, max_length=32)
    # The signed-in customer who booked (members-only session types, issue 16); None for guests.
    # No foreign key: SQLite cannot add one to this table without copying it (see migration
    # 0012), and customers are never deleted; a booking keeps its own name and e-mail anyway.
    customer_id: int | None = Field(default=None, index=True)
    # The answers to the session type's questions, with the questions as they were asked:
    # [{"id", "question", "kind", "answer"}] (offers.terms.Answer).
    answers: list[dict] = Field(default_factory=list, sa_type=sa.JSON, nullable=False,
                                sa_column_kwargs={"server_default": "[]"})
    # Marked by the builder after the start: completed or no-show.
    attendance: Attendance | None = Field(default=None, sa_type=enum_column(Attendance, "attendance"))
    hold_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Checkout Sessions started for this hold; bumped atomically to number the next attempt,
    # so two concurrent "Try again" clicks get attempts of their own.
    checkout_attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The calendar invitation's SEQUENCE: grows with every change the customer's calendar must
    # take over (cancelled now; moved, once rescheduling exists).
    calendar_sequence: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The customer turned reminders off for this booking (the link in every reminder).
    reminders_off: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by: CancelledBy | None = Field(default=None, sa_type=enum_column(CancelledBy, "cancelled_by"))
    cancellation_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Payment(SQLModel, table=True):
    """One Checkout attempt for a booking. "Paid" is derived from payments minus refunds."""

    __tablename__ = "payment"
    __table_args__ = (
        sa.UniqueConstraint("booking_id", "attempt", name="uq_payment_booking_id_attempt"),
        sa.CheckConstraint("amount >= 0", name="amount_non_negative"),
        sa.CheckConstraint(
            "amount_refunded >= 0 AND amount_refunded <= amount", name="refund_within_amount"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="booking.id", index=True, ondelete="RESTRICT")
    attempt: int = Field(default=1)
    checkout_session_id: str = Field(max_length=255, unique=True)
    payment_intent_id: str | None = Field(default=None, max_length=255, index=True)
    amount: int
    currency: str = Field(max_length=3)
    status: PaymentStatus = Field(sa_type=enum_column(PaymentStatus, "status"), nullable=False)
    amount_refunded: int = Field(default=0)
    failure_message: str | None = Field(default=None, max_length=500)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Refund(SQLModel, table=True):
    """A refund of (part of) a payment.

    The row is written *before* Stripe is asked, with a unique idempotency key, so a retried
    or concurrent cancellation can never send a second refund for the same reason.
    """

    __tablename__ = "refund"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True, ondelete="RESTRICT")
    idempotency_key: str = Field(max_length=255, unique=True)
    stripe_refund_id: str | None = Field(default=None, max_length=255, unique=True)
    amount: int
    currency: str = Field(max_length=3)
    status: RefundStatus = Field(sa_type=enum_column(RefundStatus, "status"), nullable=False)
    reason: str = Field(default="", max_length=500)
    failure_message: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
