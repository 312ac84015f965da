"""A booking's history and the work it leaves behind: ``booking_event`` and ``job``.

Both are written in the same transaction as the change that causes them (a transactional
outbox): a cancellation commits with its "cancelled" event and the refund job it implies, or
not at all. ``kind`` columns are plain strings (the ``BookingEventKind`` / ``JobKind`` enums in
code), so that later features add kinds without a migration; ``job.status`` is checked by the
database because the runner's correctness depends on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from booking_app.models.enums import Actor, JobStatus
from booking_app.models.types import UTCDateTime, enum_column, utcnow


class BookingEvent(SQLModel, table=True):
    """One thing that happened to a booking: held, paid, confirmed, cancelled by whom, refund
    requested / retrying / succeeded… The dashboard's timeline is these rows in order."""

    __tablename__ = "booking_event"
    __table_args__ = (sa.Index("ix_booking_event_booking_id_id", "booking_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="booking.id", ondelete="CASCADE")
    kind: str = Field(max_length=40)
    actor: Actor = Field(sa_type=enum_column(Actor, "actor"), nullable=False)
    actor_user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    amount: int | None = Field(default=None)  # minor units, for money events
    currency: str | None = Field(default=None, max_length=3)
    detail: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Job(SQLModel, table=True):
    """Work promised by a committed change, done at least once by the job runner.

    ``queued`` → ``running`` (claimed: ``locked_by`` until ``locked_until``) → ``succeeded``,
    or back to ``queued`` with a later ``run_at`` after a failure, or ``dead`` after
    ``max_attempts``. A running job whose lease ran out (its worker died) is claimed again.
    ``dedupe_key`` makes enqueueing the same promise twice a no-op.
    """

    __tablename__ = "job"
    __table_args__ = (
        sa.Index("ix_job_status_run_at", "status", "run_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=60)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    booking_id: int | None = Field(default=None, foreign_key="booking.id", index=True, ondelete="SET NULL")
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    status: JobStatus = Field(sa_type=enum_column(JobStatus, "status"), nullable=False)
    attempts: int = Field(default=0)
    max_attempts: int = Field(default=12)
    run_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    locked_by: str | None = Field(default=None, max_length=100)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
