"""Periodic release of expired holds (and forgetting expired sign-in sessions and old
login attempts, which need the same once-a-minute beat).

Reads never count an expired hold as busy (see ``availability.occupies_time``), so the sweep
is about bookkeeping, not correctness: it marks them ``expired`` so that dashboards and the
database guard see the truth. Safe with several workers: the update is a guarded transition.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlmodel import select

from booking_app.accounts.sessions import forget_stale_records
from booking_app.db import write_session
from booking_app.errors import PaymentError
from booking_app.models import Payment, PaymentStatus
from booking_app.payments.gateway import get_gateway
from booking_app.scheduling.service import expire_stale_holds

log = logging.getLogger(__name__)
SWEEP_INTERVAL_SECONDS = 60.0


def sweep_once(now: datetime | None = None) -> list[int]:
    """Expire every hold past its expiry, then close their open Checkout Sessions so nobody
    can pay for a released time; returns the ids of the holds that expired."""
    now = now or datetime.now(UTC)
    with write_session() as session:
        expired = expire_stale_holds(session, now=now)
        open_sessions = session.exec(
            select(Payment.checkout_session_id).where(
                Payment.booking_id.in_(expired), Payment.status == PaymentStatus.OPEN
            )
        ).all() if expired else []
    for checkout_session_id in open_sessions:  # outside the transaction: never hold it over Stripe
        try:
            get_gateway().expire_checkout_session(checkout_session_id)
        except PaymentError:
            log.warning("could not expire checkout session %s; Stripe expires it anyway", checkout_session_id)
    return expired


async def sweep_expired_holds_forever(interval_seconds: float = SWEEP_INTERVAL_SECONDS) -> None:
    """Run ``sweep_once`` every ``interval_seconds`` until cancelled (app shutdown)."""
    while True:
        try:
            expired = await asyncio.to_thread(sweep_once)
            if expired:
                log.info("released %d expired hold(s): %s", len(expired), expired)
            await asyncio.to_thread(forget_stale_records, now=datetime.now(UTC))
        except asyncio.CancelledError:
            raise
        except Exception:  # a transient database error must not end the loop
            log.exception("hold sweep failed; retrying in %.0f s", interval_seconds)
        await asyncio.sleep(interval_seconds)
