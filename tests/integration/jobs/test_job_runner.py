"""The job queue and runner on SQLite and PostgreSQL: at least once, never two at a time,
backoff, dead after the last attempt, a crashed worker's job run again, recurring jobs.

The job kinds here are test kinds that write rows of their own (``test_effect``), so every
assertion reads the database, not a mock.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from booking_app import db
from booking_app.jobs import queue
from booking_app.jobs.queue import RetryLater
from booking_app.jobs.runner import JobRunner, JobType
from booking_app.models import Job, JobStatus
from booking_app.settings import get_settings

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
EFFECTS = sa.Table("test_effect", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("job_id", sa.Integer), sa.Column("worker", sa.String(100)))


@pytest.fixture
def jobs_db(database_url: str, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("JOBS_RETRY_SECONDS", "10")
    monkeypatch.setenv("JOBS_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("JOBS_LEASE_SECONDS", "60")
    get_settings.cache_clear()
    db.dispose_engines()
    EFFECTS.create(engine)
    yield database_url
    db.dispose_engines()
    EFFECTS.drop(engine)


def _effect(job, _now) -> None:
    with db.write_session() as session:
        session.execute(EFFECTS.insert().values(job_id=job.id, worker=job.worker))


def _always_fails(job, _now) -> None:
    raise RetryLater("Stripe unreachable (test)")


def _dead_noted(job, error, now) -> None:
    with db.write_session() as session:
        session.execute(EFFECTS.insert().values(job_id=job.id, worker=f"dead: {error}"))


TYPES = {"effect": JobType(run=_effect), "flaky": JobType(run=_always_fails, on_dead=_dead_noted)}


def _enqueue(kind: str, *, now: datetime = T0, **extra) -> None:
    with db.write_session() as session:
        queue.enqueue(session, kind, now=now, **extra)


def _jobs() -> list[Job]:
    with db.read_session() as session:
        return list(session.exec(select(Job).order_by(Job.id)))


def _effects() -> list[tuple[int, str]]:
    with db.read_session() as session:
        return [(row.job_id, row.worker) for row in session.execute(sa.select(EFFECTS).order_by(EFFECTS.c.id))]


def test_a_job_runs_once_and_a_dedupe_key_promises_once(jobs_db: str) -> None:
    with db.write_session() as session:
        assert queue.enqueue(session, "effect", now=T0, dedupe_key="refund:1") is True
        assert queue.enqueue(session, "effect", now=T0, dedupe_key="refund:1") is False  # the same promise again
    _enqueue("effect", run_at=T0 + timedelta(minutes=5))  # not due yet
    runner = JobRunner(TYPES, worker="w1")
    assert runner.run_until_idle(T0) == 1
    assert runner.run_until_idle(T0) == 0
    first, later = _jobs()
    assert (first.status, first.attempts, first.finished_at) == (JobStatus.SUCCEEDED, 1, T0)
    assert later.status == JobStatus.QUEUED
    assert runner.run_until_idle(T0 + timedelta(minutes=5)) == 1
    assert _effects() == [(first.id, "w1"), (later.id, "w1")]


def test_a_failing_job_backs_off_then_ends_dead_and_visible(jobs_db: str) -> None:
    _enqueue("flaky")
    runner = JobRunner(TYPES, worker="w1")
    assert runner.run_once(T0) == 1
    job = _jobs()[0]
    assert (job.status, job.attempts, job.last_error) == (JobStatus.QUEUED, 1, "Stripe unreachable (test)")
    assert timedelta(seconds=9) <= job.run_at - T0 <= timedelta(seconds=11)  # 10 s ± jitter
    assert runner.run_once(T0 + timedelta(seconds=5)) == 0  # not before its backoff
    now = job.run_at
    assert runner.run_once(now) == 1
    job = _jobs()[0]
    assert job.attempts == 2 and timedelta(seconds=18) <= job.run_at - now <= timedelta(seconds=22)  # doubled
    assert runner.run_once(job.run_at) == 1  # the third and last attempt
    job = _jobs()[0]
    assert (job.status, job.attempts, job.finished_at) == (JobStatus.DEAD, 3, job.updated_at)
    assert _effects() == [(job.id, "dead: Stripe unreachable (test)")]  # on_dead ran once
    assert runner.run_until_idle(job.run_at + timedelta(days=1)) == 0  # dead stays dead
    assert queue.retry_dead(job.id, now=T0 + timedelta(days=1))  # until a person retries it
    assert _jobs()[0].status == JobStatus.QUEUED and _jobs()[0].attempts == 0


def test_a_crashed_workers_job_is_run_again_after_its_lease_and_the_late_worker_cannot_finish_it(
        jobs_db: str) -> None:
    _enqueue("effect")
    [claimed] = queue.claim("crashed", now=T0)  # then the worker dies without finishing
    runner = JobRunner(TYPES, worker="w2")
    assert runner.run_until_idle(T0 + timedelta(seconds=59)) == 0  # its lease still holds
    assert runner.run_until_idle(T0 + timedelta(seconds=61)) == 1
    assert _effects() == [(claimed.id, "w2")]
    job = _jobs()[0]
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    # The first worker comes back (it was only stalled): its outcome is not recorded over w2's.
    assert not queue.succeed(claimed, now=T0 + timedelta(seconds=62))
    assert queue.fail(claimed, "late", now=T0 + timedelta(seconds=62)) is None
    assert _jobs()[0].status == JobStatus.SUCCEEDED


def test_a_job_whose_worker_died_on_its_last_attempt_ends_dead(jobs_db: str) -> None:
    _enqueue("effect", max_attempts=1)
    queue.claim("crashed", now=T0)
    assert JobRunner(TYPES, worker="w2").run_until_idle(T0 + timedelta(minutes=2)) == 0
    job = _jobs()[0]
    assert (job.status, job.last_error) == (JobStatus.DEAD, "the worker stopped during the last attempt")
    assert _effects() == []


def test_recurring_jobs_exist_once_and_are_queued_again_after_each_run(jobs_db: str) -> None:
    ticks = []
    types = {"tick": JobType(run=lambda job, now: ticks.append(now), every=timedelta(minutes=1))}
    for worker in ("w1", "w2"):  # two app workers start
        JobRunner(types, worker=worker).ensure_recurring(T0)
    runner = JobRunner(types, worker="w1")
    assert runner.run_until_idle(T0) == 1
    assert runner.run_until_idle(T0 + timedelta(seconds=30)) == 0
    assert runner.run_until_idle(T0 + timedelta(minutes=1)) == 1
    [job] = _jobs()
    assert (job.status, job.run_at, job.attempts) == (JobStatus.QUEUED, T0 + timedelta(minutes=2), 0)
    assert ticks == [T0, T0 + timedelta(minutes=1)]


def test_an_unexpected_exception_fails_only_that_attempt(jobs_db: str) -> None:
    calls = []

    def explode_once(job, now):
        calls.append(job.attempts)
        if len(calls) == 1:
            raise ValueError("bug in a handler")
        _effect(job, now)

    _enqueue("boom")
    runner = JobRunner({"boom": JobType(run=explode_once)}, worker="w1")
    assert runner.run_once(T0) == 1
    assert _jobs()[0].last_error == "ValueError: bug in a handler"
    runner.run_until_idle(T0 + timedelta(minutes=1))
    assert calls == [1, 2] and _jobs()[0].status == JobStatus.SUCCEEDED


def _slow_effect(job, now) -> None:
    time.sleep(0.01)  # long enough for both workers to be in the race
    _effect(job, now)


def _race_worker(database_url: str, name: str, results) -> None:
    import os

    os.environ["DATABASE_URL"] = database_url
    get_settings.cache_clear()
    db.dispose_engines()
    runner = JobRunner({"effect": JobType(run=_slow_effect)}, worker=name, batch=3)
    results.put(runner.run_until_idle(datetime.now(UTC)))
    db.dispose_engines()


@pytest.mark.postgres
def test_two_worker_processes_racing_on_postgresql_run_each_job_once(postgres_url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    engine = db.make_engine(postgres_url)
    EFFECTS.create(engine)
    try:
        monkeypatch.setenv("DATABASE_URL", postgres_url)
        get_settings.cache_clear()
        db.dispose_engines()
        with db.write_session() as session:
            for _ in range(200):
                queue.enqueue(session, "effect", now=datetime.now(UTC) - timedelta(seconds=1))
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        workers = [context.Process(target=_race_worker, args=(postgres_url, f"p{n}", results))
                   for n in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        counts = [results.get(timeout=5) for _ in workers]
        effects = _effects()
        assert sum(counts) == 200 and sorted(job_id for job_id, _ in effects) == [j.id for j in _jobs()]
        assert len({job_id for job_id, _ in effects}) == 200  # no job ran twice
        assert {worker for _, worker in effects} == {"p0", "p1"}  # both took part
        assert {job.status for job in _jobs()} == {JobStatus.SUCCEEDED}
    finally:
        db.dispose_engines()
        EFFECTS.drop(engine)
        engine.dispose()
