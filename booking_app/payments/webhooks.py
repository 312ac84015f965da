"""Stripe webhooks: signature check on the raw body, dedupe by event id, dispatch.

Verification accepts any configured secret (rotation) and refuses timestamps more than
five minutes old *or* in the future. Processing is idempotent and order-independent: each
handler re-reads or re-derives state (or, for a paid Checkout Session, relies on "paid" being
final), so duplicates and reordering end in the same state.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime

import stripe

from booking_app.db import write_connection
from booking_app.payments import event_log, fulfilment, refunds
from booking_app.payments.event_log import EventRecorder
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
    retry could help (the caller answers 5xx so Stripe redelivers).

    The event id is recorded in the same transaction as the changes it causes (see
    event_log). A cheap look-up first spares an already-recorded event the re-read from
    Stripe.
    """
    if event_log.already_recorded(event["id"]):
        return "duplicate"
    event_type, obj = event["type"], event["data"]["object"]
    record = EventRecorder(event["id"], event["type"], now)
    try:
        if event_type in CHECKOUT_EVENTS:
            paid = fulfilment.paid_session_in_event(obj)
            if paid is not None:
                return fulfilment.apply_checkout_session(paid, now=now, record=record)
            return fulfilment.fulfil_checkout_session(obj["id"], now=now, record=record)
        if event_type == "checkout.session.async_payment_failed":
            return fulfilment.fail_delayed_payment(obj["id"], now=now, record=record)
        if event_type in ("refund.updated", "refund.failed"):
            return refunds.apply_refund_event(obj, now=now, record=record)
        if event_type == "charge.refunded":  # records refunds made in Stripe's Dashboard
            return refunds.apply_charge_refunded(obj, now=now, record=record)
        outcome = "ignored"
        with write_connection() as connection:
            record(connection, outcome)
        return outcome
    except event_log.DuplicateEvent:
        log.info("event %s recorded by a concurrent delivery", event["id"])
        return "duplicate"
