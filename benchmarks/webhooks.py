"""Stripe webhook benchmark: signed events processed per second, 10 % duplicates, on SQLite and PostgreSQL.

    python -m benchmarks.webhooks                               # both databases, 4000 events
    python -m benchmarks.webhooks --database postgresql --events 500
    python -m benchmarks.webhooks --server                      # also against a real server process
    python -m benchmarks.webhooks --database postgresql --profile   # where the time goes (slow!)

For each database kind a throwaway database is created and migrated (a SQLite file in a
temporary directory; a new PostgreSQL database, dropped at the end even on errors), with one
builder open around the clock (UTC) and a paid 30-minute session type.

Setup (not measured): one hold per distinct event, each on its own slot and with its own
e-mail and client address (rows inserted in bulk as ``create_hold`` writes them), is given a
Checkout Session by ``bookings.reserve.start_checkout``, which goes through the real stripe
SDK into the local emulator (in-process). Every session is then paid in the emulator
(``emulator.operations.checkout_outcome(..., "pay")``), and the ``checkout.session.completed``
events the emulator generated are read back from its store.

Measured: those events plus 10 % duplicates (a random tenth of them delivered twice), shuffled,
are POSTed to ``/api/stripe/webhook`` with freshly generated ``Stripe-Signature`` headers by
``--clients`` concurrent threads pulling from one queue. Each event costs what it costs in
production: signature check, dedupe lookup (a paid session in a signed event is not re-read from
Stripe since 2026-12-02: "paid" is final; other states are re-read through the SDK), then the
payment, the booking and the ``stripe_event`` row (on PostgreSQL one self-contained statement, see payments/fulfilment.py;
on SQLite one transaction). ``--events`` counts every delivery, duplicates included. Warm-up
events (as many clients at once as the timed phase) are delivered before timing starts and
left out of the figures. The header's "machine speed" is a yardstick for comparing runs.

Variants:

* in-process (always): FastAPI's TestClient, one per client thread, no network; the SDK's
  requests are handed to the same app by a ``stripe.HTTPClient`` that uses a TestClient
  (as ``tests/integration/payments/conftest.py`` does).
* server (``--server``): the same app (``create_api``, no Reflex) served by granian in a child
  process on 127.0.0.1; deliveries over HTTP/1.1 with keep-alive (the standard library's
  client, lighter than httpx, so that the stand-in for Stripe takes less of the CPUs), and the app's SDK calls the
  emulator over real loopback HTTP. Client and server share this machine's CPUs.
  ``--server-clients`` (default 8) deliveries are in flight at once. (This benchmark found a
  stall, since fixed: the webhook handler and the emulator it calls over HTTP shared asyncio's
  default thread pool; the emulator now has threads of its own.)

Reported per run: events sent, duplicates, accepted (HTTP 200), events/s over the wall time of
the timed phase, p50/p95/p99 latency per request, CPU milliseconds per event (whole process:
the app and, in-process, the client threads too) and the webhook outcomes.

Afterwards a consistency check runs against the database: every booking confirmed exactly once
(confirmed, with one paid payment, and exactly one "confirmed" webhook outcome), ``stripe_event``
holding exactly one row per distinct event id, no payment paid twice (no refunds, no
"paid twice" outcomes), and every delivery answered 200.

Target (issue): >= 500 events/s on PostgreSQL on this machine. It is printed next to the
figures; nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import random
import signal
import sqlite3
import statistics
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
import stripe

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")

from fastapi.testclient import TestClient  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from benchmarks.availability import (  # noqa: E402
    POSTGRES_ADMIN_URL,
    percentile,
    postgres_database,
    postgres_problem,
    server_version,
    sqlite_database,
)
from benchmarks.fixtures import HttpClient, add_bench_builder, api_server, machine_speed  # noqa: E402
from booking_app import db, migrations  # noqa: E402
from booking_app.api.app import create_api  # noqa: E402
from booking_app.models import (  # noqa: E402
    Booking,
    BookingStatus,
    Payment,
    PaymentStatus,
    Refund,
    StripeEvent,
)
from booking_app.models.stripe_emulator import EmulatorObject  # noqa: E402
from booking_app.bookings.reserve import start_checkout  # noqa: E402
from booking_app.payments.emulator import operations  # noqa: E402
from booking_app.payments.gateway import StripeGateway, build_client, use_gateway  # noqa: E402
from booking_app.payments.signing import EMULATOR_WEBHOOK_SECRET, accepted_secrets  # noqa: E402
from booking_app.scheduling.availability import booking_occupancy_key  # noqa: E402
from booking_app.settings import get_settings  # noqa: E402
from booking_app.tokens import new_booking_token  # noqa: E402

DATABASES = ("sqlite", "postgresql")
MODES = ("in-process", "server")
DEFAULT_EVENTS = 4000  # fewer make a timed phase of a few seconds, easily swayed by the machine
DEFAULT_CLIENTS = 8
DEFAULT_SERVER_CLIENTS = 8
DUPLICATE_SHARE = 0.10
WARMUP_EVENTS = 100
SLOT_MINUTES = 30
PRICE = 5000
EMAIL_DOMAIN = "webhook-bench.example.com"
TARGET_EVENTS_PER_S = 500.0  # PostgreSQL, this machine (issue)
PAY_BATCH = 200  # sessions paid per emulator transaction in the setup
WEBHOOK_PATH = "/api/stripe/webhook"
SERVER_TIMEOUT_S = 120.0  # per delivery against the server; longer than the stripe SDK's 80 s
SEED = 20240601

# The app's settings for the benchmark. Empty Stripe values (rather than unset ones) so that a
# developer's .env cannot point the benchmark at a real Stripe account or another secret.
APP_ENVIRONMENT = {
    "STRIPE_SECRET_KEY": "",
    "STRIPE_WEBHOOK_SECRET": "",
    "MAX_ACTIVE_HOLDS": "100",
    # Holds (and their Checkout Sessions) must outlive setup + run even for a large --events;
    # an expired hold would send its payment down the late-payment path instead.
    "HOLD_MINUTES": "240",
}


# ----------------------------------------------------------------------------- statistics


def latency_summary(latencies_s: Sequence[float]) -> dict[str, float]:
    if not latencies_s:
        return {key: float("nan") for key in ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "max_ms")}
    ms = [value * 1000 for value in latencies_s]
    return {"p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "p99_ms": percentile(ms, 99),
            "mean_ms": statistics.fmean(ms), "max_ms": max(ms)}


# ----------------------------------------------------------------------------- environment


@contextmanager
def app_environment(url: str, app_url: str) -> Iterator[None]:
    """Point the app's settings (and engine cache) at ``url`` in emulator mode; restore after."""
    values = {**APP_ENVIRONMENT, "DATABASE_URL": url, "APP_URL": app_url}
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    get_settings.cache_clear()
    db.dispose_engines()
    try:
        settings = get_settings()
        if not settings.uses_stripe_emulator or accepted_secrets() != [EMULATOR_WEBHOOK_SECRET]:
            raise RuntimeError("the benchmark needs the local Stripe emulator and its webhook secret")
        yield
    finally:
        use_gateway(None)
        db.dispose_engines()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


class InProcessHTTPClient(stripe.HTTPClient):
    """Hands the stripe SDK's requests to the ASGI app through a TestClient (no network)."""

    name = "in-process"

    def __init__(self, client: TestClient) -> None:
        super().__init__()
        self._client = client

    def request(self, method, url, headers, post_data=None, **_kwargs):  # noqa: ANN001 - SDK signature
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self._client.request(method.upper(), path, headers=dict(headers or {}), content=post_data)
        return response.content, response.status_code, response.headers

    def close(self) -> None:
        pass


@contextmanager
def in_process_gateway(api) -> Iterator[None]:  # noqa: ANN001 - FastAPI app
    """The app's gateway talks to the emulator mounted in ``api``, through a TestClient."""
    with TestClient(api, client=("192.0.2.1", 40000)) as client:
        use_gateway(StripeGateway(build_client(http_client=InProcessHTTPClient(client))))
        try:
            yield
        finally:
            use_gateway(None)


# ----------------------------------------------------------------------------- setup


def seed(url: str) -> dict[str, int]:
    """A builder open 24 h every day (UTC) and a paid 30-minute session type."""
    engine = db.make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            builder, kind = add_bench_builder(
                session, slug="webhook-bench", timezone="UTC", open_minute=0, close_minute=1440,
                duration_minutes=SLOT_MINUTES, price=PRICE, horizon_days=3650)
            session.commit()
            return {"builder_id": builder.id, "session_type_id": kind.id}
    finally:
        engine.dispose()


def client_address(number: int) -> str:
    return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"


def make_paid_holds(ids: dict[str, int], count: int) -> list[str]:
    """``count`` holds, each on its own slot with its own e-mail and client address, and a
    Checkout Session for each made by the app's ``start_checkout`` (the real stripe SDK into the
    emulator; needs ``in_process_gateway``). Returns the Checkout Session ids, in order.

    The hold rows are inserted in bulk, as ``create_hold`` would write them: going through
    ``create_hold`` one by one made the (unmeasured) setup several times slower."""
    now = dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(minutes=get_settings().hold_minutes)
    first = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), dt.UTC)
    rows = []
    for number in range(count):
        start = first + dt.timedelta(minutes=SLOT_MINUTES * number)
        end = start + dt.timedelta(minutes=SLOT_MINUTES)
        token = new_booking_token()
        rows.append(dict(
            public_token=token, builder_id=ids["builder_id"], session_type_id=ids["session_type_id"],
            start_at=start, end_at=end, blocked_start=start, blocked_end=end,
            occupancy_key=booking_occupancy_key(token), seat=1, customer_name=f"Webhook Customer {number}",
            customer_email=f"customer{number}@{EMAIL_DOMAIN}", customer_notes="", customer_timezone="UTC",
            client_address=client_address(number), status=BookingStatus.PENDING_PAYMENT, amount=PRICE,
            currency="gbp", hold_expires_at=expires, confirmed_at=None,
            created_at=now, updated_at=now,
        ))
    with db.get_engine().begin() as connection:
        connection.execute(sa.insert(Booking.__table__), rows)
    for row in rows:
        start_checkout(row["public_token"], now=dt.datetime.now(dt.UTC))
    with db.read_session() as session:
        sessions = list(session.exec(select(Payment.checkout_session_id).order_by(Payment.id)))
    if len(sessions) != count:
        raise RuntimeError(f"{len(sessions)} checkout sessions for {count} holds")
    return sessions


def pay_in_emulator(session_ids: Sequence[str]) -> list[dict]:
    """The customer pays each session on the emulator's hosted page (its operation, without
    the page's clock tick); returns the ``checkout.session.completed`` events, in order."""
    for first in range(0, len(session_ids), PAY_BATCH):
        with db.write_session() as session:
            for session_id in session_ids[first:first + PAY_BATCH]:
                _data, error = operations.checkout_outcome(session, session_id, "pay")
                if error is not None:
                    raise RuntimeError(f"emulator refused to pay {session_id}: {error}")
    with db.read_session() as session:
        stored = session.exec(select(EmulatorObject.data).where(EmulatorObject.object_type == "event")).all()
    by_session = {event["data"]["object"]["id"]: event for event in stored
                  if event["type"] == "checkout.session.completed"}
    missing = [session_id for session_id in session_ids if session_id not in by_session]
    if missing:
        raise RuntimeError(f"no checkout.session.completed event for {len(missing)} sessions, e.g. {missing[0]}")
    return [by_session[session_id] for session_id in session_ids]


@dataclass(frozen=True)
class Delivery:
    event_id: str
    body: str  # the exact JSON text that is signed and sent


def deliveries_for(events: Sequence[dict], duplicates: int, rng: random.Random) -> list[Delivery]:
    """Every event once, ``duplicates`` of them a second time, shuffled."""
    once = [Delivery(event["id"], json.dumps(event)) for event in events]
    twice = rng.sample(once, duplicates)
    deliveries = once + twice
    rng.shuffle(deliveries)
    return deliveries


@dataclass
class Prepared:
    ids: dict[str, int]
    warmup: list[Delivery]
    measured: list[Delivery]
    distinct: int
    duplicates: int
    setup_s: float


def prepare(url: str, api, events: int) -> Prepared:  # noqa: ANN001 - FastAPI app
    """Seed, make and pay the holds, build the delivery list. Not measured."""
    started = time.perf_counter()
    ids = seed(url)
    duplicates = round(events * DUPLICATE_SHARE)
    distinct = events - duplicates
    with in_process_gateway(api):
        sessions = make_paid_holds(ids, WARMUP_EVENTS + distinct)
        paid = pay_in_emulator(sessions)
    rng = random.Random(SEED)
    warmup = [Delivery(event["id"], json.dumps(event)) for event in paid[:WARMUP_EVENTS]]
    measured = deliveries_for(paid[WARMUP_EVENTS:], duplicates, rng)
    if db.get_engine().dialect.name == "postgresql":
        with db.get_engine().begin() as connection:
            connection.execute(sa.text("ANALYZE"))
    return Prepared(ids, warmup, measured, distinct, duplicates, time.perf_counter() - started)


# ----------------------------------------------------------------------------- sending

# (body, Stripe-Signature header) -> (HTTP status, the webhook's "outcome" or None)
Post = Callable[[str, str], tuple[int, str | None]]


def sign(body: str) -> str:
    return stripe.WebhookSignature.generate_signature_header(body, EMULATOR_WEBHOOK_SECRET)


def _answer(status: int, content: bytes) -> tuple[int, str | None]:
    if status != 200:
        return status, f"HTTP {status}: {content[:200]!r}"
    try:
        return status, json.loads(content).get("outcome")
    except ValueError:
        return status, f"HTTP 200 without JSON: {content[:200]!r}"


def in_process_post(client: TestClient) -> Post:
    def post(body: str, header: str) -> tuple[int, str | None]:
        response = client.post(WEBHOOK_PATH, content=body.encode(),
                               headers={"Stripe-Signature": header, "Content-Type": "application/json"})
        return _answer(response.status_code, response.content)

    return post


def server_post(client: HttpClient) -> Post:
    def post(body: str, header: str) -> tuple[int, str | None]:
        try:
            response = client.request("POST", WEBHOOK_PATH, body.encode(),
                                      {"Stripe-Signature": header, "Content-Type": "application/json"})
        except TimeoutError:  # a stalled server: counted (status 0), and the run goes on
            client.close()  # the answer may still come; the next request opens a new connection
            return 0, f"no answer within {SERVER_TIMEOUT_S:.0f} s"
        return _answer(response.status_code, response.content)

    return post


@dataclass
class Sent:
    event_id: str
    status: int
    outcome: str | None
    latency_s: float


def warm_up(posts: Sequence[Post], deliveries: Sequence[Delivery]) -> list[Sent]:
    """Deliveries before timing starts, as concurrent as the timed phase: the server's
    database pool opens its connections and PostgreSQL prepares its statements here."""
    sent, _wall = send_concurrently(posts, deliveries)
    bad = [item for item in sent if item.status != 200]
    if bad:
        raise RuntimeError(f"warm-up delivery answered {bad[0].status}: {bad[0].outcome}")
    return sent


def send_concurrently(posts: Sequence[Post], deliveries: Sequence[Delivery]) -> tuple[list[Sent], float]:
    """One thread per ``post``; the threads take the next delivery from a shared queue, sign
    it and send it. Returns every answer and the wall time from the common start to the last
    answer."""
    position = 0
    lock = threading.Lock()
    began: list[float] = []
    barrier = threading.Barrier(len(posts), action=lambda: began.append(time.perf_counter()))
    finished: list[float] = []
    results: list[Sent] = []
    errors: list[BaseException] = []

    def work(post: Post) -> None:
        nonlocal position
        mine: list[Sent] = []
        try:
            barrier.wait()
            while True:
                with lock:
                    index = position
                    position += 1
                if index >= len(deliveries):
                    break
                delivery = deliveries[index]
                header = sign(delivery.body)  # fresh, as Stripe signs each delivery attempt
                started = time.perf_counter()
                status, outcome = post(delivery.body, header)
                mine.append(Sent(delivery.event_id, status, outcome, time.perf_counter() - started))
        except BaseException as exc:  # reported in the calling thread
            errors.append(exc)
            barrier.abort()
        finally:
            with lock:
                finished.append(time.perf_counter())
                results.extend(mine)

    threads = [threading.Thread(target=work, args=(post,), name=f"webhook-client-{number}")
               for number, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results, max(finished) - began[0]


# ----------------------------------------------------------------------------- in-process / server


@dataclass
class Measured:
    warmup: list[Sent]
    sent: list[Sent]
    wall_s: float
    cpu_s: dict[str, float]  # CPU seconds used during the timed phase, by process


def measure_in_process(api, prepared: Prepared, clients: int,  # noqa: ANN001 - FastAPI app
                       profiler: ThreadProfiler | None = None) -> Measured:
    with ExitStack() as stack:
        if profiler is not None:
            stack.enter_context(profiler)  # before any thread of the measured phase starts
        stack.enter_context(in_process_gateway(api))
        test_clients = [stack.enter_context(TestClient(api, client=(f"198.51.100.{number + 1}", 50000)))
                        for number in range(clients)]
        for client in test_clients:
            client.get("/api/health").raise_for_status()  # each client's event loop is running
        warm = warm_up([in_process_post(client) for client in test_clients], prepared.warmup)
        cpu = time.process_time()
        sent, wall = send_concurrently([in_process_post(client) for client in test_clients], prepared.measured)
        return Measured(warm, sent, wall, {"benchmark process (app + clients)": time.process_time() - cpu})


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of process ``root`` and its living descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0.0) for pid in tree)


def postgres_backends(engine: sa.Engine) -> set[int]:
    """Process ids of the PostgreSQL backends connected to this benchmark's database."""
    with engine.connect() as connection:
        return set(connection.execute(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )).scalars())


def process_cpu_seconds(pids: set[int]) -> dict[int, float]:
    """User + system CPU seconds of each living process in ``pids`` (Linux /proc)."""
    tick, times = os.sysconf("SC_CLK_TCK"), {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / tick
    return times


def measure_server(url: str, prepared: Prepared, clients: int, workers: int,
                   emulator_process: bool = False) -> Measured:
    with ExitStack() as stack:
        extra_env, emulator_pid = {}, None
        if emulator_process:
            # "Stripe" in a process of its own, as in production where Stripe is elsewhere:
            # the app's SDK calls it over loopback HTTP and its CPU is counted apart.
            emulator_base, emulator_pid = stack.enter_context(api_server(url, 1, APP_ENVIRONMENT))
            extra_env["STRIPE_EMULATOR_URL"] = emulator_base
        base, server_pid = stack.enter_context(api_server(url, workers, {**APP_ENVIRONMENT, **(extra_env or {})}))
        http_clients = [stack.enter_context(HttpClient(base, timeout=SERVER_TIMEOUT_S))
                        for _ in range(clients)]
        for client in http_clients:
            client.get("/api/health").raise_for_status()  # opens the keep-alive connection
        warm = warm_up([server_post(client) for client in http_clients], prepared.warmup)
        engine = db.get_engine()
        postgres = engine.dialect.name == "postgresql"
        backends_before = process_cpu_seconds(postgres_backends(engine)) if postgres else {}
        server_cpu, own_cpu = tree_cpu_seconds(server_pid), time.process_time()
        emulator_cpu = tree_cpu_seconds(emulator_pid) if emulator_pid else 0.0
        sent, wall = send_concurrently([server_post(client) for client in http_clients], prepared.measured)
        cpu = {"app server": tree_cpu_seconds(server_pid) - server_cpu}
        if emulator_pid:
            cpu["emulator server"] = tree_cpu_seconds(emulator_pid) - emulator_cpu
        if postgres:
            after = process_cpu_seconds(postgres_backends(engine))
            cpu["PostgreSQL backends"] = sum(seconds - backends_before.get(pid, 0.0) for pid, seconds in after.items())
        cpu["benchmark clients"] = time.process_time() - own_cpu
        db.dispose_engines()
        return Measured(warm, sent, wall, cpu)


# ----------------------------------------------------------------------------- profiling


class ThreadProfiler:
    """cProfile in every thread started while it is active (Python 3.11's cProfile profiles
    only the thread that enables it); one combined ``pstats.Stats`` at the end."""

    def __init__(self) -> None:
        self._profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _hook(self, _frame, _event, _arg) -> None:  # noqa: ANN001 - sys.setprofile signature
        profile = cProfile.Profile()
        with self._lock:
            self._profiles.append(profile)
        profile.enable()  # replaces this hook in the new thread

    def __enter__(self) -> ThreadProfiler:
        threading.setprofile(self._hook)
        return self

    def __exit__(self, *_exc) -> None:
        threading.setprofile(None)  # type: ignore[arg-type]

    def report(self, top: int = 25) -> str:
        with self._lock:
            profiles = list(self._profiles)
        if not profiles:
            return "(no thread was profiled)"
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.strip_dirs()
        out = io.StringIO()
        stats.stream = out
        # Idle threads spend most of their time blocked here; listed apart so the top shows work.
        blocked = {key: value for key, value in stats.stats.items() if key[0] == "~" and any(
            name in key[2] for name in ("acquire' of '_thread.lock", "poll' of 'select.epoll",
                                        "get' of '_queue.SimpleQueue", "built-in method time.sleep"))}
        out.write(f"cProfile over {len(profiles)} threads, summed; blocked (idle) time left out of the top: "
                  + ", ".join(f"{key[2]} {value[2]:.1f} s" for key, value in blocked.items()) + "\n"
                  "psycopg's Connection.wait includes waiting for PostgreSQL's answers\n")
        for key in blocked:
            del stats.stats[key]
        out.write(f"\n--- top {top} by own time (tottime) ---\n")
        stats.sort_stats("tottime").print_stats(top)
        out.write("\n--- per-event steps (cumtime = wall time in the step, summed over threads) ---\n")
        stats.sort_stats("cumulative").print_stats(
            r"stripe_webhook.py|webhooks.py:\d+\((process_event|verify_event|_record)|fulfilment.py|"
            r"gateway.py:\d+\(retrieve|api.py:\d+\(_execute|db.py")
        return out.getvalue()


# ----------------------------------------------------------------------------- consistency


def consistency(engine: sa.Engine, sent: Sequence[Sent]) -> dict[str, object]:
    """What the database and the answers say after every delivery (warm-up included)."""
    event_ids = {item.event_id for item in sent}
    with Session(engine) as session:
        bookings = session.exec(select(Booking.status, sa.func.count()).group_by(Booking.status)).all()
        by_status = {str(status): count for status, count in bookings}
        total_bookings = sum(by_status.values())
        unconfirmed_stamp = session.exec(select(sa.func.count()).select_from(Booking).where(
            Booking.status == BookingStatus.CONFIRMED, Booking.confirmed_at.is_(None))).one()
        payments = session.exec(select(Payment.status, sa.func.count()).group_by(Payment.status)).all()
        payments_by_status = {str(status): count for status, count in payments}
        paid_per_booking = session.exec(
            select(Payment.booking_id, sa.func.count()).where(Payment.status == PaymentStatus.PAID)
            .group_by(Payment.booking_id).having(sa.func.count() > 1)).all()
        paid_without_stamp = session.exec(select(sa.func.count()).select_from(Payment).where(
            Payment.status == PaymentStatus.PAID, Payment.paid_at.is_(None))).one()
        refunds = session.exec(select(sa.func.count()).select_from(Refund)).one()
        emulator_refunds = session.exec(select(sa.func.count()).select_from(EmulatorObject)
                                        .where(EmulatorObject.object_type == "refund")).one()
        recorded = session.exec(select(StripeEvent.event_id)).all()
    outcomes = Counter(item.outcome for item in sent)
    statuses = Counter(item.status for item in sent)
    recorded_ids = set(recorded)
    checks = {
        "every delivery answered 200": statuses == Counter({200: len(sent)}),
        "every booking confirmed and its payment paid":
            by_status == {str(BookingStatus.CONFIRMED): len(event_ids)} and total_bookings == len(event_ids)
            and unconfirmed_stamp == 0 and payments_by_status == {str(PaymentStatus.PAID): len(event_ids)},
        "confirmed exactly once": outcomes["confirmed"] == len(event_ids),
        "stripe_event: one row per distinct event": len(recorded) == len(recorded_ids) == len(event_ids)
                                                    and recorded_ids == event_ids,
        "no payment paid twice": not paid_per_booking and paid_without_stamp == 0
                                 and payments_by_status.get(str(PaymentStatus.PAID), 0) <= len(event_ids)
                                 and refunds == 0 and emulator_refunds == 0
                                 and not any("twice" in (outcome or "") for outcome in outcomes),
    }
    return {
        "ok": all(checks.values()),
        "checks": checks,
        "bookings": by_status,
        "payments": payments_by_status,
        "stripe_event_rows": len(recorded),
        "stripe_event_distinct": len(recorded_ids),
        "distinct_events_sent": len(event_ids),
        "refunds": refunds + emulator_refunds,
    }


# ----------------------------------------------------------------------------- one run


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind not in DATABASES:
        raise ValueError(f"unknown database kind {kind!r}; expected one of {DATABASES}")
    with sqlite_database() if kind == "sqlite" else postgres_database() as url:
        yield url


def run_one(kind: str, mode: str, events: int = DEFAULT_EVENTS, clients: int = DEFAULT_CLIENTS,
            server_workers: int = 1, profile: bool = False, emulator_process: bool = False) -> dict[str, object]:
    """One measured run on a fresh database of ``kind``; ``mode`` is "in-process" or "server"."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
    if events < 10:
        raise ValueError("events must be at least 10")
    with ExitStack() as stack:
        url = stack.enter_context(database(kind))  # dropped on the way out, even on errors
        migrations.upgrade(url)
        stack.enter_context(app_environment(url, "http://testserver"))
        version = server_version(url)
        api = create_api()
        prepared = prepare(url, api, events)
        profiler = ThreadProfiler() if profile else None
        if mode == "in-process":
            measured = measure_in_process(api, prepared, clients, profiler)
        else:
            db.dispose_engines()  # the server process has its own connections
            measured = measure_server(url, prepared, clients, server_workers, emulator_process)
        sent, wall = measured.sent, measured.wall_s
        check = consistency(db.get_engine(), [*measured.warmup, *sent])
    statuses = Counter(item.status for item in sent)
    outcomes = Counter(item.outcome for item in sent)
    result: dict[str, object] = {
        "database": kind, "server": version, "mode": mode, "clients": clients,
        "server_workers": server_workers if mode == "server" else None,
        "emulator_process": emulator_process and mode == "server",
        "events_sent": len(sent), "duplicates": prepared.duplicates, "distinct": prepared.distinct,
        "accepted": statuses[200], "statuses": dict(sorted(statuses.items())),
        "outcomes": dict(outcomes.most_common()),
        "wall_s": wall, "events_per_s": len(sent) / wall,
        "cpu_ms_per_event": {name: 1000 * seconds / len(sent) for name, seconds in measured.cpu_s.items()},
        "setup_s": prepared.setup_s, "warmup_events": len(prepared.warmup),
        **latency_summary([item.latency_s for item in sent]),
        "consistency": check, "profiled": profile,
    }
    if profiler is not None:
        result["profile"] = profiler.report()
    return result


def run(databases: Sequence[str] = DATABASES, events: int = DEFAULT_EVENTS, clients: int = DEFAULT_CLIENTS,
        server: bool = False, server_workers: int = 1,
        server_clients: int = DEFAULT_SERVER_CLIENTS) -> list[dict[str, object]]:
    """Every database kind in ``databases``, in-process (and against a server process when
    ``server``); one result dict per run."""
    results: list[dict[str, object]] = []
    for kind in databases:
        for mode in MODES if server else MODES[:1]:
            results.append(run_one(kind, mode, events, clients if mode == "in-process" else server_clients,
                                   server_workers))
    return results


# ----------------------------------------------------------------------------- report


def header() -> str:
    return "\n".join([
        "Stripe webhook benchmark (signed checkout.session.completed events, "
        f"{DUPLICATE_SHARE:.0%} duplicates, shuffled)",
        f"date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"python: {platform.python_version()} ({platform.python_implementation()}), "
        f"sqlite3 library {sqlite3.sqlite_version}, stripe {stripe.VERSION}",
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}",
        f"machine speed: {machine_speed()}",
        "per event: signature check, dedupe lookup, the signed paid Checkout Session applied (no re-read: "
        "paid is final), payment + booking + stripe_event row + timeline events + mail and webhook jobs "
        "written together",
    ])


def format_results(results: Sequence[dict[str, object]]) -> str:
    lines: list[str] = []
    for row in results:
        if row.get("benchmark") == "skipped":
            lines += ["", f"== {row['database']} == skipped: {row['reason']}"]
            continue
        mode = row["mode"] + (f", {row['server_workers']} worker(s)" if row["mode"] == "server" else "")
        if row.get("emulator_process"):
            mode += ", emulator in its own process"
        lines += [
            "",
            f"== {row['database']} ({row['server']}) — {mode}, {row['clients']} client threads ==",
            f"{'events sent':<24}{row['events_sent']:>10}   ({row['distinct']} distinct + "
            f"{row['duplicates']} duplicates; {row['warmup_events']} warm-up events not counted)",
            f"{'duplicates':<24}{row['duplicates']:>10}",
            f"{'accepted (200)':<24}{row['accepted']:>10}   statuses {row['statuses']}",
            f"{'events/s (wall)':<24}{row['events_per_s']:>10.1f}   ({row['events_sent']} in {row['wall_s']:.2f} s)",
            f"{'p50 ms / request':<24}{row['p50_ms']:>10.2f}",
            f"{'p95 ms / request':<24}{row['p95_ms']:>10.2f}",
            f"{'p99 ms / request':<24}{row['p99_ms']:>10.2f}   (mean {row['mean_ms']:.2f}, max {row['max_ms']:.2f})",
            f"{'CPU ms / event':<24}" + ", ".join(f"{ms:.1f} {name}" for name, ms in row["cpu_ms_per_event"].items()),
            f"{'outcomes':<24}{row['outcomes']}",
            f"{'setup (not measured)':<24}{row['setup_s']:>9.1f}s",
        ]
        check = row["consistency"]
        failed = [name for name, ok in check["checks"].items() if not ok]
        lines.append(
            f"consistency: {'OK' if check['ok'] else 'FAILED (' + '; '.join(failed) + ')'} — "
            f"bookings {check['bookings']}, payments {check['payments']}, "
            f"stripe_event {check['stripe_event_rows']} rows / {check['stripe_event_distinct']} distinct ids / "
            f"{check['distinct_events_sent']} distinct events sent, refunds {check['refunds']}"
        )
        if row["profiled"]:
            lines.append("(profiled run: cProfile slows every thread; throughput not comparable)")
        elif row["database"] == "postgresql":
            met = row["events_per_s"] >= TARGET_EVENTS_PER_S
            lines.append(f"target >= {TARGET_EVENTS_PER_S:.0f} events/s on PostgreSQL: {'met' if met else 'MISSED'}")
        if row.get("profile"):
            lines += ["", str(row["profile"])]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.webhooks", description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=[*DATABASES, "both"], default="both")
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS,
                        help=f"deliveries per run, duplicates included (default {DEFAULT_EVENTS})")
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS,
                        help=f"concurrent sending threads (default {DEFAULT_CLIENTS})")
    parser.add_argument("--server", action="store_true",
                        help="also measure against the app served by granian in a child process")
    parser.add_argument("--server-only", action="store_true",
                        help="measure only against the server (implies --server)")
    parser.add_argument("--emulator-process", action="store_true",
                        help="server mode: run the Stripe emulator in a granian process of its own (CPU counted apart)")
    parser.add_argument("--server-workers", type=int, default=1, help="granian worker processes (default 1)")
    parser.add_argument("--server-clients", type=int, default=DEFAULT_SERVER_CLIENTS,
                        help=f"concurrent sending threads against the server (default {DEFAULT_SERVER_CLIENTS})")
    parser.add_argument("--profile", action="store_true",
                        help="in-process only: cProfile every thread of the measured phase and print the top entries")
    args = parser.parse_args(argv)
    if args.events < 10:
        parser.error("--events must be at least 10")
    if min(args.clients, args.server_clients, args.server_workers) < 1:
        parser.error("--clients, --server-clients and --server-workers must be at least 1")
    kinds = list(DATABASES) if args.database == "both" else [args.database]
    modes = list(MODES) if (args.server or args.server_only) and not args.profile else [MODES[0]]
    if args.server_only and not args.profile:
        modes = [MODES[1]]
    # A plain SIGTERM would end the process without unwinding; make it an exit, so that the
    # server child is stopped and the throwaway database dropped as on any error.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    print(header(), flush=True)
    for kind in kinds:
        if kind == "postgresql" and (problem := postgres_problem()):
            if args.database == "postgresql":
                print(f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {problem}", file=sys.stderr)
                return 2
            print(format_results([{"database": kind, "benchmark": "skipped", "reason": f"unreachable ({problem})"}]),
                  flush=True)
            continue
        for mode in modes:
            clients = args.clients if mode == "in-process" else args.server_clients
            row = run_one(kind, mode, args.events, clients, args.server_workers, profile=args.profile,
                          emulator_process=args.emulator_process)
            print(format_results([row]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
