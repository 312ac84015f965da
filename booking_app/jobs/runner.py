"""The job runner: claims due jobs and runs their handlers, at least once, with backoff.

It runs inside each app worker (a Reflex lifespan task; ``JOBS_IN_APP=false`` turns that off)
and as ``python -m booking_app.cli worker``. Any number of them may run against one database:
claims never hand one job to two runners at once (see ``queue``), and every handler is
idempotent, so a job run again after a crash does no harm.

A use case that has just promised work (a cancellation owing a refund) calls ``notify()`` so
that this process's runner looks at once instead of at its next poll.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from booking_app.db import write_session
from booking_app.jobs import queue
from booking_app.jobs.queue import ClaimedJob, RetryLater
from booking_app.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobType:
    """What a kind of job does. ``run`` raises to fail the attempt (``RetryLater`` for
    expected, passing trouble). ``on_dead`` records that a job gave up, for people to see.
    ``every`` makes the job recurring: it is queued again that long after each run."""

    run: Callable[[ClaimedJob, datetime], None]
    on_dead: Callable[[ClaimedJob, str, datetime], None] | None = None
    every: timedelta | None = None
    # Run beside the batch's other jobs, in the runner's thread pool: for jobs that wait on
    # someone else's server (outgoing webhooks), so that a slow one holds up nothing else.
    parallel: bool = False


_PARALLEL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="job-parallel")


_wake = threading.Event()


def notify() -> None:
    """Work was just promised in this process: wake its runner now."""
    _wake.set()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobRunner:
    def __init__(self, job_types: dict[str, JobType] | None = None, *, worker: str | None = None,
                 batch: int = 10) -> None:
        if job_types is None:
            from booking_app.jobs.handlers import JOB_TYPES

            job_types = JOB_TYPES
        self.job_types = job_types
        self.worker = worker or worker_name()
        self.batch = batch

    def ensure_recurring(self, now: datetime) -> None:
        """Queue each recurring job once (the dedupe key keeps it to one row, whoever starts)."""
        with write_session() as session:
            for kind, job_type in self.job_types.items():
                if job_type.every is not None:
                    queue.enqueue(session, kind, now=now, dedupe_key=f"recurring:{kind}")

    def run_once(self, now: datetime | None = None) -> int:
        """Claim and run one batch of due jobs; returns how many ran."""
        now = now or datetime.now(UTC)
        if not queue.any_due(now):
            return 0
        queue.mark_lost_leases_dead(now=now)
        jobs = queue.claim(self.worker, now=now, limit=self.batch, kinds=tuple(self.job_types))
        beside = [_PARALLEL.submit(self._run, job, now) for job in jobs if self.job_types[job.kind].parallel]
        for job in jobs:
            if not self.job_types[job.kind].parallel:
                self._run(job, now)
        for future in beside:
            future.result()  # _run handles the job's own failures; this waits for the batch
        return len(jobs)

    def run_until_idle(self, now: datetime | None = None, *, max_rounds: int = 1000) -> int:
        """Run due jobs until none is left (tests, the CLI's ``--once``); returns how many ran."""
        total = 0
        for _ in range(max_rounds):
            ran = self.run_once(now)
            if not ran:
                break
            total += ran
        return total

    def _run(self, job: ClaimedJob, now: datetime) -> None:
        job_type = self.job_types[job.kind]
        try:
            job_type.run(job, now)
        except RetryLater as exc:
            self._failed(job, job_type, str(exc), now, expected=True)
            return
        except Exception as exc:  # any failure fails this attempt only; the job is retried
            log.exception("job %s (%s, booking %s) attempt %d failed", job.id, job.kind, job.booking_id, job.attempts)
            self._failed(job, job_type, f"{type(exc).__name__}: {exc}", now, expected=False)
            return
        if job_type.every is not None:
            queue.reschedule(job, run_at=now + job_type.every, now=now)
        elif not queue.succeed(job, now=now):
            log.warning("job %s finished after its lease passed to another worker", job.id)

    def _failed(self, job: ClaimedJob, job_type: JobType, error: str, now: datetime, *, expected: bool) -> None:
        if job_type.every is not None:  # upkeep never stops for good: try again next time
            queue.reschedule(job, run_at=now + job_type.every, now=now, error=error)
            return
        failure = queue.fail(job, error, now=now)
        if failure is None:
            return
        if failure.dead:
            log.error("job %s (%s, booking %s) is dead after %d attempts: %s", job.id, job.kind, job.booking_id,
                      job.attempts, error)
            if job_type.on_dead is not None:
                try:
                    job_type.on_dead(job, error, now)
                except Exception:
                    log.exception("recording the death of job %s failed", job.id)
        elif expected:
            log.warning("job %s (%s) attempt %d: %s; retrying at %s", job.id, job.kind, job.attempts, error,
                        failure.retry_at.isoformat())

    async def run_forever(self) -> None:
        """Poll for due jobs (and wake on ``notify``) until cancelled."""
        poll = get_settings().jobs_poll_seconds
        await asyncio.to_thread(self.ensure_recurring, datetime.now(UTC))
        log.info("job runner %s started", self.worker)
        while True:
            try:
                ran = await asyncio.to_thread(self.run_once)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away for a moment must not end the loop
                log.exception("job runner %s: claiming failed; retrying in %.0f s", self.worker, poll)
                ran = 0
            if not ran:
                await asyncio.to_thread(_wake.wait, poll)
                _wake.clear()


async def run_jobs_in_app() -> None:
    """The Reflex lifespan task: this worker's runner, unless ``JOBS_IN_APP=false``."""
    if not get_settings().jobs_in_app:
        log.info("JOBS_IN_APP=false: this app worker runs no jobs (run `python -m booking_app.cli worker`)")
        return
    await JobRunner().run_forever()
