"""Job runner throughput and queue latency with several worker processes.

    python -m benchmarks.jobs                         # PostgreSQL, 2 workers, 5,000 jobs
    python -m benchmarks.jobs --database sqlite --jobs 2000 --work-ms 5

Two phases on a fresh database, each with ``--workers`` processes running the app's own
``JobRunner`` (the same claim, lease and finish statements as refunds use) on a benchmark
job kind whose handler writes one row, as a refund's bookkeeping does, and optionally waits
``--work-ms`` (standing in for Stripe's answer):

* backlog: ``--jobs`` jobs queued at once, then the workers start → jobs/s until all are done;
* steady: jobs enqueued at ``--rate`` per second for ``--seconds`` by another process while
  the workers poll every ``--poll`` s (the app's default is 1 s; a job promised in the
  worker's own process wakes it at once instead) → p50/p95 queue latency, enqueue → done.

It checks that every job ran exactly once and prints a machine-speed yardstick, so that runs
on this shared machine can be compared (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from benchmarks.availability import postgres_database, postgres_problem, sqlite_database
from benchmarks.fixtures import machine_speed

DONE = sa.Table("bench_job_done", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("job_id", sa.Integer, nullable=False), sa.Column("worker", sa.String(100)))
KIND = "bench"


def _configure(database_url: str, poll: float) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["JOBS_POLL_SECONDS"] = str(poll)
    from booking_app import db
    from booking_app.settings import get_settings

    get_settings.cache_clear()
    db.dispose_engines()


def _handler(work_seconds: float):
    from booking_app import db

    def run(job, _now) -> None:
        if work_seconds:
            time.sleep(work_seconds)
        with db.write_connection() as connection:
            connection.execute(DONE.insert().values(job_id=job.id, worker=job.worker))
    return run


def _worker(database_url: str, poll: float, work_seconds: float, batch: int, stop, ready) -> None:
    _configure(database_url, poll)
    from booking_app.jobs.runner import JobRunner, JobType

    runner = JobRunner({KIND: JobType(run=_handler(work_seconds))}, batch=batch)
    ready.release()
    while not stop.is_set():
        if not runner.run_once():
            stop.wait(poll)


def _producer(database_url: str, rate: float, seconds: float) -> None:
    _configure(database_url, 1.0)
    from booking_app import db
    from booking_app.jobs import queue

    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < seconds:
        due = int((time.monotonic() - started) * rate) + 1
        with db.write_session() as session:
            for _ in range(due - sent):
                queue.enqueue(session, KIND, now=datetime.now(UTC))
        sent = due
        time.sleep(max(0.0, started + sent / rate - time.monotonic()))


def _start_workers(url: str, args: argparse.Namespace):
    context = multiprocessing.get_context("spawn")
    stop, ready = context.Event(), context.Semaphore(0)
    workers = [context.Process(target=_worker, args=(url, args.poll, args.work_ms / 1000, args.batch, stop, ready))
               for _ in range(args.workers)]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.acquire()
    return context, stop, workers


def _stop(stop, workers) -> None:
    stop.set()
    for worker in workers:
        worker.join(30)


def _counts(engine: sa.Engine) -> tuple[int, int, int]:
    from booking_app.models import Job, JobStatus

    with engine.connect() as connection:
        done = connection.execute(sa.select(sa.func.count()).select_from(DONE)).scalar_one()
        distinct = connection.execute(sa.select(sa.func.count(sa.distinct(DONE.c.job_id)))).scalar_one()
        open_jobs = connection.execute(sa.select(sa.func.count()).select_from(Job).where(
            Job.status != JobStatus.SUCCEEDED)).scalar_one()
    return done, distinct, open_jobs


def backlog(url: str, engine: sa.Engine, args: argparse.Namespace) -> str:
    from booking_app import db
    from booking_app.jobs import queue

    with db.write_session() as session:
        now = datetime.now(UTC)
        for _ in range(args.jobs):
            queue.enqueue(session, KIND, now=now)
    _, stop, workers = _start_workers(url, args)
    started = time.perf_counter()
    while _counts(engine)[1] < args.jobs:
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    _stop(stop, workers)
    done, distinct, _ = _counts(engine)
    check = "each ran once" if done == distinct == args.jobs else f"RAN TWICE: {done} runs of {distinct} jobs"
    return (f"backlog: {args.jobs} jobs, {args.workers} workers: {args.jobs / elapsed:.0f} jobs/s "
            f"({elapsed:.2f} s; {check})")


def steady(url: str, engine: sa.Engine, args: argparse.Namespace) -> str:
    from booking_app.models import Job

    with engine.begin() as connection:
        connection.execute(sa.delete(DONE))
        connection.execute(sa.delete(Job.__table__))
    context, stop, workers = _start_workers(url, args)
    producer = context.Process(target=_producer, args=(url, args.rate, args.seconds))
    producer.start()
    producer.join()
    deadline = time.monotonic() + 60
    while _counts(engine)[2] and time.monotonic() < deadline:
        time.sleep(0.1)
    _stop(stop, workers)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(Job.created_at, Job.finished_at)
                                  .where(Job.finished_at.is_not(None))).all()
    latencies = sorted((finished - created).total_seconds() * 1000 for created, finished in rows)
    done, distinct, open_jobs = _counts(engine)
    if not latencies:
        return "steady: no job finished"
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    check = "each ran once" if done == distinct and not open_jobs else f"CHECK: {done} runs, {distinct} jobs, {open_jobs} left"
    return (f"steady: {args.rate:g} jobs/s for {args.seconds:g} s, {args.workers} workers polling every {args.poll:g} s: "
            f"queue latency (enqueue -> done) p50 {statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms "
            f"({len(latencies)} jobs; {check})")


def run(args: argparse.Namespace) -> list[str]:
    from booking_app import db, migrations

    database = sqlite_database() if args.database == "sqlite" else postgres_database()
    with database as url:
        migrations.upgrade(url)
        engine = db.make_engine(url)
        DONE.create(engine)
        try:
            _configure(url, args.poll)
            return [backlog(url, engine, args), steady(url, engine, args)]
        finally:
            engine.dispose()
            db.dispose_engines()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.jobs", description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--jobs", type=int, default=5000, help="jobs in the backlog phase (default 5000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--batch", type=int, default=10, help="jobs claimed at a time (the app's default, 10)")
    parser.add_argument("--work-ms", type=float, default=0.0, help="time each job waits, like a Stripe call")
    parser.add_argument("--rate", type=float, default=50.0, help="jobs enqueued per second in the steady phase")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the steady phase")
    parser.add_argument("--poll", type=float, default=1.0, help="idle workers look for jobs this often (s)")
    args = parser.parse_args(argv)
    if args.database == "postgresql" and (problem := postgres_problem()):
        print(f"PostgreSQL is not usable: {problem}", file=sys.stderr)
        return 1
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.database}, load average "
          f"{open('/proc/loadavg').read().split()[:3]}; {machine_speed()}")
    for line in run(args):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
