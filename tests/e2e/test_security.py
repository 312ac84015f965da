"""Issue 19 at the websocket: what a builder's tab keeps after sign-out (finding 1), and
crafted events with malformed arguments or for helpers that are not handlers (finding 12).

The page's event websocket (``/_event``) runs through Playwright's WebSocket routing: the test
sees every frame the server sends, and can send frames of its own in the page's name, exactly
as a tampered browser would. Any error the server logs fails the test (``app_url``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from booking_app.pages.availability import AvailabilityState
from booking_app.pages.dashboard import DashboardState
from booking_app.pages.wizard_state import WizardState
from booking_app.settings import PROJECT_ROOT
from booking_app.state.auth import AuthState
from tests.e2e.app_server import RunningApp
from tests.e2e.wizard import FREE, choose_session, customer_page, wait_for_heading

pytestmark = pytest.mark.e2e
SECRET_CUSTOMER = "Zed Privatecustomer"
DEMO = ("demo@makerhours.app", "demo-builder-pass")
SECOND = ("second.builder@example.com", "a second builder's passphrase")


@dataclass
class Socket:
    """The page's event websocket, routed through the test."""

    received: list[str] = field(default_factory=list)  # server → page frames
    sent: list[str] = field(default_factory=list)  # page → server frames
    server: WebSocketRoute | None = None

    def attach(self, page: Page) -> None:
        def route(ws: WebSocketRoute) -> None:
            server = ws.connect_to_server()
            self.server = server

            def to_server(message):
                self.sent.append(message if isinstance(message, str) else message.decode(errors="replace"))
                server.send(message)

            def to_page(message):
                self.received.append(message if isinstance(message, str) else message.decode(errors="replace"))
                ws.send(message)

            ws.on_message(to_server)
            server.on_message(to_page)

        page.route_web_socket(re.compile(r"/_event"), route)

    def last_event(self) -> tuple[str, dict]:
        """The socket.io prefix and the event of the last event frame the page sent."""
        for frame in reversed(self.sent):
            match = re.match(r"^(42(?:/_event,)?)(\[.*)$", frame, re.S)  # socket.io: 42<namespace>,<json>
            if match and match.group(2).startswith('["event"'):
                name, event = json.loads(match.group(2))[:2]
                return match.group(1), (json.loads(event) if isinstance(event, str) else event)
        raise AssertionError(f"no event frame among {self.sent[-5:]}")

    def send_event(self, handler: str, payload: dict) -> None:
        """Send ``handler`` (a full Reflex event name) with ``payload`` in the page's name."""
        prefix, event = self.last_event()
        crafted = {**event, "name": handler, "payload": payload}
        self.server.send(f"{prefix}{json.dumps(['event', crafted])}")


def _api(app_url: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(f"{app_url}{path}", data=json.dumps(body).encode() if body else None,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _book_demo_free_session(app_url: str, name: str) -> None:
    """A confirmed free booking with the demo builder, made through the JSON API."""
    kinds = _api(app_url, "/api/builders/demo/session-types")["session_types"]
    free = next(kind for kind in kinds if kind["is_free"])
    start = date.today() + timedelta(days=40)  # clear of the days the other tests book
    slots = _api(app_url, f"/api/session-types/{free['id']}/slots?start={start}&end={start + timedelta(days=14)}"
                          "&timezone=Europe/London")["slots"]
    _api(app_url, "/api/bookings", {"session_type_id": free["id"], "start": slots[-1]["start"], "name": name,
                                    "email": "zed@example.com", "notes": "", "timezone": "Europe/London"})


def _create_builder(app: RunningApp, email: str, password: str, slug: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{app.log_path.parent / 'app.db'}"}
    subprocess.run([sys.executable, "-m", "booking_app.cli", "create-builder", "--email", email, "--slug", slug,
                    "--name", "Second Builder", "--timezone", "Europe/London"], input=password + "\n", text=True,
                   cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)


def _sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_builders_data_leaves_the_tab_on_sign_out(browser, app_server: RunningApp, app_url: str) -> None:
    """Finding 1: after sign-out the dashboard's rows stayed in the tab's server-side state and
    were sent again on reload — to the next person signing in there too."""
    _book_demo_free_session(app_url, SECRET_CUSTOMER)
    _create_builder(app_server, *SECOND, slug="second-builder")
    page = customer_page(browser)
    socket = Socket()
    socket.attach(page)
    page.goto(f"{app_url}/dashboard/")
    page.wait_for_url(re.compile(r"/login/\?next="))
    _sign_in(page, *DEMO)
    # Searched for: other tests' bookings may fill the first page of Upcoming before it.
    page.get_by_label("Search by customer").fill(SECRET_CUSTOMER)
    expect(page.get_by_text(SECRET_CUSTOMER).first).to_be_visible(timeout=15_000)
    assert any(SECRET_CUSTOMER in frame for frame in socket.received)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login/"))
    after_sign_out = len(socket.received)
    page.reload()  # the same tab, its server-side state: what does the server send now?
    wait_for_heading(page, "Sign in")
    _sign_in(page, *SECOND)  # the next person at this computer
    wait_for_heading(page, "Bookings")
    expect(page.get_by_text("Signed in as Second Builder")).to_be_visible()
    page.wait_for_timeout(500)  # any late frame too
    leaked = [frame[:200] for frame in socket.received[after_sign_out:] if SECRET_CUSTOMER in frame]
    assert leaked == []
    expect(page.get_by_text(SECRET_CUSTOMER)).to_have_count(0)


def test_malformed_events_are_refused_without_errors(browser, app_server: RunningApp, app_url: str) -> None:
    """Finding 12: a booking_id of 2**63, out-of-range window indexes, a garbage pick_slot, a huge
    show_month and AuthState.actor / actor_id called as events all raised unhandled exceptions."""
    page = customer_page(browser)
    socket = Socket()
    socket.attach(page)
    page.goto(f"{app_url}/book/demo/")
    choose_session(page, FREE)
    page.locator('#time-picker[aria-busy="false"]').wait_for()
    month = page.locator("#calendar-month").inner_text()
    wizard, auth = WizardState.get_full_name(), AuthState.get_full_name()
    for handler, payload in [
        (f"{wizard}.choose_type", {"type_id": 2**63}),
        (f"{wizard}.choose_type", {"type_id": "1; drop table"}),
        (f"{wizard}.pick_slot", {"start": "garbage"}),
        (f"{wizard}.pick_slot", {"start": {"nested": ["x"] * 50}}),
        (f"{wizard}.show_month", {"step": 10**12}),
        (f"{wizard}.show_month", {"step": -(10**6)}),
        (f"{wizard}.pick_day", {"iso": "9999-99-99"}),
        (f"{wizard}.browser_settings", {"detected": "not a list"}),
        (f"{wizard}.set_notes", {"value": "x" * 20_000}),
        (f"{wizard}.load", {"unexpected": 1}),
        (f"{wizard}.set_name", {}),
    ]:
        socket.send_event(handler, payload)
    page.wait_for_timeout(1000)
    # The page is unharmed: the same month, still working.
    expect(page.locator("#calendar-month")).to_have_text(month)
    page.get_by_role("button", name="Next month").click()
    expect(page.locator("#calendar-month")).not_to_have_text(month)

    # A signed-in builder's pages too.
    page.goto(f"{app_url}/login/?next=/dashboard/availability/")
    _sign_in(page, *DEMO)
    wait_for_heading(page, "Weekly hours")
    availability, dashboard = AvailabilityState.get_full_name(), DashboardState.get_full_name()
    for handler, payload in [
        (f"{availability}.set_window", {"weekday": 9, "index": 99, "end": 0, "value": "09:00"}),
        (f"{availability}.set_window", {"weekday": 0, "index": 40, "end": 1, "value": "10:00"}),
        (f"{availability}.remove_window", {"weekday": 0, "index": 47}),
        (f"{availability}.remove_window", {"weekday": -1, "index": 0}),
        (f"{dashboard}.open_detail", {"booking_id": 2**63}),
        (f"{dashboard}.open_detail", {"booking_id": -5}),
        (f"{dashboard}.go_to_page", {"page": 10**30}),
    ]:
        socket.send_event(handler, payload)
    page.wait_for_timeout(1000)
    expect(page.get_by_label("Monday window start").first).to_have_value("09:00")
    assert _errors(app_server.new_log()) == []  # each was refused (a warning), nothing raised

    # Helpers are not event handlers: Reflex itself refuses these names (and logs that it did).
    for helper in ("actor", "actor_id", "_actor", "_actor_id"):
        socket.send_event(f"{auth}.{helper}", {})
    page.wait_for_timeout(1000)
    refused = _errors(app_server.new_log())
    assert refused and all(re.search(r"No registered handler found for event: .*auth_state\._?actor(_id)?'?$", line)
                           or re.fullmatch(r"KeyError: '.*auth_state\._?actor(_id)?'", line) for line in refused), refused
    expect(page.get_by_label("Monday window start").first).to_have_value("09:00")


def _errors(log: str) -> list[str]:
    """The exceptions a server log shows (the last line of each traceback)."""
    return [line.strip() for line in log.splitlines() if re.match(r"^\w*(Error|Exception)\b.*:", line.strip())]


def test_the_sign_in_password_is_not_sent_while_typed_nor_echoed(browser, app_url: str) -> None:
    """Finding 14: the password field was controlled, so every keystroke went to the server
    and the state sent the password back."""
    page = customer_page(browser)
    socket = Socket()
    socket.attach(page)
    page.goto(f"{app_url}/login/")
    wait_for_heading(page, "Sign in")
    page.get_by_label("E-mail").fill("nobody-here@example.com")
    secret = "typed-secret-passphrase-42"
    page.get_by_label("Password").press_sequentially(secret)
    page.wait_for_timeout(500)
    assert not any("typed-secret" in frame for frame in socket.sent + socket.received)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    assert sum(secret in frame for frame in socket.sent) == 1  # the submit's form data, once
    assert not any(secret in frame for frame in socket.received)  # never sent back
