"""A booking as a builder's tools see it — the builder API's answers and the ``data`` of
outgoing webhooks — built from ``BookingView``, the one read model of a booking.

Unlike the customer's answer it carries the booking's id and none of the customer's private
link (token, manage and calendar URLs): with that link anyone can act as the customer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from booking_app.bookings.view import BookingView
from booking_app.money import format_money
from booking_app.scheduling.slots import load_timezone


class BuilderBooking(BaseModel):
    id: int
    status: str = Field(description="pending_payment, confirmed, expired or cancelled")
    start: datetime = Field(description="UTC")
    end: datetime = Field(description="UTC")
    local_start: datetime = Field(description="the start in the customer's time zone")
    hold_expires_at: datetime | None
    session_type_id: int
    session_type: str
    session_type_slug: str
    duration_minutes: int
    amount: int = Field(description="the price frozen when booked, in minor units")
    currency: str
    price_display: str
    customer_name: str
    customer_email: str
    customer_timezone: str
    notes: str
    phone: str | None = Field(description="E.164, for a phone-call session")
    answers: list[dict] = Field(description='[{"id", "question", "kind", "answer"}]')
    location_kind: str
    location: str = Field(description="where it happens, in words; empty until confirmed")
    location_url: str | None
    payment_status: str | None = Field(description="of the latest Checkout attempt")
    amount_paid: int
    amount_refunded: int = Field(description="refunds Stripe has completed")
    refund_pending: int = Field(description="refunds promised and on their way")
    refund_needs_attention: int
    cancelled_by: str | None
    cancellation_reason: str
    attendance: str | None = Field(description="completed or no_show, once marked")


def builder_booking(view: BookingView) -> BuilderBooking:
    return BuilderBooking(
        id=view.id, status=view.status, start=view.start, end=view.end,
        local_start=view.start.astimezone(load_timezone(view.customer_timezone)), hold_expires_at=view.hold_expires_at,
        session_type_id=view.session_type_id, session_type=view.session_type_title,
        session_type_slug=view.session_type_slug, duration_minutes=view.duration_minutes, amount=view.amount,
        currency=view.currency, price_display=format_money(view.amount, view.currency),
        customer_name=view.customer_name, customer_email=view.customer_email,
        customer_timezone=view.customer_timezone, notes=view.notes, phone=view.customer_phone,
        answers=view.answers, location_kind=view.location_kind, location=view.location,
        location_url=view.location_url, payment_status=view.payment_status, amount_paid=view.paid,
        amount_refunded=view.refunded, refund_pending=view.refund_pending,
        refund_needs_attention=view.refund_needs_attention, cancelled_by=view.cancelled_by,
        cancellation_reason=view.cancellation_reason, attendance=view.attendance,
    )
