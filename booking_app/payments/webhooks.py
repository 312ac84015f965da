"""Stripe webhooks: signature check on the raw body, dedupe by event id, dispatch.

Verification accepts any configured secret (rotation) and refuses timestamps more than
five minutes old *or* in the future. Processing is idempotent and order-independent: each
handler re-reads or re-derives state, so duplicates and reordering end in the same state.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
import stripe
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from booking_app.db import read_connection, write_connection
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


class DuplicateEvent(Exception):
    """The event was recorded by another delivery first; the transaction is rolled back."""


# Records a verified event in the caller's transaction, with what handling it produced, or
# raises ``DuplicateEvent``. Handlers call it last, inside the transaction of their changes.
Recorder = Callable[[Connection, str], None]


def process_event(event: dict, *, now: datetime) -> str:
    """Handle a verified event once. Raises ``PaymentUnavailable`` / ``LookupError`` when a
    retry could help (the caller answers 5xx so Stripe redelivers).

    The event id is recorded in the same transaction as the changes it causes, so a crash
    leaves neither, and of two deliveries racing each other exactly one commits: the other
    finds the row (PostgreSQL waits for the first transaction at the unique index; SQLite's
    write lock serialises them) and rolls its own changes back. A cheap look-up first spares
    an already-recorded event the re-read from Stripe.
    """
    if already_recorded(event["id"]):
        return "duplicate"
    event_type, obj = event["type"], event["data"]["object"]
    record = functools.partial(record_event, event=event, now=now)
    try:
        if event_type in CHECKOUT_EVENTS:
            return fulfilment.fulfil_checkout_session(obj["id"], now=now, record=record)
        if event_type == "checkout.session.async_payment_failed":
            return fulfilment.fail_delayed_payment(obj["id"], now=now, record=record)
        if event_type in ("refund.updated", "refund.failed"):
            return refunds.apply_refund_event(obj, now=now, record=record)
        # charge.refunded: the refund rows (from our own calls and refund.* events) are the
        # record; this event only confirms what they say.
        outcome = "acknowledged" if event_type == "charge.refunded" else "ignored"
        with write_connection() as connection:
            record(connection, outcome)
        return outcome
    except DuplicateEvent:
        log.info("event %s recorded by a concurrent delivery", event["id"])
        return "duplicate"


def already_recorded(event_id: str) -> bool:
    with read_connection() as connection:
        return connection.execute(_SEEN, {"event_id": event_id}).first() is not None


_EVENTS = StripeEvent.__table__
_SEEN = sa.select(_EVENTS.c.id).where(_EVENTS.c.event_id == sa.bindparam("event_id"))


def _insert_event(insert) -> sa.Insert:  # noqa: ANN001 - a dialect's insert()
    columns = _EVENTS.c
    return (insert(_EVENTS).values(
        event_id=sa.bindparam("event_id", type_=columns.event_id.type),
        event_type=sa.bindparam("event_type", type_=columns.event_type.type),
        outcome=sa.bindparam("outcome", type_=columns.outcome.type),
        detail=sa.bindparam("detail", type_=columns.detail.type),
        processed_at=sa.bindparam("processed_at", type_=columns.processed_at.type),
    ).on_conflict_do_nothing(index_elements=[columns.event_id]).returning(columns.id))


# Built once per dialect (see fulfilment's statements).
_RECORD = {"postgresql": _insert_event(pg_insert), "sqlite": _insert_event(sqlite_insert)}


def record_event(connection: Connection, outcome: str, *, event: dict, now: datetime) -> None:
    """Insert the ``stripe_event`` row in the caller's transaction (see ``Recorder``)."""
    kind = StripeEventOutcome.IGNORED if outcome.startswith("ignored") else StripeEventOutcome.PROCESSED
    inserted = connection.execute(_RECORD[connection.dialect.name], {
        "event_id": event["id"], "event_type": event["type"][:100], "outcome": kind, "detail": outcome[:500],
        "processed_at": now,
    }).first()
    if inserted is None:
        raise DuplicateEvent(event["id"])
