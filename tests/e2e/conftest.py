"""The real app (``reflex run --env prod``) on a free port, and Chromium driven by Playwright.

Any error the server logs fails the test that was running when it appeared.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from booking_app.settings import PROJECT_ROOT
from tests.e2e.app_server import RunningApp, running_app
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, start_provider
from tests.support.processes import free_port

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
# The accounts of the tests' OpenID provider: the demo builder, with a verified address.
OIDC_ACCOUNTS = {"demo-builder": {"email": "demo@makerhours.app", "email_verified": True, "name": "Mira Novak"}}
_SERVER_ERROR = re.compile(r"Traceback \(most recent call last\)|\bERROR\b|\bCRITICAL\b")


@pytest.fixture(scope="session")
def app_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # screenshots of this run only
    workdir = tmp_path_factory.mktemp("app")
    database = workdir / "app.db"
    shutil.copyfile(sqlite_template, database)
    # Every browser comes from 127.0.0.1: the per-client limits on holds and free sessions
    # would stop the suite.
    limits = {"MAX_ACTIVE_HOLDS": "50", "MAX_FREE_BOOKINGS_PER_DAY": "100", "MAX_FREE_BOOKINGS_PER_CLIENT_PER_DAY": "1000",
              "CALENDAR_ALLOW_PRIVATE_HOSTS": "true"}  # the calendar test serves its feed on 127.0.0.1
    limits["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "true"  # the webhook receiver listens on 127.0.0.1
    # Sign-in with an OpenID Connect provider (issue 16): a real one (npm's oidc-provider),
    # started first, since it must know the app's callback address.
    port = free_port()
    provider = start_provider([f"http://localhost:{port}/api/auth/oidc/callback"], OIDC_ACCOUNTS)
    limits |= {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
               "OIDC_DISPLAY_NAME": "Test ID"}
    try:
        with running_app(f"sqlite:///{database}", workdir, limits, port=port) as app:
            try:
                yield app
            finally:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(app.log_path, ARTIFACTS / "server.log")
    finally:
        provider.stop()


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
