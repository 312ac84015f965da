"""What a builder connects to other tools with (issue 17): API keys, outgoing webhook
endpoints and the log of what was sent to them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from booking_app.models.types import UTCDateTime, utcnow


class ApiKey(SQLModel, table=True):
    """A builder's API key. Only the SHA-256 of the key is stored (the key itself is shown
    once, when it is made); ``hint`` is its start, for recognising it in the list."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    builder_id: int = Field(foreign_key="builder.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    key_hash: str = Field(max_length=64, unique=True)
    hint: str = Field(max_length=20)  # "mh_live_AbCd" — never enough to use
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookEndpoint(SQLModel, table=True):
    """Where a builder's booking events are sent (Standard Webhooks). ``secret`` signs them,
    so it is kept (the sender needs it); it is shown to the builder once. ``failing_since`` is
    the first failed delivery with no success after it; a day of that disables the endpoint."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    builder_id: int = Field(foreign_key="builder.id", index=True, ondelete="CASCADE")
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    secret: str = Field(max_length=100)
    enabled: bool = Field(default=True)
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class WebhookDelivery(SQLModel, table=True):
    """One event message to one endpoint: its frozen body, its ``webhook-id`` (the same on
    every retry and resend) and the outcome of its latest attempt — the endpoint's log.

    ``status``: ``pending`` (not sent yet or retrying), ``succeeded`` (a 2xx answer), ``failed``
    (a day of failures, or the endpoint was disabled or removed meanwhile)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_key"),
        sa.Index("ix_webhook_delivery_endpoint_id_id", "endpoint_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", ondelete="CASCADE")
    booking_id: int | None = Field(default=None, foreign_key="booking.id", index=True, ondelete="SET NULL")
    event_key: str = Field(max_length=200)  # the promise it came from: one delivery per endpoint
    event_type: str = Field(max_length=40)
    message_id: str = Field(max_length=64, unique=True)  # the webhook-id header
    body: str = Field(sa_type=sa.Text)  # exactly the bytes signed and sent
    status: str = Field(max_length=20)
    attempts: int = Field(default=0)
    response_code: int | None = Field(default=None)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    first_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
