"""Calendar sync benchmark: reading a busy calendar, and the slots API with its busy time.

    python -m benchmarks.calendars                       # both databases, 2,000 events, 200 slot requests
    python -m benchmarks.calendars --database postgresql --events 5000

For each database kind a throwaway database is migrated, with one London builder open every
day 06:00–22:00 and a 30-minute session type bookable a year ahead. A local HTTP server
publishes an iCalendar feed of ``--events`` events over the coming year (nine in ten single
events of 30–120 minutes at random times, one in ten weekly recurring with an exception and
a moved instance), connected with ``calendars.connections.add_ics``.

Measured:

* sync: ``calendars.sync.sync_connection`` end to end — the HTTP fetch, the expansion of
  recurrences, merging, and replacing the connection's busy time in one transaction — run
  ``--syncs`` times on a changed feed each time (a fresh ETag, so no 304); p50 / max.
* slots: ``GET /api/session-types/{id}/slots`` for the 30 days from tomorrow (in-process
  TestClient), with the synced busy time; p50 / p95 over ``--requests`` after a warm-up.

Targets (issue 15): a sync of 2,000 events under 2 s; slots p95 under 20 ms with 2,000 synced
busy events. Printed next to the figures; nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DATABASES = ("sqlite", "postgresql")
LONDON = ZoneInfo("Europe/London")


def feed_body(events: int, *, start: datetime, seed: int) -> bytes:
    rng = random.Random(seed)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    for n in range(events):
        day = start + timedelta(days=rng.randrange(365))
        begin = datetime(day.year, day.month, day.day, rng.randrange(6, 21), rng.choice((0, 15, 30, 45)), tzinfo=LONDON)
        end = begin + timedelta(minutes=rng.choice((30, 45, 60, 90, 120)))
        stamp = "%Y%m%dT%H%M%S"
        lines += ["BEGIN:VEVENT", f"UID:bench-{n}", "DTSTAMP:20261201T000000Z",
                  f"DTSTART;TZID=Europe/London:{begin:{stamp}}", f"DTEND;TZID=Europe/London:{end:{stamp}}"]
        if n % 10 == 0:
            lines += ["RRULE:FREQ=WEEKLY;COUNT=8", f"EXDATE;TZID=Europe/London:{begin + timedelta(days=7):{stamp}}"]
        lines.append("END:VEVENT")
        if n % 10 == 0:
            moved = begin + timedelta(days=14)
            lines += ["BEGIN:VEVENT", f"UID:bench-{n}", "DTSTAMP:20261201T000000Z",
                      f"RECURRENCE-ID;TZID=Europe/London:{moved:{stamp}}",
                      f"DTSTART;TZID=Europe/London:{moved + timedelta(hours=1):{stamp}}",
                      f"DTEND;TZID=Europe/London:{end + timedelta(days=14, hours=1):{stamp}}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def run_one(kind: str, events: int, syncs: int, requests: int) -> dict[str, object]:
    from fastapi.testclient import TestClient
    from sqlmodel import Session, func, select

    from benchmarks.availability import postgres_database, sqlite_database
    from benchmarks.fixtures import add_bench_builder
    from booking_app import db, migrations
    from booking_app.api.app import create_api
    from booking_app.calendars import connections, sync
    from booking_app.models import BusyTime, CalendarConnection
    from booking_app.settings import get_settings
    from tests.support.calendar_servers import start_ics_feed

    with (sqlite_database() if kind == "sqlite" else postgres_database()) as url:
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        db.dispose_engines()
        migrations.upgrade(url)
        engine = db.get_engine()
        with Session(engine, expire_on_commit=False) as session:
            builder, session_type = add_bench_builder(session, slug="busy-builder", timezone="Europe/London",
                                                      open_minute=6 * 60, close_minute=22 * 60, duration_minutes=30,
                                                      price=0, horizon_days=365)
            session.commit()
        now = datetime.now(UTC)
        feed = start_ics_feed()
        try:
            feed.body = feed_body(events, start=now.astimezone(LONDON), seed=1)
            view = connections.add_ics(builder.user_id, name="Busy", url=feed.url, now=now)
            sync_seconds = []
            for n in range(syncs):
                feed.body = feed_body(events, start=now.astimezone(LONDON), seed=n + 1)  # changed: no 304
                began = time.perf_counter()
                sync.sync_connection(view.id, now=now)
                sync_seconds.append(time.perf_counter() - began)
            with Session(engine) as session:
                row = session.get(CalendarConnection, view.id)
                assert row.last_error == "", row.last_error
                intervals = session.exec(select(func.count()).select_from(BusyTime)
                                         .where(BusyTime.connection_id == view.id)).one()
                occurrences = row.event_count
        finally:
            feed.stop()
        tomorrow = (now.astimezone(LONDON) + timedelta(days=1)).date()
        params = {"start": tomorrow.isoformat(), "end": (tomorrow + timedelta(days=29)).isoformat(),
                  "timezone": "Europe/London"}
        latencies = []
        with TestClient(create_api()) as client:
            path = f"/api/session-types/{session_type.id}/slots"
            for _ in range(20):
                assert client.get(path, params=params).status_code == 200
            for _ in range(requests):
                began = time.perf_counter()
                response = client.get(path, params=params)
                latencies.append(time.perf_counter() - began)
                assert response.status_code == 200
        slots = len(response.json()["slots"])
        db.dispose_engines()
    latencies.sort()
    return {
        "database": kind, "events": events, "occurrences": occurrences, "intervals": intervals,
        "sync_p50_s": statistics.median(sync_seconds), "sync_max_s": max(sync_seconds),
        "slots": slots, "slots_p50_ms": 1000 * statistics.median(latencies),
        "slots_p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.calendars", description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("both", *DATABASES), default="both")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--syncs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    os.environ.setdefault("CALENDAR_ALLOW_PRIVATE_HOSTS", "true")  # the feed is served on 127.0.0.1
    os.environ.setdefault("ENCRYPTION_KEY", "Uv2Y2Gk1b3RXmJ0kq6yMe5y0m6wZrQ2y2N1K7S9mE0o=")
    from benchmarks.fixtures import machine_speed

    print(f"# calendars benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine_speed()}")
    print(f"{'database':<11}{'events':>7}{'occurr.':>9}{'intervals':>10}{'sync p50 s':>12}{'sync max s':>12}"
          f"{'slots':>7}{'slots p50 ms':>14}{'slots p95 ms':>14}")
    for kind in (DATABASES if args.database == "both" else (args.database,)):
        r = run_one(kind, args.events, args.syncs, args.requests)
        print(f"{r['database']:<11}{r['events']:>7}{r['occurrences']:>9}{r['intervals']:>10}{r['sync_p50_s']:>12.3f}"
              f"{r['sync_max_s']:>12.3f}{r['slots']:>7}{r['slots_p50_ms']:>14.1f}{r['slots_p95_ms']:>14.1f}")
    print("targets: sync of 2,000 events < 2 s; slots p95 < 20 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
