"""Signed webhook delivery from the emulator to the app, with retries.

Each due event is POSTed with a real ``Stripe-Signature`` header. A non-2xx answer or a
network error schedules a retry with exponential backoff (as Stripe does, only faster).
Rows are leased while in flight so that several app workers running this loop do not all
send the same event at once (a duplicate would be harmless: the app dedupes by event id).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import stripe
from sqlmodel import col, select

from booking_app.db import write_session
from booking_app.payments.emulator import operations, store
from booking_app.models.stripe_emulator import EmulatorDelivery
from booking_app.payments.signing import signing_secret
from booking_app.settings import get_settings

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=30)
MAX_BACKOFF_SECONDS = 60

Post = Callable[[str, str, dict[str, str]], int]  # (url, body, headers) -> HTTP status


def webhook_url() -> str:
    return f"{get_settings().app_url}/api/stripe/webhook"


def http_post(url: str, body: str, headers: dict[str, str]) -> int:
    return httpx.post(url, content=body.encode(), headers=headers, timeout=10).status_code


def deliver_due(post: Post, *, limit: int = 100) -> int:
    """Deliver the events that are due; returns how many were accepted (2xx)."""
    now = datetime.now(UTC)
    with write_session() as session:
        operations.tick(session)
        mode = store.delivery_mode(session)
        order = col(EmulatorDelivery.id).desc() if mode.get("reorder") else col(EmulatorDelivery.id)
        rows = session.exec(
            select(EmulatorDelivery)
            .where(EmulatorDelivery.delivered_at.is_(None), EmulatorDelivery.due_at <= now)
            .order_by(order)
            .limit(limit)
        ).all()
        batch = []
        for row in rows:
            row.due_at = now + LEASE  # leased: other workers skip it while it is in flight
            session.add(row)
            batch.append((row.id, store.get_object(session, row.event_id)))
    accepted = 0
    for delivery_id, event in batch:
        ok, error = _send(post, event, fail=mode.get("fail", False))
        _record(delivery_id, ok, error)
        accepted += ok
    return accepted


def _send(post: Post, event: dict, *, fail: bool) -> tuple[bool, str | None]:
    if fail:
        return False, "delivery failure simulated by the emulator's fail mode"
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, signing_secret())
    try:
        status = post(webhook_url(), body, {"Stripe-Signature": header, "Content-Type": "application/json"})
    except Exception as exc:  # the app is down or restarting: retry later
        return False, f"{type(exc).__name__}: {exc}"[:500]
    return 200 <= status < 300, None if 200 <= status < 300 else f"HTTP {status}"


def _record(delivery_id: int, ok: bool, error: str | None) -> None:
    now = datetime.now(UTC)
    with write_session() as session:
        row = session.get(EmulatorDelivery, delivery_id)
        if ok:
            row.delivered_at = now
        else:
            row.attempts += 1
            row.due_at = now + timedelta(seconds=min(2**row.attempts, MAX_BACKOFF_SECONDS))
            row.last_error = error
            log.warning("webhook delivery of %s failed (attempt %d): %s", row.event_id, row.attempts, error)
        session.add(row)


async def deliver_forever(interval_seconds: float = 1.0) -> None:
    """The app's lifespan task in emulator mode: deliver due events every second."""
    while True:
        try:
            await asyncio.to_thread(deliver_due, http_post)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("emulator webhook delivery loop failed; retrying")
        await asyncio.sleep(interval_seconds)
