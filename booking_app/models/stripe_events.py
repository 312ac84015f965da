"""Stripe webhook events already handled, so a duplicate delivery changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from booking_app.models.enums import StripeEventOutcome
from booking_app.models.types import UTCDateTime, enum_column, utcnow


class StripeEvent(SQLModel, table=True):
    __tablename__ = "stripe_event"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=255, unique=True)  # evt_…
    event_type: str = Field(max_length=100)
    outcome: StripeEventOutcome = Field(
        sa_type=enum_column(StripeEventOutcome, "outcome"), nullable=False
    )
    detail: str = Field(default="", max_length=500)
    processed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
