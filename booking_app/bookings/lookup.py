""""Find my bookings": e-mail an address the links to its upcoming bookings.

The answer is the same whether or not the address has bookings (nobody learns who books
here); the mail goes only to the address itself. Rate-limited per address and per client,
so it cannot be used to flood someone's inbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, func, select

from booking_app import messages
from booking_app.bookings.notices import CUSTOMER, EMAIL_JOB
from booking_app.db import write_session
from booking_app.emails import normalise_email
from booking_app.errors import TooManyRequests
from booking_app.jobs import runner
from booking_app.jobs.queue import enqueue
from booking_app.models import BookingLookup

WINDOW = timedelta(hours=1)
PER_ADDRESS = 3
PER_CLIENT = 10


def send_links(email: str, *, client_address: str | None, now: datetime) -> None:
    """Promise the mail (``InvalidInput`` for a malformed address, ``TooManyRequests`` past the
    limits); the caller answers "if we have bookings for that address, we've sent the links"."""
    address = normalise_email(email)
    client = client_address[:64] if client_address else None
    with write_session() as session:
        if session.get_bind().dialect.name == "postgresql":  # two requests at once cannot both pass
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"lookup:{address}"))))
        since = now - WINDOW
        recent = select(func.count()).select_from(BookingLookup).where(BookingLookup.requested_at > since)
        if (session.exec(recent.where(BookingLookup.email == address)).one() >= PER_ADDRESS
                or (client and session.exec(recent.where(BookingLookup.client_address == client)).one() >= PER_CLIENT)):
            raise TooManyRequests(messages.LOOKUP_LIMIT)
        session.add(BookingLookup(email=address, client_address=client, requested_at=now))
        enqueue(session, EMAIL_JOB, {"template": "your_bookings", "recipient": CUSTOMER, "email": address}, now=now)
    runner.notify()


def forget_old_lookups(*, now: datetime) -> None:
    with write_session() as session:
        session.execute(sa.delete(BookingLookup).where(col(BookingLookup.requested_at) <= now - WINDOW))
