"""What the benchmark scripts share: a builder with daily hours and one session type, and the
JSON API served by granian in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlmodel import Session

from booking_app.settings import PROJECT_ROOT
from tests.e2e.app_server import free_port

from booking_app.models import Builder, SessionType, User, WeeklyWindow


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
