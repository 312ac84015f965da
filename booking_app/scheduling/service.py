"""The scheduling service: the one entry point for what can be booked — session types,
builders, available slots — and for who the acting builder is. Read-only: bookings are
written by ``booking_app.bookings`` (holds and status transitions).

Its parts live beside it — ``queries`` (reads), ``availability`` (busy time and offered
slots over the pure engine in ``slots``), ``guards`` (the double-booking checks and locks the
booking writes use).
"""

from __future__ import annotations

from sqlmodel import Session, select

from booking_app.errors import Forbidden
from booking_app.models import Builder
from booking_app.scheduling.queries import (
    MAX_RANGE_DAYS,
    SlotListing,
    available_slots,
    get_session_type,
    list_bookable_builders,
    list_session_types,
)

__all__ = [
    "MAX_RANGE_DAYS", "SlotListing", "available_slots", "builder_of", "get_session_type", "list_bookable_builders",
    "list_session_types",
]


def builder_of(session: Session, actor_user_id: int | None) -> Builder:
    """The builder profile of the acting user; ``Forbidden`` for anyone else."""
    builder = None
    if actor_user_id is not None:
        builder = session.exec(select(Builder).where(Builder.user_id == actor_user_id)).first()
    if builder is None:
        raise Forbidden("Please sign in as a builder to do this.")
    return builder
