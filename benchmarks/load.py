"""Load test against a local several-worker deployment (PostgreSQL + Redis), with a
consistency check of the database afterwards.

    python -m benchmarks.load                                  # 200 customers over ~60 s, 2 workers
    python -m benchmarks.load --customers 20 --seconds 15      # the short form CI runs
    python -m benchmarks.load --fault kill-worker              # also: webhook-outage, restart

Customers arrive spread over ``--seconds``. Each one browses (session types, 14 days of slots in
a time zone of its own), reserves a time — half of them one of a few popular slots, so they
race — and pays on the emulator's checkout page: most pay, some are declined first, some pay by
a delayed method that later succeeds or fails, some abandon checkout. A few customers
(``--browsers``) book through the wizard in Chromium at the same time, so Reflex's event
websocket (and its Redis state) is under load too. Webhooks are delivered duplicated and out
of order. Afterwards the emulator's clock is moved 31 minutes on, so abandoned checkouts
expire, and everything due is delivered.

Consistency check (any failure makes the exit status 1):
* no two active bookings of the builder overlap (confirmed, or holds not yet expired);
* every Checkout Session the emulator saw paid is a paid payment of ours whose booking is
  confirmed, or was refunded;
* no hold is left past its expiry, and no hold waits for a Checkout Session that has ended;
* no event was processed twice, and no payment was refunded more than it took.

Faults: ``kill-worker`` kills one worker with SIGKILL mid-run (granian starts another);
``webhook-outage`` makes every webhook delivery fail for ten seconds mid-run, so the emulator
retries; ``restart`` stops and starts the whole app mid-run, between holds and their webhooks,
while a wizard tab waits on the review step; that tab must then finish its booking (with
``--browsers`` 1 or more).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import re
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from benchmarks.deployment import Deployment, local_deployment
from booking_app.settings import PROJECT_ROOT

EMULATOR = "/api/stripe-emulator"
ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Europe/Berlin")
OUTCOMES = (("pay", 60), ("decline_then_pay", 10), ("delayed_success", 8), ("delayed_failure", 7), ("abandon", 15))
PAID_SESSION = "build-session"
NO_FREE_TIMES = "No free times in the coming weeks"  # the wizard's text when nothing is left
SCREENSHOTS = PROJECT_ROOT / "benchmark-results" / "load-screenshots"


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    answers: Counter = field(default_factory=Counter)  # (step, status)
    errors: list[str] = field(default_factory=list)  # transport errors and 5xx
    outcomes: Counter = field(default_factory=Counter)
    rss_idle: list[float] = field(default_factory=list)  # MB per worker before the load
    rss_peak: float = 0.0  # the largest worker during the load
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, step: str, seconds: float, status: int | str) -> None:
        with self.lock:
            self.latencies[step].append(seconds * 1000)
            self.answers[(step, status)] += 1


async def _call(client: httpx.AsyncClient, stats: Stats, step: str, method: str, url: str, **kwargs) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        stats.record(step, time.perf_counter() - started, "error")
        stats.errors.append(f"{step}: {type(exc).__name__}: {exc}")
        return None
    stats.record(step, time.perf_counter() - started, response.status_code)
    if response.status_code >= 500:
        stats.errors.append(f"{step}: HTTP {response.status_code} {response.text[:200]}")
    return response


async def _free_slots(client: httpx.AsyncClient, stats: Stats, kind: int, zone: str) -> list[dict]:
    """Two weeks of slots at a time, from tomorrow, paging on while a fortnight is full (the
    demo builder's calendar fills up during the test), up to the 60-day horizon."""
    first = datetime.now(UTC).date() + timedelta(days=1)
    for page in range(4):
        start = first + timedelta(days=15 * page)
        listing = await _call(client, stats, "slots", "GET", f"/api/session-types/{kind}/slots",
                              params={"start": start.isoformat(), "end": (start + timedelta(days=14)).isoformat(),
                                      "timezone": zone})
        if listing is None or listing.status_code != 200:
            return []
        if listing.json()["slots"]:
            return listing.json()["slots"]
    return []


async def _customer(n: int, base: str, kinds: dict[str, int], stats: Stats, rng: random.Random) -> None:
    zone = rng.choice(ZONES)
    async with httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False) as client:
        if await _call(client, stats, "session types", "GET", "/api/builders/demo/session-types") is None:
            return
        kind = kinds[PAID_SESSION] if rng.random() < 0.85 else kinds["intro-call"]
        for _attempt in range(3):
            slots = await _free_slots(client, stats, kind, zone)
            if not slots:
                stats.outcomes["found no free time"] += 1
                return
            slot = rng.choice(slots[:3]) if rng.random() < 0.5 else rng.choice(slots)
            hold = await _call(client, stats, "hold", "POST", "/api/bookings", json={
                "session_type_id": kind, "start": slot["start"], "name": f"Customer {n}",
                "email": f"customer{n}@load.example", "timezone": zone, "notes": ""})
            if hold is None:
                return
            if hold.status_code == 409:
                stats.outcomes["lost a race, tried again"] += 1
                continue
            if hold.status_code != 201:
                stats.outcomes[f"hold answered {hold.status_code}"] += 1
                return
            break
        else:
            stats.outcomes["gave up after 3 races"] += 1
            return
        booking = hold.json()
        if not booking["checkout_url"]:
            stats.outcomes["free booking"] += 1
            return
        page = httpx.URL(booking["checkout_url"]).path
        await _call(client, stats, "checkout page", "GET", page)
        outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
        stats.outcomes[outcome] += 1
        if outcome == "abandon":
            return
        if outcome == "decline_then_pay":
            await _call(client, stats, "pay", "POST", page, data={"outcome": "decline"})
            outcome = "pay"
        await _call(client, stats, "pay", "POST", page, data={"outcome": outcome})
        await _call(client, stats, "booking status", "GET", f"/api/bookings/{booking['token']}")


def _browser_customers(base: str, until: float, stats: Stats, count: int) -> None:
    """Book through the wizard in Chromium until ``until`` (one page per browser customer)."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS
    from tests.e2e.wizard import checkout_outcome, customer_page, fill_details, wait_for_heading

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        pages = [customer_page(browser, "phone" if i % 2 else "desktop") for i in range(count)]
        n = 0
        while time.monotonic() < until:
            for page in pages:
                n += 1
                started = time.perf_counter()
                try:
                    page.goto(f"{base}/book/demo/?type=build-session")
                    wait_for_heading(page, "Pick a date and time")
                    # Fresh times, or none left: the load can fill the whole booking horizon.
                    page.locator('#time-picker[aria-busy="false"]').or_(page.get_by_text(NO_FREE_TIMES)).first \
                        .wait_for()
                    if page.get_by_text(NO_FREE_TIMES).is_visible():
                        stats.outcomes["browser found no free time"] += 1
                        stats.record("wizard booking (browser)", time.perf_counter() - started, 200)
                        page.wait_for_timeout(1_000)  # an abandoned hold may free a time later
                        continue
                    page.get_by_role("group", name=re.compile("^Times on ")).get_by_role("button").last.click()
                    fill_details(page, f"Browser {n}", f"browser{n}@load.example")
                    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
                    # Either the checkout page, or back at the times after losing a race.
                    page.locator('button[value="pay"]').or_(page.get_by_text("That time was just taken")).first \
                        .wait_for(timeout=20_000)
                    if "/pay/" in page.url:
                        checkout_outcome(page, "pay")
                        wait_for_heading(page, "You're booked", timeout=20_000)
                        stats.outcomes["browser booked and paid"] += 1
                    else:
                        stats.outcomes["browser lost a race"] += 1
                    stats.record("wizard booking (browser)", time.perf_counter() - started, 200)
                except Exception as exc:  # a failed browser journey is a finding, not a crash
                    stats.record("wizard booking (browser)", time.perf_counter() - started, "error")
                    shot = _screenshot(page, f"browser-customer-{n}")
                    stats.errors.append(f"browser customer {n}: {type(exc).__name__}: {str(exc)[:200]} "
                                        f"(screenshot: {shot})")
                    page.wait_for_timeout(1_000)  # a person would not retry at once (the app may be down)
        browser.close()


def _screenshot(page, name: str) -> str:  # noqa: ANN001 - a Playwright page
    """Keep what the browser customer saw when its journey failed, for diagnosis."""
    path = SCREENSHOTS / f"{name}.png"
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # the page itself may be what broke
        return f"none ({type(exc).__name__})"
    return str(path.relative_to(PROJECT_ROOT))


@dataclass
class RestartWatch:
    """A wizard tab left on the review step while the whole app restarts (``--fault restart``)."""

    ready: threading.Event = field(default_factory=threading.Event)  # the tab is mid-wizard
    restarted: threading.Event = field(default_factory=threading.Event)  # the app is back


def _tab_across_restart(base: str, watch: RestartWatch, stats: Stats) -> None:
    """Leave a tab on the review step, let the app restart under it, then finish the booking in
    that same tab: its event websocket reconnects, its state comes back from Redis and the
    wizard stays on the review step."""
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS
    from tests.e2e.wizard import (
        checkout_outcome,
        customer_page,
        fill_details,
        pay,
        show_day,
        times_on,
        wait_for_heading,
        weekday_ahead,
    )

    name = "Restart Watcher"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = customer_page(browser)
        try:
            page.goto(f"{base}/book/demo/?type={PAID_SESSION}")
            wait_for_heading(page, "Pick a date and time")
            # Weeks ahead: the load books the earliest times, and this one must stay free.
            day = weekday_ahead(5, 4)
            show_day(page, day)
            times_on(page, day).get_by_role("button").last.click()
            fill_details(page, name, "restart.watcher@load.example")
            # The page load runs again when the tab's event websocket reconnects, and the
            # browser's answer to it (``browser_settings``) decides the step: wait for that.
            resumed = {"asked": False, "answered": False}

            def follow(socket) -> None:  # noqa: ANN001 - a Playwright WebSocket
                socket.on("framesent", lambda payload: resumed.update(asked=True)
                          if "browser_settings" in str(payload) else None)
                socket.on("framereceived", lambda _payload: resumed.update(answered=resumed["asked"]))

            page.on("websocket", follow)
            watch.ready.set()
            if not watch.restarted.wait(180):
                raise TimeoutError("the app did not come back within 180 s")
            deadline = time.monotonic() + 60
            while not resumed["answered"] and time.monotonic() < deadline:
                page.wait_for_timeout(200)  # lets Playwright deliver the frame events
            if not resumed["answered"]:
                raise TimeoutError("the tab did not reconnect within 60 s of the restart")
            # Back on the same step, with what was entered.
            wait_for_heading(page, "Review and pay")
            expect(page.get_by_text(name)).to_be_visible()
            pay(page)
            checkout_outcome(page, "pay")
            wait_for_heading(page, "You're booked", timeout=30_000)
            stats.outcomes["browser tab booked across the restart"] += 1
        except Exception as exc:
            shot = _screenshot(page, "tab-across-restart")
            stats.errors.append(f"tab across the restart: {type(exc).__name__}: {str(exc)[:200]} (screenshot: {shot})")
        finally:
            watch.ready.set()  # never hold the fault back
            browser.close()


async def _control(base: str, name: str, body: dict) -> dict:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        response = await client.post(f"{EMULATOR}/_control/{name}", json=body)
        response.raise_for_status()
        return response.json()


async def _fault(kind: str, deployment: Deployment, at: float, stats: Stats,
                 watch: RestartWatch | None = None) -> None:
    await asyncio.sleep(at)
    if watch is not None:
        await asyncio.to_thread(watch.ready.wait, 60)
    started = time.monotonic()
    if kind == "kill-worker":
        victim = deployment.kill_worker()
        stats.outcomes[f"fault: killed worker {victim}"] += 1
    elif kind == "webhook-outage":
        await _control(deployment.url, "deliveries", {"duplicate": True, "reorder": True, "fail": True})
        await asyncio.sleep(10)
        await _control(deployment.url, "deliveries", {"duplicate": True, "reorder": True})
        stats.outcomes["fault: webhooks failed for 10 s"] += 1
    elif kind == "restart":
        await asyncio.to_thread(deployment.restart)
        stats.outcomes[f"fault: app restarted ({time.monotonic() - started:.0f} s down)"] += 1
        if watch is not None:
            watch.restarted.set()


async def run_load(deployment: Deployment, *, customers: int, seconds: float, browsers: int, fault: str | None,
                   seed: int) -> Stats:
    rng = random.Random(seed)
    stats = Stats()
    base = deployment.url
    await _control(base, "deliveries", {"duplicate": True, "reorder": True})
    async with httpx.AsyncClient(base_url=base) as client:
        kinds = {k["slug"]: k["id"] for k in (await client.get("/api/builders/demo/session-types")).json()["session_types"]}
    until = time.monotonic() + seconds
    browser_thread = None
    if browsers:
        browser_thread = threading.Thread(target=_browser_customers, args=(base, until, stats, browsers), daemon=True)
        browser_thread.start()

    async def arrive(n: int, delay: float) -> None:
        await asyncio.sleep(delay)
        await _customer(n, base, kinds, stats, random.Random(rng.random()))

    stats.rss_idle = deployment.worker_rss_mb()

    async def sample_memory() -> None:
        while time.monotonic() < until + 5:
            stats.rss_peak = max([stats.rss_peak, *deployment.worker_rss_mb()])
            await asyncio.sleep(1)

    tasks = [arrive(n, rng.uniform(0, seconds * 0.9)) for n in range(customers)]
    tasks.append(sample_memory())
    watch_thread, watch = None, None
    if fault == "restart" and browsers:
        watch = RestartWatch()
        watch_thread = threading.Thread(target=_tab_across_restart, args=(base, watch, stats), daemon=True)
        watch_thread.start()
    if fault:
        tasks.append(_fault(fault, deployment, seconds * 0.4, stats, watch))
    started = time.monotonic()
    await asyncio.gather(*tasks)
    stats.outcomes["_wall_seconds"] = round(time.monotonic() - started)
    for thread in (browser_thread, watch_thread):
        if thread is not None:
            await asyncio.to_thread(thread.join, 120)
    await _settle(base)
    return stats


async def _settle(base: str) -> None:
    """Let abandoned checkouts expire and delayed payments settle, and deliver everything due
    (the workers' delivery loops run too; duplicates are part of the test)."""
    await _control(base, "deliveries", {})
    for _ in range(3):
        await _control(base, "deliver", {})
    await _control(base, "clock", {"seconds": 31 * 60})
    for _ in range(20):
        delivered = (await _control(base, "deliver", {}))["delivered"]
        if not delivered:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(3)  # webhooks that the workers' own delivery loops had in flight
    await _control(base, "clock", {"seconds": -31 * 60})


# -- consistency ------------------------------------------------------------------------------

CHECKS = {
    "overlapping active bookings": """
        SELECT count(*) FROM booking a JOIN booking b
          ON a.builder_id = b.builder_id AND a.id < b.id AND a.occupancy_key <> b.occupancy_key
         AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end
        WHERE (a.status = 'confirmed' OR (a.status = 'pending_payment' AND a.hold_expires_at > now()))
          AND (b.status = 'confirmed' OR (b.status = 'pending_payment' AND b.hold_expires_at > now()))""",
    "paid payments whose booking is neither confirmed nor refunded": """
        SELECT count(*) FROM payment p JOIN booking b ON b.id = p.booking_id
        WHERE p.status = 'paid' AND b.status <> 'confirmed'
          AND NOT EXISTS (SELECT 1 FROM refund r WHERE r.payment_id = p.id AND r.status IN ('pending', 'succeeded'))""",
    "holds past their expiry": """
        SELECT count(*) FROM booking WHERE status = 'pending_payment' AND hold_expires_at < now()""",
    "holds waiting on a Checkout Session that ended": """
        SELECT count(*) FROM booking b JOIN payment p ON p.booking_id = b.id
        WHERE b.status = 'pending_payment' AND p.attempt = (SELECT max(attempt) FROM payment WHERE booking_id = b.id)
          AND p.status IN ('expired')""",
    "events recorded twice": """
        SELECT count(*) - count(DISTINCT event_id) FROM stripe_event""",
    "payments refunded beyond what they took": """
        SELECT count(*) FROM payment p
        WHERE (SELECT coalesce(sum(amount), 0) FROM refund r WHERE r.payment_id = p.id
               AND r.status IN ('pending', 'succeeded')) > p.amount""",
    "bookings confirmed by two payments": """
        SELECT count(*) FROM (SELECT booking_id FROM payment WHERE status = 'paid'
                              GROUP BY booking_id HAVING count(*) > 1) twice""",
}


def consistency(database_url: str) -> dict[str, int]:
    """Each check's count of violations (all must be 0), plus the emulator cross-check."""
    with psycopg.connect(database_url) as connection:
        found = {name: connection.execute(sql).fetchone()[0] for name, sql in CHECKS.items()}
        paid_sessions = {row[0] for row in connection.execute(
            "SELECT id FROM stripe_emulator_object WHERE object_type = 'checkout.session' "
            "AND data->>'payment_status' = 'paid'")}
        ours = {row[0]: row[1] for row in connection.execute(
            "SELECT checkout_session_id, status FROM payment")}
    found["sessions paid at Stripe but not paid here"] = sum(
        1 for session_id in paid_sessions if ours.get(session_id) not in ("paid", "partially_refunded", "refunded"))
    return found


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(stats: Stats, checks: dict[str, int], args: argparse.Namespace, deployment: Deployment) -> bool:
    wall = stats.outcomes.pop("_wall_seconds", args.seconds)
    total = sum(len(v) for v in stats.latencies.values())
    print(f"\nLoad: {args.customers} customers + {args.browsers} browser(s) over {args.seconds:.0f} s against "
          f"{args.workers} workers (PostgreSQL + Redis){', fault: ' + args.fault if args.fault else ''}; "
          f"{platform.machine()}, Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"{total} requests in {wall} s = {total / max(wall, 1):.1f} requests/s; "
          f"errors (transport or 5xx): {len(stats.errors)} = {100 * len(stats.errors) / max(total, 1):.2f} %")
    print(f"{'step':<26}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}  answers")
    for step, values in stats.latencies.items():
        answers = ", ".join(f"{status}: {count}" for (s, status), count in sorted(stats.answers.items(),
                                                                                   key=lambda kv: str(kv[0]))
                            if s == step)
        print(f"{step:<26}{len(values):>6}{statistics.median(values):>10.1f}{_percentile(values, 0.95):>10.1f}"
              f"{_percentile(values, 0.99):>10.1f}  {answers}")
    print("worker RSS: idle " + ", ".join(f"{mb:.0f} MB" for mb in stats.rss_idle)
          + f"; largest under load {stats.rss_peak:.0f} MB (target idle <= 150 MB)")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.outcomes.items())))
    # Each kind of error once, with how often (a restart refuses dozens of connections alike).
    for error, count in Counter(stats.errors).most_common():
        print(f"  error ({count}x):" if count > 1 else "  error:", error)
    print("consistency:")
    ok = True
    for name, count in checks.items():
        ok &= count == 0
        print(f"  {'ok  ' if count == 0 else 'FAIL'} {name}: {count}")
    server_errors = [line for line in deployment.log_path.read_text(errors="replace").splitlines()
                     if "Traceback" in line or "[ERROR]" in line or " ERROR " in line]
    print(f"server log: {len(server_errors)} error line(s)" + (f", first: {server_errors[0][:160]}" if server_errors else ""))
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--browsers", type=int, default=2, help="customers booking through the wizard in Chromium")
    parser.add_argument("--fault", choices=("kill-worker", "webhook-outage", "restart"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with local_deployment(workers=args.workers, database="makerhours_load") as deployment:
        stats = asyncio.run(run_load(deployment, customers=args.customers, seconds=args.seconds,
                                     browsers=args.browsers, fault=args.fault, seed=args.seed))
        checks = consistency(deployment.database_url)
        ok = report(stats, checks, args, deployment)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
