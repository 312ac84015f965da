"""Stripe webhooks: signature check on the raw body, dedupe by event id, dispatch.

Verification accepts any configured secret (rotation) and refuses timestamps more than
five minutes old *or* in the future. Processing is idempotent and order-independent: each
handler re-reads or re-derives state, so duplicates and reordering end in the same state.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime

import sqlalchemy as sa
import stripe
from sqlmodel import select

from booking_app.db import read_session, write_session
from booking_app.models import StripeEvent, StripeEventOutcome
from booking_app.payments import fulfilment, refunds
from booking_app.payments.signing import accepted_secrets

log = logging.getLogger(__name__)
TOLERANCE_SECONDS = 300
CHECKOUT_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.expired")


class InvalidSignature(Exception):
    """The request is not a genuine, fresh Stripe event; nothing must change."""


def verify_event(payload: bytes, header: str | None, *, now: float | None = None) -> dict:
    if not header:
        raise InvalidSignature("missing Stripe-Signature header")
    now = time.time() if now is None else now
    try:
        timestamp = int(dict(part.split("=", 1) for part in header.split(",") if "=" in part)["t"])
    except (KeyError, ValueError) as exc:
        raise InvalidSignature("malformed Stripe-Signature header") from exc
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp outside the 5-minute tolerance")
    for secret in accepted_secrets():
        try:
            # The SDK checks the HMAC over "t.payload"; our own check above covers the future.
            stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=TOLERANCE_SECONDS)
            break
        except stripe.SignatureVerificationError:
            continue
    else:
        raise InvalidSignature("no signature matches a configured secret")
    try:
        event = json.loads(payload)
        event["id"], event["type"], event["data"]["object"]  # noqa: B018 - shape check
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidSignature("signed payload is not a Stripe event") from exc
    return event


def process_event(event: dict, *, now: datetime) -> str:
    """Handle a verified event once. Raises ``PaymentUnavailable`` / ``LookupError`` when a
    retry could help (the caller answers 5xx so Stripe redelivers)."""
    with read_session() as session:
        if session.exec(select(StripeEvent.id).where(StripeEvent.event_id == event["id"])).first():
            return "duplicate"
    event_type, obj = event["type"], event["data"]["object"]
    if event_type in CHECKOUT_EVENTS:
        outcome = fulfilment.fulfil_checkout_session(obj["id"], now=now)
    elif event_type == "checkout.session.async_payment_failed":
        outcome = fulfilment.fail_delayed_payment(obj["id"], now=now)
    elif event_type in ("refund.updated", "refund.failed"):
        outcome = refunds.apply_refund_event(obj, now=now)
    elif event_type == "charge.refunded":
        # The refund rows (from our own calls and refund.* events) are the record; this
        # event only confirms what they say.
        outcome = "acknowledged"
    else:
        outcome = "ignored"
    _record(event, outcome, now)
    return outcome


def _record(event: dict, outcome: str, now: datetime) -> None:
    kind = StripeEventOutcome.IGNORED if outcome.startswith("ignored") else StripeEventOutcome.PROCESSED
    try:
        with write_session() as session:
            session.add(StripeEvent(event_id=event["id"], event_type=event["type"][:100], outcome=kind,
                                    detail=outcome[:500], processed_at=now))
    except sa.exc.IntegrityError:
        log.info("event %s recorded by a concurrent delivery", event["id"])
