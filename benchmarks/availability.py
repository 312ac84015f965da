"""Availability and hold benchmarks through the JSON API, on SQLite and PostgreSQL.

    python -m benchmarks.availability                      # both databases, both modes, 200 slot requests
    python -m benchmarks.availability --database sqlite --requests 500
    python -m benchmarks.availability --mode server        # only against a real server process

For each database kind a throwaway database is created and migrated (a SQLite file in a
temporary directory; a new PostgreSQL database, dropped at the end even on errors), with one
London builder open Mon-Sun 06:00-22:00, a paid 30-minute session type and 5,000 confirmed
bookings from 60 days ago to 180 days ahead (~65 % of the half-hour slots taken).

Two modes (``--mode``, default both), each on its own freshly seeded database:

* in-process: FastAPI's TestClient, no network, no server; client threads, app and emulator
  share one Python process (and its GIL), which inflates latencies under concurrency.
* server: the same app (``create_api``, no Reflex) served by granian (``--server-workers``,
  default 1) in a child process on 127.0.0.1; this process is only the client, one keep-alive
  ``http.client`` connection per client thread, each from its own loopback address
  (127.0.0.2, 127.0.0.3, ...) so the per-address hold limit applies as in production. A hold
  opens its Checkout Session with the emulator the server hosts itself, over real HTTP.

In each mode:

* slots: ``GET /api/session-types/{id}/slots`` for the 30 days from tomorrow (London), which
  hold about an eighth of the bookings; p50/p95/mean over ``--requests`` after a warm-up.
* holds, distinct slots: 8 threads, each with its own client and client address, create
  holds on different free slots at the same time; holds/s and latency.
* holds, one contended slot: 8 threads ask for the same free slot at once (released by a
  barrier), for 25 rounds with a fresh slot each; exactly one winner per round expected, the
  losers' (409) latency reported.

Targets (issue): slots p95 under 20 ms; contended losers answered under 100 ms p95. They are
printed next to the figures; nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

# The benchmark process makes hundreds of unpaid holds from 8 client addresses; the default
# limit of 3 per address would turn most of them into 429s (100 is the setting's maximum).
os.environ["MAX_ACTIVE_HOLDS"] = "100"
os.environ.pop("STRIPE_SECRET_KEY", None)  # never talk to a real Stripe account
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")

from fastapi.testclient import TestClient  # noqa: E402
from sqlmodel import Session  # noqa: E402

from booking_app import db, migrations  # noqa: E402
from booking_app.api.app import create_api  # noqa: E402
from tests.support.stripe_inprocess import in_process_gateway  # noqa: E402
from booking_app.models import Booking, BookingStatus  # noqa: E402
from booking_app.settings import get_settings  # noqa: E402
from benchmarks.fixtures import HttpClient, add_bench_builder, api_server  # noqa: E402
from booking_app.tokens import new_booking_token  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get(
    "BOOKING_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DATABASES = ("sqlite", "postgresql")
MODES = ("in-process", "server")
# The server's settings: the local Stripe emulator (empty values, so a developer's .env cannot
# point the benchmark at a real Stripe account) and room for the benchmark's unpaid holds.
SERVER_ENVIRONMENT = {"STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": "", "MAX_ACTIVE_HOLDS": "100"}
SERVER_TIMEOUT_S = 60.0
LONDON = ZoneInfo("Europe/London")
OPEN_MINUTE, CLOSE_MINUTE = 6 * 60, 22 * 60  # every day 06:00-22:00 London
SLOT_MINUTES = 30
SLOTS_PER_DAY = (CLOSE_MINUTE - OPEN_MINUTE) // SLOT_MINUTES  # 32
EXISTING_BOOKINGS = 5000
BOOKED_DAYS = range(-60, 181)  # relative to today (London): history and the months ahead
RANGE_DAYS = 30  # the slots request: tomorrow + 29 days
HOLD_DAYS = (31, 90)  # free slots for the hold benchmarks come from here (no overlap with the above)
CLIENTS = 8
HOLDS_PER_CLIENT = 40  # distinct-slot phase; stays under MAX_ACTIVE_HOLDS per client address
CONTENDED_ROUNDS = 25
WARMUP_REQUESTS = 20
SLOTS_P95_TARGET_MS = 20.0
LOSERS_P95_TARGET_MS = 100.0
SEED = 20240601


# ----------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(latencies_s: Sequence[float]) -> dict[str, float]:
    if not latencies_s:
        return {"p50_ms": float("nan"), "p95_ms": float("nan"), "mean_ms": float("nan")}
    ms = [value * 1000 for value in latencies_s]
    return {"p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "mean_ms": statistics.fmean(ms)}


# ----------------------------------------------------------------------------- databases


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="booking-bench-") as directory:
        yield f"sqlite:///{Path(directory) / 'bench.db'}"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped on the way out whatever happened."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"booking_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            db.dispose_engines()  # the app's pooled connections would block the drop
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL)
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as exc:  # any driver error: the server is not usable
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def server_version(url: str) -> str:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                return "SQLite " + connection.execute(sa.text("SELECT sqlite_version()")).scalar_one()
            return "PostgreSQL " + connection.execute(sa.text("SHOW server_version")).scalar_one().split()[0]
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- data


def london_today() -> dt.date:
    return dt.datetime.now(LONDON).date()


def slot_start(day: dt.date, index: int) -> dt.datetime:
    """UTC start of the ``index``-th half hour after opening on a London ``day``."""
    minute = OPEN_MINUTE + index * SLOT_MINUTES
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), LONDON)
    return local.astimezone(dt.UTC)


def seed(url: str, today: dt.date) -> dict[str, int]:
    """Builder, weekly hours, session type and the existing bookings; returns ids and counts."""
    engine = db.make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            builder, kind = add_bench_builder(
                session, slug="bench", timezone="Europe/London", open_minute=OPEN_MINUTE, close_minute=CLOSE_MINUTE,
                duration_minutes=SLOT_MINUTES, price=5000, horizon_days=365)
            session.commit()
            builder_id, kind_id = builder.id, kind.id

        # Distinct half-hour cells of the calendar, so no two bookings overlap (PostgreSQL's
        # exclusion constraint would refuse that).
        cells = [(offset, index) for offset in BOOKED_DAYS for index in range(SLOTS_PER_DAY)]
        chosen = random.Random(SEED).sample(cells, EXISTING_BOOKINGS)
        created = dt.datetime.now(dt.UTC)
        rows = []
        for offset, index in chosen:
            start = slot_start(today + dt.timedelta(days=offset), index)
            end = start + dt.timedelta(minutes=SLOT_MINUTES)
            token = new_booking_token()
            rows.append(dict(
                public_token=token, builder_id=builder_id, session_type_id=kind_id,
                start_at=start, end_at=end, blocked_start=start, blocked_end=end,
                occupancy_key=f"booking:{token}", seat=1,
                customer_name="Existing Customer", customer_email=f"existing{len(rows)}@example.com",
                customer_notes="", customer_timezone="Europe/London", client_address=None,
                status=BookingStatus.CONFIRMED, amount=5000, currency="gbp",
                hold_expires_at=None, confirmed_at=created, created_at=created, updated_at=created,
            ))
        with engine.begin() as connection:
            connection.execute(sa.insert(Booking.__table__), rows)
            if engine.dialect.name == "postgresql":
                connection.execute(sa.text("ANALYZE"))
        in_range = sum(1 for offset, _ in chosen if 1 <= offset <= RANGE_DAYS)
        return {"builder_id": builder_id, "session_type_id": kind_id, "bookings_in_range": in_range}
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- measurements


def use_database(url: str) -> None:
    """Point the app (settings and engine cache) at ``url``."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    db.dispose_engines()


Client = TestClient | HttpClient


def timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def bench_slots(client: Client, kind_id: int, first: dt.date, requests: int) -> dict[str, object]:
    params = {"start": first.isoformat(), "end": (first + dt.timedelta(days=RANGE_DAYS - 1)).isoformat(),
              "timezone": "Europe/London"}
    path = f"/api/session-types/{kind_id}/slots"
    for _ in range(WARMUP_REQUESTS):
        response = client.get(path, params=params)
        if response.status_code != 200:
            raise RuntimeError(f"slots warm-up answered {response.status_code}: {response.text[:300]}")
    latencies = []
    slot_count = 0
    for _ in range(requests):
        elapsed, response = timed(lambda: client.get(path, params=params))
        if response.status_code != 200:
            raise RuntimeError(f"slots answered {response.status_code}: {response.text[:300]}")
        slot_count = len(response.json()["slots"])
        latencies.append(elapsed)
    return {"requests": requests, "slots_returned": slot_count, **summary(latencies)}


def free_slots(client: Client, kind_id: int, today: dt.date) -> list[str]:
    first, last = (today + dt.timedelta(days=days) for days in HOLD_DAYS)
    params = {"start": first.isoformat(), "end": last.isoformat(), "timezone": "Europe/London"}
    response = client.get(f"/api/session-types/{kind_id}/slots", params=params)
    response.raise_for_status()
    return [slot["start"] for slot in response.json()["slots"]]


def hold_body(kind_id: int, start: str, email: str) -> dict[str, object]:
    return {"session_type_id": kind_id, "start": start, "name": "Bench Customer", "email": email,
            "timezone": "Europe/London"}


Work = Callable[[int, Client, threading.Barrier], None]


def run_threads(clients: Sequence[Client], work: Work) -> None:
    """Run ``work(i, client, barrier)`` on one thread per client; re-raise the first error."""
    barrier = threading.Barrier(len(clients))
    errors: list[BaseException] = []

    def target(number: int, client: Client) -> None:
        try:
            work(number, client, barrier)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=target, args=(number, client), name=f"bench-client-{number}")
               for number, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def bench_distinct_holds(clients: Sequence[Client], kind_id: int, starts: list[str]) -> dict[str, object]:
    per_client = [starts[n::len(clients)][:HOLDS_PER_CLIENT] for n in range(len(clients))]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    finished: list[float] = []
    began: list[float] = []
    lock = threading.Lock()

    def work(number: int, client: Client, barrier: threading.Barrier) -> None:
        client.get("/api/health")  # warm-up: the client's event loop and a pooled connection
        mine, codes = [], Counter()
        barrier.wait()
        with lock:
            began.append(time.perf_counter())
        for i, start in enumerate(per_client[number]):
            body = hold_body(kind_id, start, f"distinct-{number}-{i}@example.com")
            elapsed, response = timed(lambda: client.post("/api/bookings", json=body))
            mine.append(elapsed)
            codes[response.status_code] += 1
        with lock:
            finished.append(time.perf_counter())
            latencies.extend(mine)
            statuses.update(codes)

    run_threads(clients, work)
    wall = max(finished) - min(began)
    return {"clients": len(clients), "holds": statuses[201], "statuses": dict(sorted(statuses.items())),
            "wall_s": wall, "holds_per_s": statuses[201] / wall, **summary(latencies)}


def bench_contended_holds(
    clients: Sequence[Client], kind_id: int, starts: list[str]
) -> dict[str, object]:
    winners_per_round: list[int] = []
    loser_latencies: list[float] = []
    winner_latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    round_results: list[tuple[int, float]] = []

    def work(number: int, client: Client, barrier: threading.Barrier) -> None:
        client.get("/api/health")
        for round_number, start in enumerate(starts):
            body = hold_body(kind_id, start, f"contended-{round_number}-{number}@example.com")
            barrier.wait()  # everyone fires at the same slot together
            elapsed, response = timed(lambda: client.post("/api/bookings", json=body))
            with lock:
                round_results.append((response.status_code, elapsed))
            if barrier.wait() == 0:  # one thread closes the round; the others wait at the next start
                with lock:
                    codes = Counter(code for code, _ in round_results)
                    statuses.update(codes)
                    winners_per_round.append(codes[201])
                    winner_latencies.extend(t for code, t in round_results if code == 201)
                    loser_latencies.extend(t for code, t in round_results if code != 201)
                    round_results.clear()

    run_threads(clients, work)
    losers = summary(loser_latencies)
    return {
        "clients": len(clients), "rounds": len(starts), "winners_per_round": dict(Counter(winners_per_round)),
        "statuses": dict(sorted(statuses.items())), "losers": len(loser_latencies),
        "loser_p50_ms": losers["p50_ms"], "loser_p95_ms": losers["p95_ms"],
        "loser_mean_ms": losers["mean_ms"],
        "winner_p50_ms": summary(winner_latencies)["p50_ms"],
    }


def _restore_database_url(previous: str | None) -> None:
    if previous is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = previous
    get_settings.cache_clear()


def run_database(kind: str, requests: int = 200, mode: str = "in-process", server_workers: int = 1
                 ) -> list[dict[str, object]]:
    """All three benchmarks on a fresh database of ``kind`` in ``mode``; one result dict per benchmark."""
    if kind not in DATABASES:
        raise ValueError(f"unknown database kind {kind!r}; expected one of {DATABASES}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
    previous_url = os.environ.get("DATABASE_URL")
    with ExitStack() as stack:
        stack.callback(_restore_database_url, previous_url)
        url = stack.enter_context(sqlite_database() if kind == "sqlite" else postgres_database())
        migrations.upgrade(url)
        today = london_today()
        ids = seed(url, today)
        use_database(url)
        stack.callback(db.dispose_engines)
        version = server_version(url)
        base = {"database": kind, "server": version, "mode": mode}
        if mode == "in-process":
            api = create_api()
            # One client per thread, each with its own address (the hold limit counts per address).
            clients: list[Client] = [
                stack.enter_context(TestClient(api, client=(f"198.51.100.{number + 1}", 50000)))
                for number in range(CLIENTS)]
            # A paid hold also opens its Checkout Session: with the local emulator, in-process.
            stack.enter_context(in_process_gateway(clients[0]))
        else:
            db.dispose_engines()  # the server process has its own connections
            address, _pid = stack.enter_context(api_server(url, server_workers, SERVER_ENVIRONMENT))
            base["server_workers"] = server_workers
            clients = []
            for number in range(CLIENTS):
                client = HttpClient(address, f"127.0.0.{number + 2}", timeout=SERVER_TIMEOUT_S)
                stack.callback(client.close)
                clients.append(client)

        slots = bench_slots(clients[0], ids["session_type_id"], today + dt.timedelta(days=1), requests)
        slots["load"] = os.getloadavg()[0]
        starts = free_slots(clients[0], ids["session_type_id"], today)
        needed = CLIENTS * HOLDS_PER_CLIENT + CONTENDED_ROUNDS
        if len(starts) < needed:
            raise RuntimeError(f"only {len(starts)} free slots for the hold benchmarks; {needed} needed")
        random.Random(SEED).shuffle(starts)
        distinct = bench_distinct_holds(clients, ids["session_type_id"], starts[: CLIENTS * HOLDS_PER_CLIENT])
        distinct["load"] = os.getloadavg()[0]
        contended = bench_contended_holds(clients, ids["session_type_id"], starts[-CONTENDED_ROUNDS:])
        contended["load"] = os.getloadavg()[0]
    return [
        {**base, "benchmark": "slots", "existing_bookings": EXISTING_BOOKINGS,
         "bookings_in_range": ids["bookings_in_range"], "range_days": RANGE_DAYS, **slots},
        {**base, "benchmark": "holds_distinct", **distinct},
        {**base, "benchmark": "holds_contended", **contended},
    ]


def run(databases: Sequence[str] = DATABASES, requests: int = 200, modes: Sequence[str] = ("in-process",),
        server_workers: int = 1) -> list[dict[str, object]]:
    """Every benchmark on every database kind in ``databases`` and mode in ``modes``; a flat list."""
    results: list[dict[str, object]] = []
    for kind in databases:
        for mode in modes:
            results.extend(run_database(kind, requests, mode, server_workers))
    return results


# ----------------------------------------------------------------------------- report


def header() -> str:
    return "\n".join([
        "Availability and hold benchmark (JSON API; in-process TestClient and/or granian server)",
        f"date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"python: {platform.python_version()} ({platform.python_implementation()}), "
        f"sqlite3 library {sqlite3.sqlite_version}",
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}",
        f"data: {EXISTING_BOOKINGS} confirmed 30-min bookings on days {BOOKED_DAYS.start}.."
        f"{BOOKED_DAYS.stop - 1} from today; builder open daily 06:00-22:00 Europe/London",
    ])


def _mode_label(row: dict[str, object]) -> str:
    if row["mode"] == "server":
        return f"granian server, {row['server_workers']} worker(s), client in this process over HTTP"
    return "in-process TestClient"


def _verdict(value: float, target: float) -> str:
    return f"target < {target:.0f} ms: {'met' if value < target else 'MISSED'}"


def format_results(results: Sequence[dict[str, object]]) -> str:
    lines: list[str] = []
    for row in results:
        if row["benchmark"] == "slots":
            lines += [
                "",
                f"== {row['database']} ({row['server']}), {_mode_label(row)} ==",
                f"{'benchmark':<34}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}  notes",
                f"{'slots, 30-day range':<34}{row['requests']:>6}{row['p50_ms']:>10.2f}{row['p95_ms']:>10.2f}"
                f"{row['mean_ms']:>10.2f}  {row['bookings_in_range']} bookings in range, "
                f"{row['slots_returned']} slots returned; {_verdict(row['p95_ms'], SLOTS_P95_TARGET_MS)}; "
                f"load {row['load']:.2f}",
            ]
        elif row["benchmark"] == "holds_distinct":
            label = f"holds, {row['clients']} clients, distinct slots"
            lines.append(
                f"{label:<34}{sum(row['statuses'].values()):>6}"
                f"{row['p50_ms']:>10.2f}{row['p95_ms']:>10.2f}{row['mean_ms']:>10.2f}  "
                f"{row['holds_per_s']:.0f} holds/s ({row['holds']} holds in {row['wall_s']:.2f} s); "
                f"statuses {row['statuses']}; load {row['load']:.2f}"
            )
        elif row["benchmark"] == "holds_contended":
            winners = row["winners_per_round"]
            exact = winners == {1: row["rounds"]}
            label = f"holds, {row['clients']} clients, one slot (losers)"
            lines.append(
                f"{label:<34}{row['losers']:>6}"
                f"{row['loser_p50_ms']:>10.2f}{row['loser_p95_ms']:>10.2f}{row['loser_mean_ms']:>10.2f}  "
                f"{row['rounds']} rounds, winners per round {winners} "
                f"({'exactly 1 each' if exact else 'NOT exactly 1 each'}); statuses {row['statuses']}; "
                f"winner p50 {row['winner_p50_ms']:.2f} ms; "
                f"{_verdict(row['loser_p95_ms'], LOSERS_P95_TARGET_MS)}; load {row['load']:.2f}"
            )
        elif row["benchmark"] == "skipped":
            lines += ["", f"== {row['database']} == skipped: {row['reason']}"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.availability",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=[*DATABASES, "both"], default="both")
    parser.add_argument("--requests", type=int, default=200,
                        help="timed slot requests per database (default 200)")
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both",
                        help="in-process (TestClient), server (granian child process, HTTP) or both (default)")
    parser.add_argument("--server-workers", type=int, default=1, help="granian worker processes (default 1)")
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    if args.server_workers < 1:
        parser.error("--server-workers must be at least 1")
    modes = list(MODES) if args.mode == "both" else [args.mode]
    kinds = list(DATABASES) if args.database == "both" else [args.database]
    print(header(), flush=True)
    results: list[dict[str, object]] = []
    for kind in kinds:
        if kind == "postgresql" and (problem := postgres_problem()):
            if args.database == "postgresql":
                print(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {problem}", file=sys.stderr)
                return 2
            rows = [{"database": kind, "benchmark": "skipped", "reason": f"unreachable ({problem})"}]
            results.extend(rows)
            print(format_results(rows), flush=True)
            continue
        for mode in modes:
            rows = run_database(kind, args.requests, mode, args.server_workers)
            results.extend(rows)
            print(format_results(rows), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
