"""What the confirmation page shows, computed from the token alone (state may be gone).

Plain functions over the services, run in a worker thread by the page's State.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from booking_app.bookings import view as booking_view
from booking_app.bookings.cancel import cancel_as_customer, release_hold
from booking_app.bookings.reserve import settle_returning_checkout, start_checkout
from booking_app.errors import DomainError, NotFound
from booking_app.formatting import format_moment, format_span, google_calendar_url
from booking_app.money import format_money
from booking_app.offers.terms import describe_answer, describe_cancellation, tiers_of

log = logging.getLogger(__name__)


def load_snapshot(token: str, session_id: str | None = None, *, hour12: bool = False) -> dict | None:
    """The page's data, after fulfilling ``session_id`` if the customer just came back from
    Checkout (the webhook may not have arrived yet). None for an unknown token."""
    now = datetime.now(UTC)
    if session_id:
        try:
            settle_returning_checkout(token, session_id, now=now)
        except DomainError as exc:  # Stripe unreachable: the webhook will do it; show what we know
            log.warning("fulfilment from the confirmation page failed for %s: %s", session_id, exc.message)
    try:
        return _snapshot(booking_view.by_token(token, now=now), hour12=hour12)
    except NotFound:
        return None


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency) if amount else ""


def _snapshot(view: booking_view.BookingView, *, hour12: bool = False) -> dict:
    """The page's fields; times on the customer's 12- or 24-hour clock (``hour12``)."""
    title = f"{view.session_type_title} with {view.builder.name}"
    return {
        "status": view.status,
        "payment_status": view.payment_status or "",
        "title": title,
        "rebook_url": f"/book/{view.builder.slug}/?type={view.session_type_slug}",
        "when_customer": format_span(view.start, view.end, view.customer_timezone, hour12=hour12),
        "when_builder": format_span(view.start, view.end, view.builder.timezone, hour12=hour12),
        "zones_differ": view.customer_timezone != view.builder.timezone,
        "amount_display": format_money(view.amount, view.currency),
        "refunded_display": _money(view.refunded, view.currency),
        "refund_pending_display": _money(view.refund_pending, view.currency),
        "refund_attention_display": _money(view.refund_needs_attention, view.currency),
        "refund_now_display": _money(view.refund_if_cancelled_now, view.currency),
        "refund_percent": view.refund_percent_if_cancelled_now,
        "refund_rate_until": (format_moment(view.refund_rate_until, view.customer_timezone, hour12=hour12)
                              if view.refund_rate_until and view.refund_if_cancelled_now else ""),
        "cancellation_policy": describe_cancellation(tiers_of(view.refund_tiers), view.cancel_cutoff_hours,
                                                     is_free=view.is_free),
        "location": view.location,
        "location_url": view.location_url or "",
        "answers": [[answer["question"], describe_answer(answer)] for answer in view.answers],
        "is_free": view.is_free,
        "can_cancel": view.customer_can_cancel,
        "cancel_refusal": view.customer_cancel_refusal,
        "can_reschedule": view.customer_can_reschedule,
        "reschedule_refusal": view.customer_reschedule_refusal,
        "reschedule_url": (f"/book/{view.builder.slug}/?type={view.session_type_slug}&reschedule={view.token}"
                           if view.customer_can_reschedule else ""),
        "failure": view.payment_failure,
        "cancellation_reason": view.cancellation_reason,
        "cancelled_by": view.cancelled_by or "",
        "builder_name": view.builder.name,
        "ics_url": view.calendar_url,
        "google_url": google_calendar_url(
            title=title, start=view.start, end=view.end, details=f"Manage your booking: {view.manage_url}",
        ),
    }


def cancel(token: str, reason: str = "") -> str:
    """Cancel as the customer (with their optional reason for the builder); returns a sentence
    about the refund."""
    result = cancel_as_customer(token, now=datetime.now(UTC), reason=reason)
    if not result.refund_amount:
        return "Your booking is cancelled."
    return "Your booking is cancelled. Your refund is on its way; it usually shows on your statement within 5–10 days."


def release(token: str) -> None:
    """"Choose another time": give up the unpaid hold."""
    release_hold(token, now=datetime.now(UTC))


def retry_checkout(token: str) -> str:
    """A new Checkout Session for a hold that still lasts; returns its URL."""
    return start_checkout(token, now=datetime.now(UTC))
