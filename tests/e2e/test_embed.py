"""The embeddable widget in Chromium, on a host page of another origin: inline, a free session
booked inside the frame (the host page receives makerhours:booking_confirmed; the frame takes
its content's height; no site chrome); as a popup, a paid session whose Checkout opens in the
top window and returns to the confirmation page. And who may frame what."""

from __future__ import annotations

import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.wizard import (
    FREE,
    PAID,
    checkout_outcome,
    choose_session,
    customer_page,
    fill_details,
    pick_time,
    wait_for_heading,
    weekday_ahead,
)

pytestmark = pytest.mark.e2e

HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Ada builds apps</title></head>
<body style="font-family:sans-serif;margin:0 auto;max-width:900px;padding:16px">
<h1>Ada builds apps</h1><p>Book a call with me below.</p>
<script>window.__messages = [];
window.addEventListener("message", function (event) {
  if (event.data && event.data.type === "makerhours:booking_confirmed") window.__messages.push({origin: event.origin, data: event.data});
});</script>
<script src="APP/embed.js" data-builder="demo" data-mode="MODE"></script>
<footer><p>Ada's footer</p></footer></body></html>"""


@pytest.fixture
def host_site(app_url: str) -> Iterator[str]:
    """A static site on another origin (127.0.0.1 and another port) embedding the widget."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            mode = "popup" if self.path.startswith("/popup") else "inline"
            body = HOST_PAGE.replace("APP", app_url).replace("MODE", mode).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _settled(page) -> None:
    """Wait until the widget's frame has its new height and the host page's scroll position
    holds. The host resizes the frame when the frame reports a new height, a moment after each
    step change; when the frame shrinks, the popup's scrolled overlay moves everything, and a
    click made in between lands where the button was a moment ago."""
    script = ("(() => { const f = document.querySelector('iframe[data-makerhours-widget]');"
              " const o = f.closest('[role=dialog]');"
              " return [f.getBoundingClientRect().height, o ? o.scrollTop : window.scrollY]; })()")
    last, same = None, 0
    for _ in range(60):
        now = page.evaluate(script)
        same = same + 1 if now == last else 0
        last = now
        if same >= 3:
            return
        time.sleep(0.1)


def test_inline_widget_books_a_free_session_and_tells_the_host_page(browser, app_url: str, host_site: str) -> None:
    page = customer_page(browser, "desktop")
    page.goto(f"{host_site}/inline")
    frame_element = page.locator("iframe[data-makerhours-widget=inline]")
    frame = page.frame_locator("iframe[data-makerhours-widget=inline]")
    expect(frame.get_by_role("heading", name="Choose a session")).to_be_visible(timeout=20_000)
    expect(frame.locator("header.site-chrome")).to_be_hidden()  # no site chrome inside the frame
    expect(frame.locator("footer.site-chrome")).to_be_hidden()
    _settled(page)
    choose_session(frame, FREE)
    _settled(page)
    pick_time(frame, weekday_ahead(3, 2), 0)
    _settled(page)
    fill_details(frame, "Hope Host", "hope.host@example.com")
    _settled(page)
    # The frame follows its content's height (set by embed.js from the page's messages).
    expect(frame_element).to_have_attribute("style", re.compile(r"height: \d+px"))
    frame.get_by_role("button", name="Confirm booking").click()
    expect(frame.get_by_role("heading", name="You're booked")).to_be_visible(timeout=20_000)
    page.wait_for_function("window.__messages.length > 0")
    [message] = page.evaluate("window.__messages")
    assert message["origin"] == app_url
    booking = message["data"]["booking"]
    assert (booking["status"], booking["session_type"], booking["builder"]) == ("confirmed", FREE, "demo")
    assert "token" not in booking and "hope" not in str(booking).lower()
    assert page.url == f"{host_site}/inline"  # the host page stayed
    # The frame settles to the confirmation page's height: no inner scrolling, no gap.
    inner = next(f for f in page.frames if "/booking/" in f.url)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        content = inner.evaluate("Math.ceil(document.querySelector('.page-shell').getBoundingClientRect().height)")
        if frame_element.evaluate("f => f.getBoundingClientRect().height") == content:
            break
        time.sleep(0.2)
    assert frame_element.evaluate("f => f.getBoundingClientRect().height") == content
    screenshot(page, "embed-inline-confirmed")


def test_popup_widget_pays_through_checkout_in_the_top_window(browser, app_url: str, host_site: str) -> None:
    page = customer_page(browser, "phone")
    page.goto(f"{host_site}/popup")
    page.get_by_role("button", name="Book a session").click()
    dialog = page.get_by_role("dialog", name="Book a session")
    expect(dialog).to_be_visible()
    frame = page.frame_locator("iframe[data-makerhours-widget=popup]")
    expect(frame.get_by_role("heading", name="Choose a session")).to_be_visible(timeout=20_000)
    screenshot(page, "embed-popup-phone")
    _settled(page)
    choose_session(frame, PAID)
    _settled(page)
    pick_time(frame, weekday_ahead(3, 3), 0)
    _settled(page)
    fill_details(frame, "Paula Popup", "paula.popup@example.com")
    _settled(page)
    frame.get_by_role("button", name="Pay £150.00").click()
    page.wait_for_url(re.compile(r"/api/stripe-emulator/pay/cs_test_"))  # the top window, not the frame
    checkout_outcome(page, "pay")
    wait_for_heading(page, "You're booked", timeout=20_000)
    assert page.url.startswith(f"{app_url}/booking/")
    expect(page.locator("header.site-chrome")).to_be_visible()  # a normal page again


def test_only_the_booking_pages_may_be_framed(app_url: str) -> None:
    def headers(path: str) -> dict[str, str]:
        with urllib.request.urlopen(f"{app_url}{path}", timeout=15) as response:
            return {k.lower(): v for k, v in response.headers.items()}

    assert headers("/book/demo/")["content-security-policy"] == "frame-ancestors *"
    for path in ("/dashboard/", "/login/", "/", "/api/health"):
        found = headers(path)
        assert found["content-security-policy"] == "frame-ancestors 'none'" and found["x-frame-options"] == "DENY"
    script = urllib.request.urlopen(f"{app_url}/embed.js", timeout=15)
    assert script.headers["content-type"].startswith("text/javascript") and b"makerhours:resize" in script.read()
