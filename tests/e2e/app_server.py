"""Start the real app (``reflex run --env prod``) on a free port against a given database,
with the demo data and the Stripe emulator; used by the e2e tests and the browser benchmark.

The process runs in its own process group so that stopping it stops the frontend build
tools and the granian server with it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from booking_app.settings import PROJECT_ROOT


@dataclass
class RunningApp:
    url: str
    log_path: Path
    _log_offset: int = 0

    def new_log(self) -> str:
        """Server output written since the last call."""
        text = self.log_path.read_text(errors="replace")
        fresh, self._log_offset = text[self._log_offset:], len(text)
        return fresh


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{log_path.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the app did not answer within {timeout:.0f} s:\n{log_path.read_text()[-4000:]}")


@contextmanager
def running_app(database_url: str, workdir: Path, extra_env: dict[str, str] | None = None,
                port: int | None = None) -> Iterator[RunningApp]:
    """Seed the demo builder into ``database_url`` (already migrated), start the app, yield it."""
    port = port or free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "APP_URL": f"http://localhost:{port}",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        **(extra_env or {}),
    }
    env.pop("STRIPE_SECRET_KEY", None)  # always the local emulator
    subprocess.run([sys.executable, "-m", "booking_app.cli", "seed-demo"], cwd=PROJECT_ROOT, env=env,
                   check=True, capture_output=True)
    log_path = workdir / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod",
             "--frontend-port", str(port), "--backend-port", str(port)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    app = RunningApp(url=f"http://localhost:{port}", log_path=log_path)
    try:
        wait_until_up(app.url, process, log_path)
        app.new_log()  # the build output is nobody's concern
        yield app
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
