"""Real app processes for crash tests: the JSON API (with the Stripe emulator) under granian,
and the job worker (``python -m booking_app.cli worker``), each in a process group of its own
so that ``kill_hard`` stops it like a power cut (SIGKILL to every process of the group)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class AppProcess:
    process: subprocess.Popen
    log: object  # the temporary file the process writes to
    base: str = ""
    killed: bool = field(default=False)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill_hard(self) -> None:
        """SIGKILL the whole process group: no clean-up, no finishing the current job."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.killed = True

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def _start(command: list[str], env: dict[str, str]) -> AppProcess:
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    return AppProcess(process, log)


def start_api(env: dict[str, str]) -> AppProcess:
    """``create_api`` under granian on a free port; returns once ``/api/health`` answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = _start([sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                  "--port", str(port), "--workers", "1", "--no-ws", "--log-level", "warning",
                  "booking_app.api.app:create_api"], {**env, "APP_URL": base})
    app.base = base
    deadline = time.monotonic() + 60
    while True:
        if app.process.poll() is not None:
            raise RuntimeError(f"the API exited with {app.process.returncode}:\n{app.output()[-3000:]}")
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return app
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            app.stop()
            raise RuntimeError("the API did not answer /api/health within 60 s")
        time.sleep(0.1)


def start_worker(env: dict[str, str], api: AppProcess) -> AppProcess:
    """The job runner as its own process, calling Stripe (the emulator) at ``api``."""
    return _start([sys.executable, "-m", "booking_app.cli", "worker"], {**env, "APP_URL": api.base})


def wait_for(condition, *, timeout: float = 30.0, what: str = "condition", interval: float = 0.1):
    """Poll ``condition()`` until it returns something truthy; that value is returned."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
