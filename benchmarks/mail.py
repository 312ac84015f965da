"""Mails per second through a local SMTP server, sent by job worker processes.

    python -m benchmarks.mail                      # PostgreSQL, 2 workers, 1,000 mails
    python -m benchmarks.mail --database sqlite --mails 300

A fresh database with ``--mails``/2 confirmed bookings, each with the mails confirming it
promises (``bookings.notices.booking_confirmed``: the customer's — HTML and text parts and the
calendar invitation — and the builder's notice). ``--workers`` processes run the app's own
job runner with the app's own job kinds against an SMTP server (aiosmtpd) in this process,
until the server has received every mail. Prints mails/s and checks that each arrived once.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from benchmarks.availability import postgres_database, postgres_problem, sqlite_database
from benchmarks.fixtures import add_bench_builder, machine_speed


def _worker(database_url: str, smtp_url: str, stop, ready) -> None:
    os.environ.update(DATABASE_URL=database_url, SMTP_URL=smtp_url, APP_URL="http://bench.example.com")
    from booking_app import db
    from booking_app.jobs.runner import JobRunner
    from booking_app.settings import get_settings

    get_settings.cache_clear()
    db.dispose_engines()
    runner = JobRunner()
    ready.release()
    while not stop.is_set():
        if not runner.run_once():
            stop.wait(0.2)


def _seed(url: str, count: int) -> None:
    from sqlmodel import Session

    from booking_app import db
    from booking_app.bookings import notices
    from booking_app.models import Booking, BookingStatus
    from booking_app.scheduling.availability import booking_occupancy_key
    from booking_app.tokens import new_booking_token

    engine = db.make_engine(url)
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        builder, kind = add_bench_builder(session, slug="mail-bench", timezone="Europe/Berlin", open_minute=0,
                                          close_minute=24 * 60, duration_minutes=30, price=5000, horizon_days=400)
        session.commit()
    first = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    rows = []
    for number in range(count):
        start = first + timedelta(minutes=30 * number)
        token = new_booking_token()
        rows.append(dict(public_token=token, builder_id=builder.id, session_type_id=kind.id, start_at=start,
                         end_at=start + timedelta(minutes=30), blocked_start=start,
                         blocked_end=start + timedelta(minutes=30), occupancy_key=booking_occupancy_key(token), seat=1,
                         customer_name=f"Mail Customer {number}", customer_email=f"customer{number}@mail-bench.example.com",
                         customer_notes="", customer_timezone="America/New_York", status=BookingStatus.CONFIRMED,
                         amount=5000, currency="eur", confirmed_at=now, created_at=now,
                         updated_at=now))
    with engine.begin() as connection:
        ids = [row.id for row in connection.execute(sa.insert(Booking.__table__).returning(Booking.__table__.c.id),
                                                     rows)]
        for booking_id in ids:  # what confirming a booking promises: the customer's mail and the builder's
            notices.booking_confirmed(connection, booking_id, now=now)
    engine.dispose()


def run(args: argparse.Namespace) -> str:
    from booking_app import migrations
    from tests.support.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    database = sqlite_database() if args.database == "sqlite" else postgres_database()
    try:
        with database as url:
            migrations.upgrade(url)
            _seed(url, args.mails // 2)
            context = multiprocessing.get_context("spawn")
            stop, ready = context.Event(), context.Semaphore(0)
            workers = [context.Process(target=_worker, args=(url, server.url, stop, ready))
                       for _ in range(args.workers)]
            for worker in workers:
                worker.start()
            for _ in workers:
                ready.acquire()
            started = time.perf_counter()
            deadline = time.monotonic() + 600
            while len(server.received) < args.mails // 2 * 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            time.sleep(1)  # anything sent twice would arrive now
            stop.set()
            for worker in workers:
                worker.join(30)
    finally:
        server.stop()
    promised = args.mails // 2 * 2
    ids = [str(r.message["Message-ID"]) for r in server.received]
    check = ("each arrived once" if len(ids) == len(set(ids)) == promised
             else f"CHECK: {len(ids)} received, {len(set(ids))} distinct, {promised} promised")
    size = sum(len(r.message.as_bytes()) for r in server.received[:50]) // max(1, min(50, len(server.received)))
    return (f"mails: {promised} (a confirmation with its invitation and a builder notice per booking, "
            f"{size / 1024:.1f} KiB on average), {args.workers} workers: {len(ids) / elapsed:.0f} mails/s "
            f"({elapsed:.2f} s; {check})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mail", description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if args.database == "postgresql" and (problem := postgres_problem()):
        print(f"PostgreSQL is not usable: {problem}", file=sys.stderr)
        return 1
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.database}, load average "
          f"{open('/proc/loadavg').read().split()[:3]}; {machine_speed()}")
    print(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
