"""Builder sign-in latency: the Argon2 profile before and after issue 19.

    python -m benchmarks.auth                      # SQLite, 200 sign-ins, 8 at once
    python -m benchmarks.auth --signins 50 --concurrency 4

A migrated throw-away SQLite database with one builder; ``--concurrency`` threads sign in
with the right password (``accounts.sessions.sign_in``: throttle check and record, Argon2
verification, session start) until ``--signins`` are done, once with argon2-cffi's default
profile (RFC 9106 low-memory: 64 MiB, t=3, p=4 — what the app used before) and once with the
profile the app uses now (OWASP: 19 MiB, t=2, p=1). Prints p50 / p95 / max per sign-in and
sign-ins per second. Every attempt comes from its own client address (no throttling).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from argon2 import PasswordHasher

from benchmarks.availability import sqlite_database
from benchmarks.fixtures import machine_speed

PASSWORD = "a benchmark passphrase"
PROFILES = {
    "argon2-cffi default (64 MiB, t=3, p=4; before)": PasswordHasher(),
    "OWASP (19 MiB, t=2, p=1; now)": PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1),
}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(signins: int, concurrency: int) -> None:
    from booking_app import db, migrations
    from booking_app.accounts import passwords, sessions
    from sqlmodel import update

    from booking_app.accounts.service import NewBuilder
    from booking_app.models import User
    from booking_app.settings import get_settings

    print(machine_speed())
    with sqlite_database() as url:
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        db.dispose_engines()
        migrations.upgrade(url)
        sessions.sign_up(NewBuilder(email="bench@example.com", password=PASSWORD, slug="bench",
                                    display_name="Bench Builder", timezone="UTC"), now=datetime.now(UTC))
        print(f"{signins} sign-ins, {concurrency} at once, SQLite")
        print(f"{'':9}{'profile':43} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'per s':>7}")
        for label, hasher in PROFILES.items():
            passwords._hasher = hasher
            stored = hasher.hash(PASSWORD)
            with db.write_session() as session:
                session.execute(update(User).values(password_hash=stored))

            def one(n: int) -> float:
                started = time.perf_counter()
                sessions.sign_in("bench@example.com", PASSWORD, client_address=f"10.{n // 65536}.{n // 256 % 256}.{n % 256}",
                                 now=datetime.now(UTC))
                return (time.perf_counter() - started) * 1000

            began = time.perf_counter()
            with ThreadPoolExecutor(concurrency) as pool:
                latencies = list(pool.map(one, range(signins)))
            rate = signins / (time.perf_counter() - began)
            print(f"sign-in, {label:43} {statistics.median(latencies):8.1f} {_percentile(latencies, 0.95):8.1f} "
                  f"{max(latencies):8.1f} {rate:7.1f}")
        db.dispose_engines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    arguments = parser.parse_args()
    run(arguments.signins, arguments.concurrency)


if __name__ == "__main__":
    main()
