"""Holds that ran out unpaid: marked expired, their Checkout Sessions closed (as jobs).

Reads never count an expired hold as busy (see ``scheduling.availability.occupies_time``), so
this is bookkeeping, not correctness: the dashboard and the database guard see the truth,
and nobody can still pay for a released time. A recurring job runs it every minute; safe
with several workers, since each change is a guarded transition.
"""

from __future__ import annotations

import logging
from datetime import datetime

from booking_app.bookings import transitions
from booking_app.db import write_session
from booking_app.payments.checkout import close_open_checkouts

log = logging.getLogger(__name__)


def expire_due_holds(*, now: datetime) -> list[int]:
    """Expire every hold past its expiry and promise to close their open Checkout Sessions;
    returns the ids of the holds that expired."""
    with write_session() as session:
        expired = transitions.expire_stale_holds(session, now=now)
        close_open_checkouts(session, expired, now=now)
    if expired:
        log.info("released %d expired hold(s): %s", len(expired), expired)
    return expired
