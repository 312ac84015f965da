"""What a builder offers: session types, weekly hours and date overrides (builder-local)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from booking_app.models.enums import LocationKind
from booking_app.models.types import UTCDateTime, enum_column, utcnow

# Refund tiers are JSON lists of {"hours_before": int, "percent": int}, most notice first
# (``offers.terms``); this is the default: a full refund until 24 hours before, none after.
DEFAULT_REFUND_TIERS_JSON = '[{"hours_before": 24, "percent": 100}]'


def default_refund_tiers() -> list[dict[str, int]]:
    return [{"hours_before": 24, "percent": 100}]


# Windows are stored as minutes since local midnight: portable, and the end of the day is
# plainly 1440 rather than the "00:00 means midnight ending the day" convention of the engine.
_WINDOW_BOUNDS = "start_minute >= 0 AND end_minute <= 1440 AND end_minute > start_minute"


class SessionType(SQLModel, table=True):
    """A bookable offer. Durations are whole minutes; price in minor units (0 = free)."""

    __tablename__ = "session_type"
    __table_args__ = (
        sa.UniqueConstraint("builder_id", "slug", name="uq_session_type_builder_id_slug"),
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
        sa.CheckConstraint("interval_minutes IS NULL OR interval_minutes > 0", name="interval_positive"),
        sa.CheckConstraint("buffer_before_minutes >= 0 AND buffer_after_minutes >= 0", name="buffers_non_negative"),
        sa.CheckConstraint("minimum_notice_minutes >= 0", name="notice_non_negative"),
        sa.CheckConstraint("horizon_days > 0", name="horizon_positive"),
        sa.CheckConstraint("seats >= 1", name="seats_positive"),
        sa.CheckConstraint("price_amount >= 0", name="price_non_negative"),
        sa.CheckConstraint("length(currency) = 3", name="currency_iso"),
        sa.CheckConstraint("cancel_cutoff_hours >= 0", name="cancel_cutoff_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    builder_id: int = Field(foreign_key="builder.id", index=True, ondelete="CASCADE")
    slug: str = Field(max_length=64)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    duration_minutes: int
    price_amount: int = Field(default=0)  # integer minor units of `currency`
    currency: str = Field(default="gbp", max_length=3)  # ISO 4217, lower-case as Stripe uses
    interval_minutes: int | None = Field(default=None)  # None = the duration
    buffer_before_minutes: int = Field(default=0)
    buffer_after_minutes: int = Field(default=0)
    minimum_notice_minutes: int = Field(default=0)
    horizon_days: int = Field(default=60)
    seats: int = Field(default=1)  # 1 = one-to-one; more = a group session
    # Customer cancellations: refunded per these tiers (offers.terms.RefundTier), possible
    # until ``cancel_cutoff_hours`` before the start (0 = until the start). Frozen on bookings.
    refund_tiers: list[dict] = Field(default_factory=default_refund_tiers, sa_type=sa.JSON, nullable=False,
                                     sa_column_kwargs={"server_default": DEFAULT_REFUND_TIERS_JSON})
    cancel_cutoff_hours: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Customers may move a booking until this many hours before its start (builders any time).
    reschedule_cutoff_hours: int = Field(default=24, sa_column_kwargs={"server_default": "24"})
    # Where it happens (offers.terms.Location): a video link or an address in the detail.
    location_kind: LocationKind = Field(default=LocationKind.BUILDER_SENDS, nullable=False,
                                        sa_type=enum_column(LocationKind, "location_kind"),
                                        sa_column_kwargs={"server_default": LocationKind.BUILDER_SENDS.value})
    location_detail: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    # Up to 10 questions asked on the details step (offers.terms.Question), as JSON.
    questions: list[dict] = Field(default_factory=list, sa_type=sa.JSON, nullable=False,
                                  sa_column_kwargs={"server_default": "[]"})
    # Members only (issue 16): customers sign in (customer accounts) before they book; off by default.
    requires_sign_in: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    is_active: bool = Field(default=True)
    display_order: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    @property
    def is_free(self) -> bool:
        return self.price_amount == 0


class WeeklyWindow(SQLModel, table=True):
    """Recurring hours: weekday 0 = Monday, local ``[start_minute, end_minute)``."""

    __tablename__ = "weekly_window"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint(_WINDOW_BOUNDS, name="bounds"),
    )

    id: int | None = Field(default=None, primary_key=True)
    builder_id: int = Field(foreign_key="builder.id", index=True, ondelete="CASCADE")
    weekday: int
    start_minute: int  # local wall-clock minutes since midnight, 0..1439
    end_minute: int  # 1..1440; 1440 = the midnight that ends the day


class DateOverride(SQLModel, table=True):
    """Replaces one local date's weekly hours; with no windows the day is unavailable."""

    __tablename__ = "date_override"
    __table_args__ = (sa.UniqueConstraint("builder_id", "day", name="uq_date_override_builder_id_day"),)

    id: int | None = Field(default=None, primary_key=True)
    builder_id: int = Field(foreign_key="builder.id", index=True, ondelete="CASCADE")
    day: date
    note: str = Field(default="", max_length=200)


class DateOverrideWindow(SQLModel, table=True):
    """One local ``[start_minute, end_minute)`` window of a date override."""

    __tablename__ = "date_override_window"
    __table_args__ = (sa.CheckConstraint(_WINDOW_BOUNDS, name="bounds"),)

    id: int | None = Field(default=None, primary_key=True)
    override_id: int = Field(foreign_key="date_override.id", index=True, ondelete="CASCADE")
    start_minute: int  # local wall-clock minutes since midnight, 0..1439
    end_minute: int  # 1..1440; 1440 = the midnight that ends the day
