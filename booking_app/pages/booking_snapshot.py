"""What the confirmation page shows, computed from the token alone (state may be gone).

Plain functions over the services, run in a worker thread by the page's State.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from booking_app.db import read_session
from booking_app.errors import DomainError, NotFound
from booking_app.formatting import format_moment, format_span, google_calendar_url
from booking_app.money import format_money
from booking_app.payments.cancellation import cancel_as_customer, paid_amount, refund_quote
from booking_app.payments.checkout import latest_payment, start_checkout
from booking_app.payments.fulfilment import fulfil_checkout_session
from booking_app.scheduling import service
from booking_app.urls import booking_page_url, calendar_file_url

log = logging.getLogger(__name__)


def load_snapshot(token: str, session_id: str | None = None) -> dict | None:
    """The page's data, after fulfilling ``session_id`` if the customer just came back from
    Checkout (the webhook may not have arrived yet). None for an unknown token."""
    now = datetime.now(UTC)
    if session_id:
        try:
            fulfil_checkout_session(session_id, now=now)
        except DomainError as exc:  # Stripe unreachable: the webhook will do it; show what we know
            log.warning("fulfilment from the confirmation page failed for %s: %s", session_id, exc.message)
    with read_session() as session:
        try:
            details = service.get_booking_by_token(session, token)
        except NotFound:
            return None
        payment = latest_payment(session, details.booking.id)
        paid = paid_amount(session, details.booking.id)
    return _snapshot(details, payment, paid, now)


def _snapshot(details: service.BookingDetails, payment, paid: int, now: datetime) -> dict:
    booking, kind, builder = details.booking, details.session_type, details.builder
    quote = refund_quote(booking, paid, now=now)
    status = str(booking.status)
    payment_status = str(payment.status) if payment else ""
    title = f"{kind.title} with {builder.display_name}"
    return {
        "status": status,
        "payment_status": payment_status,
        "title": title,
        "rebook_url": f"/book/{builder.slug}/?type={kind.slug}",
        "when_customer": format_span(booking.start_at, booking.end_at, booking.customer_timezone),
        "when_builder": format_span(booking.start_at, booking.end_at, builder.timezone),
        "zones_differ": booking.customer_timezone != builder.timezone,
        "amount_display": format_money(booking.amount, booking.currency),
        "refunded_display": format_money(payment.amount_refunded, booking.currency) if payment and payment.amount_refunded else "",
        "refund_now_display": format_money(quote.amount, booking.currency) if quote.amount else "",
        "refund_deadline": format_moment(quote.deadline, booking.customer_timezone),
        "cutoff_hours": booking.refund_cutoff_hours,
        "is_free": booking.amount == 0,
        "failure": (payment.failure_message or "") if payment else "",
        "cancellation_reason": booking.cancellation_reason or "",
        "ics_url": calendar_file_url(booking.public_token),
        "google_url": google_calendar_url(
            title=title, start=booking.start_at, end=booking.end_at,
            details=f"Manage your booking: {booking_page_url(booking.public_token)}",
        ),
    }


def cancel(token: str) -> str:
    """Cancel as the customer; returns a sentence about the refund."""
    result = cancel_as_customer(token, now=datetime.now(UTC))
    return "Your booking is cancelled." + (" A refund is on its way." if result.refund_amount else "")


def retry_checkout(token: str) -> str:
    """A new Checkout Session for a hold that still lasts; returns its URL."""
    return start_checkout(token, now=datetime.now(UTC))
