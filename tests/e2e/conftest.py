"""The real app (``reflex run --env prod``) on a free port, and Chromium driven by Playwright.

Any error the server logs fails the test that was running when it appeared.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from booking_app.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
_SERVER_ERROR = re.compile(r"Traceback \(most recent call last\)|\bERROR\b|\bCRITICAL\b")


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 240) -> None:
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


@pytest.fixture(scope="session")
def app_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # screenshots of this run only
    workdir = tmp_path_factory.mktemp("app")
    database = workdir / "app.db"
    shutil.copyfile(sqlite_template, database)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "APP_URL": f"http://localhost:{port}",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        # Every browser comes from 127.0.0.1: the per-address hold limit would stop the suite.
        "MAX_ACTIVE_HOLDS": "50",
    }
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
        _wait_until_up(app.url, process, log_path)
        app.new_log()  # the build output is not a test's concern
        yield app
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log_path, ARTIFACTS / "server.log")


@pytest.fixture
def app_url(app_server: RunningApp) -> Iterator[str]:
    app_server.new_log()
    yield app_server.url
    errors = [line for line in app_server.new_log().splitlines() if _SERVER_ERROR.search(line)]
    assert not errors, "the server logged errors:\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; scripts/test.sh installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/e2e/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def screenshots_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """When a test fails, save what every page it left open shows, then close them."""
    yield
    if "browser" not in request.fixturenames:
        return
    browser = request.getfixturevalue("browser")
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for n, context in enumerate(browser.contexts):
        for m, page in enumerate(context.pages):
            if failed:
                screenshot(page, f"FAILED-{request.node.name}-{n}-{m}")
        context.close()
