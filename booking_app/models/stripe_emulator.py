"""The local Stripe emulator's tables (prefixed ``stripe_emulator_``); only the emulator reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from booking_app.models.types import UTCDateTime, utcnow


class EmulatorObject(SQLModel, table=True):
    """One Stripe object (checkout session, payment intent, refund, event) as Stripe's JSON."""

    __tablename__ = "stripe_emulator_object"

    id: str = Field(primary_key=True, max_length=255)
    object_type: str = Field(max_length=50, index=True)
    data: dict[str, Any] = Field(sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class EmulatorDelivery(SQLModel, table=True):
    """A webhook delivery attempt queue: one row per event (and per duplicate)."""

    __tablename__ = "stripe_emulator_delivery"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=255, index=True)
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    attempts: int = Field(default=0)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)


class EmulatorSetting(SQLModel, table=True):
    """Small key/value state: the clock offset, delivery modes, idempotency keys."""

    __tablename__ = "stripe_emulator_setting"

    key: str = Field(primary_key=True, max_length=255)
    value: str = Field(max_length=5000)
