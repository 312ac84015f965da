"""The ``job`` table as a queue: enqueue inside the caller's transaction, claim, finish.

Why a table and not a library: the promise (a refund owed) must commit in the *same*
transaction as the change that makes it (the cancellation), on SQLite and on PostgreSQL.
Queue libraries that fit keep their queue elsewhere (Redis: RQ, Dramatiq, Huey) or support
PostgreSQL only (Procrastinate, PgQueuer), so a crash between "cancelled" and "refund queued"
would lose money again. A small table does exactly what is needed.

Claiming is one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``: on
PostgreSQL several workers take disjoint jobs without waiting for each other; on SQLite the
claim runs under ``BEGIN IMMEDIATE`` (the single writer), which serialises claims. A claim is
a lease: ``locked_until`` passes if the worker dies, and the job is claimed again. Finishing is
guarded by ``locked_by`` and the attempt number, so a worker that lost its lease cannot
overwrite the outcome of the one that took over.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from booking_app.db import get_engine, read_connection, write_connection
from booking_app.models import Job, JobStatus
from booking_app.settings import get_settings

_JOBS = Job.__table__
MAX_BACKOFF = timedelta(hours=1)
ERROR_LIMIT = 1000


class RetryLater(Exception):
    """Raised by a job handler for an expected, passing failure (Stripe unreachable): the
    job is retried after its backoff, and the log gets a warning rather than a traceback."""


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    booking_id: int | None
    attempts: int  # including this one
    max_attempts: int
    worker: str


def _connection(target: Session | Connection) -> Connection:
    return target.connection() if isinstance(target, Session) else target


def enqueue(target: Session | Connection, kind: str, payload: Mapping[str, Any] | None = None, *, now: datetime,
            booking_id: int | None = None, dedupe_key: str | None = None, run_at: datetime | None = None,
            max_attempts: int | None = None) -> bool:
    """Add a job in the caller's transaction (it commits or rolls back with the change that
    causes it). With ``dedupe_key``, a job already promised under that key is kept and this
    call does nothing. Returns True if a job was added."""
    connection = _connection(target)
    values = dict(kind=kind, payload=dict(payload or {}), booking_id=booking_id, dedupe_key=dedupe_key,
                  status=JobStatus.QUEUED, attempts=0,
                  max_attempts=max_attempts or get_settings().jobs_max_attempts,
                  run_at=run_at or now, created_at=now, updated_at=now)
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(_JOBS).values(**values)
    if dedupe_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=[_JOBS.c.dedupe_key])
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT here.
    return connection.execute(statement.returning(_JOBS.c.id)).first() is not None


def _due(now: sa.BindParameter) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(_JOBS.c.status == JobStatus.QUEUED, _JOBS.c.run_at <= now),
        # Its worker died (the lease ran out); claimed again while attempts are left.
        sa.and_(_JOBS.c.status == JobStatus.RUNNING, _JOBS.c.locked_until <= now,
                _JOBS.c.attempts < _JOBS.c.max_attempts),
    )


_NOW = sa.bindparam("now", type_=_JOBS.c.run_at.type)
_ANY_DUE = sa.select(_JOBS.c.id).where(sa.or_(
    _due(_NOW),
    sa.and_(_JOBS.c.status == JobStatus.RUNNING, _JOBS.c.locked_until <= _NOW),  # claimable, or to mark dead
)).limit(1)


def any_due(now: datetime, engine: Engine | None = None) -> bool:
    """A cheap read before taking the write lock: is there anything to claim (or a lost
    lease to settle)?"""
    with read_connection(engine) as connection:
        return connection.execute(_ANY_DUE, {"now": now}).first() is not None


def claim(worker: str, *, now: datetime, limit: int = 10, kinds: tuple[str, ...] | None = None,
          engine: Engine | None = None) -> list[ClaimedJob]:
    """Take up to ``limit`` due jobs for ``worker`` (oldest due first) with a lease."""
    engine = engine or get_engine()
    lease = now + timedelta(seconds=get_settings().jobs_lease_seconds)
    candidates = sa.select(_JOBS.c.id).where(_due(_NOW)).order_by(_JOBS.c.run_at, _JOBS.c.id).limit(limit)
    if kinds is not None:
        candidates = candidates.where(_JOBS.c.kind.in_(kinds))
    candidates = candidates.with_for_update(skip_locked=True)  # rendered on PostgreSQL only
    statement = (
        sa.update(_JOBS).where(_JOBS.c.id.in_(candidates.scalar_subquery()))
        .values(status=JobStatus.RUNNING, attempts=_JOBS.c.attempts + 1, locked_by=worker, locked_until=lease,
                updated_at=now)
        .returning(_JOBS.c.id, _JOBS.c.kind, _JOBS.c.payload, _JOBS.c.booking_id, _JOBS.c.attempts,
                   _JOBS.c.max_attempts)
    )
    with write_connection(engine) as connection:
        rows = connection.execute(statement, {"now": now}).all()
    return sorted((ClaimedJob(r.id, r.kind, r.payload or {}, r.booking_id, r.attempts, r.max_attempts, worker)
                   for r in rows), key=lambda job: job.id)


def _mine(job: ClaimedJob) -> sa.ColumnElement[bool]:
    return sa.and_(_JOBS.c.id == job.id, _JOBS.c.status == JobStatus.RUNNING, _JOBS.c.locked_by == job.worker,
                   _JOBS.c.attempts == job.attempts)


def succeed(job: ClaimedJob, *, now: datetime, engine: Engine | None = None) -> bool:
    """The job is done. False if this worker's lease had already passed to another."""
    with write_connection(engine) as connection:
        return connection.execute(
            sa.update(_JOBS).where(_mine(job))
            .values(status=JobStatus.SUCCEEDED, locked_by=None, locked_until=None, finished_at=now, updated_at=now,
                    last_error=None)
        ).rowcount == 1


def backoff(attempts: int, *, base_seconds: float | None = None) -> timedelta:
    """Delay before attempt ``attempts + 1``: the base doubled per attempt, at most an hour,
    with ±10 % jitter so that jobs that failed together do not all retry together."""
    base = get_settings().jobs_retry_seconds if base_seconds is None else base_seconds
    delay = min(base * 2 ** max(0, attempts - 1), MAX_BACKOFF.total_seconds())
    return timedelta(seconds=delay * random.uniform(0.9, 1.1))


@dataclass(frozen=True)
class Failure:
    dead: bool  # no attempts left: the job is marked dead
    retry_at: datetime | None


def fail(job: ClaimedJob, error: str, *, now: datetime, retry_after: timedelta | None = None,
         engine: Engine | None = None) -> Failure | None:
    """Record a failed attempt: queued again after a backoff, or dead when the attempts are
    used up. None if this worker no longer held the job."""
    dead = job.attempts >= job.max_attempts
    retry_at = None if dead else now + (retry_after if retry_after is not None else backoff(job.attempts))
    values: dict[str, Any] = dict(status=JobStatus.DEAD if dead else JobStatus.QUEUED, locked_by=None,
                                  locked_until=None, last_error=error[:ERROR_LIMIT], updated_at=now)
    if dead:
        values["finished_at"] = now
    else:
        values["run_at"] = retry_at
    with write_connection(engine) as connection:
        if connection.execute(sa.update(_JOBS).where(_mine(job)).values(**values)).rowcount != 1:
            return None
    return Failure(dead, retry_at)


def reschedule(job: ClaimedJob, *, run_at: datetime, now: datetime, error: str | None = None,
               engine: Engine | None = None) -> bool:
    """A recurring job ran (or failed: ``error``): queue it again for ``run_at`` with its
    attempts reset, so that upkeep never stops for good."""
    with write_connection(engine) as connection:
        return connection.execute(
            sa.update(_JOBS).where(_mine(job))
            .values(status=JobStatus.QUEUED, attempts=0, run_at=run_at, locked_by=None, locked_until=None,
                    last_error=error[:ERROR_LIMIT] if error else None, updated_at=now)
        ).rowcount == 1


def mark_lost_leases_dead(*, now: datetime, engine: Engine | None = None) -> int:
    """Jobs whose worker died on their last allowed attempt can never be claimed again
    (a claim would exceed ``max_attempts``): mark them dead so they show up as such."""
    with write_connection(engine) as connection:
        return connection.execute(
            sa.update(_JOBS).where(_JOBS.c.status == JobStatus.RUNNING, _JOBS.c.locked_until <= now,
                                   _JOBS.c.attempts >= _JOBS.c.max_attempts)
            .values(status=JobStatus.DEAD, locked_by=None, locked_until=None, finished_at=now, updated_at=now,
                    last_error=sa.func.coalesce(_JOBS.c.last_error, "the worker stopped during the last attempt"))
        ).rowcount


def retry_dead(job_id: int, *, now: datetime, engine: Engine | None = None) -> bool:
    """An operator's "try again" for a dead job: queued now with a fresh set of attempts."""
    with write_connection(engine) as connection:
        return connection.execute(
            sa.update(_JOBS).where(_JOBS.c.id == job_id, _JOBS.c.status == JobStatus.DEAD)
            .values(status=JobStatus.QUEUED, attempts=0, run_at=now, finished_at=None, updated_at=now)
        ).rowcount == 1
