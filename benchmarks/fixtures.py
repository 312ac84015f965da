"""What the benchmark scripts share: a builder with daily hours and one session type, and the
JSON API served by granian in a child process."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlmodel import Session

from booking_app.settings import PROJECT_ROOT
from tests.e2e.app_server import free_port

from booking_app.models import Builder, SessionType, User, WeeklyWindow


def _spin(iterations: int) -> float:
    started = time.perf_counter()
    total = 0
    for number in range(iterations):
        total += number * number
    return time.perf_counter() - started


def machine_speed(iterations: int = 5_000_000) -> str:
    """A fixed pure-Python loop on every CPU at once, as a yardstick for comparing runs: on
    these shared virtual machines the same loop takes 0.8 to 1.4 s from one minute to the next
    (both CPUs busy), which moves every throughput figure with it."""
    workers = os.cpu_count() or 1
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        seconds = sorted(pool.map(_spin, [iterations] * workers))
    return f"{workers} x {iterations / 1e6:g}M-step loop at once: {seconds[len(seconds) // 2]:.2f} s (lower is faster)"


def add_bench_builder(session: Session, *, slug: str, timezone: str, open_minute: int, close_minute: int,
                      duration_minutes: int, price: int, horizon_days: int) -> tuple[Builder, SessionType]:
    """A builder open ``[open_minute, close_minute)`` every day with a no-notice session type."""
    user = User(email=f"{slug}@bench.example.com", password_hash="not-a-real-hash")
    session.add(user)
    session.flush()
    builder = Builder(user_id=user.id, slug=slug, display_name=slug.replace("-", " ").title(), timezone=timezone)
    session.add(builder)
    session.flush()
    for weekday in range(7):
        session.add(WeeklyWindow(builder_id=builder.id, weekday=weekday, start_minute=open_minute,
                                 end_minute=close_minute))
    kind = SessionType(builder_id=builder.id, slug="half-hour", title="Half an hour", duration_minutes=duration_minutes,
                       price_amount=price, currency="gbp", horizon_days=horizon_days, minimum_notice_minutes=0)
    session.add(kind)
    session.flush()
    return builder, kind


@contextmanager
def api_server(database_url: str, workers: int, environment: dict[str, str]) -> Iterator[tuple[str, int]]:
    """``create_api`` served by granian in a child process on a free port; yields its base URL
    and pid. The child is stopped (by its own pid) on the way out, whatever happened."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **environment, "DATABASE_URL": database_url, "APP_URL": base}
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--no-ws", "--log-level", "warning",
               "booking_app.api.app:create_api"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read().decode()[-2000:]}")
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not answer /api/health within 60 s")
                time.sleep(0.2)
            yield base, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class HttpResponse:
    """The part of httpx's response the benchmarks read."""

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> object:
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}: {self.text[:300]}")


class HttpClient:
    """A keep-alive HTTP/1.1 client over the standard library: a third of httpx's CPU per
    request, so the client's own CPU time disturbs the measured server less. Bound to
    ``source`` when given (the API throttles per client address)."""

    def __init__(self, base: str, source: str | None = None, *, timeout: float = 60.0) -> None:
        parts = urllib.parse.urlsplit(base)
        self._connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=timeout, source_address=(source, 0) if source else None)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> HttpResponse:
        headers = headers or {}
        try:
            self._connection.request(method, path, body=body, headers=headers)
            response = self._connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self._connection.close()  # the server closed the kept-alive connection: once more
            self._connection.request(method, path, body=body, headers=headers)
            response = self._connection.getresponse()
        return HttpResponse(response.status, response.read())

    def get(self, path: str, params: dict[str, str] | None = None) -> HttpResponse:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self.request("GET", path + query)

    def post(self, path: str, json: object = None) -> HttpResponse:  # noqa: A002 - httpx's name
        return self.request("POST", path, _json_bytes(json), {"Content-Type": "application/json"})

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def _json_bytes(value: object) -> bytes:
    return json.dumps(value).encode()
