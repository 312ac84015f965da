"""The developers page in Chromium: the demo builder makes an API key (shown once) and uses
it, registers a webhook endpoint with a local receiver, watches a signed delivery arrive for a
booking and in the delivery log, resends it (same webhook-id), revokes the key; at 1280 and
375 px wide."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.wizard import customer_page, wait_for_heading
from tests.support.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.e2e


def _api(url: str, *, key: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {key}"} if key else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def _book_free_session(app_url: str) -> dict:
    _, offer = _api(f"{app_url}/api/builders/demo/session-types")
    free = next(kind for kind in offer["session_types"] if kind["is_free"])
    first = datetime.now(UTC).date() + timedelta(days=2)
    _, slots = _api(f"{app_url}/api/session-types/{free['id']}/slots?start={first}&end={first + timedelta(days=20)}"
                    "&timezone=Europe/London")
    start = slots["slots"][-1]["start"]
    status, booking = _api(f"{app_url}/api/bookings", body={
        "session_type_id": free["id"], "start": start, "name": "Hook Tester", "email": "hooks@example.com",
        "timezone": "Europe/London"})
    assert status == 201, booking
    return booking


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways: {width}px"


def test_builder_makes_a_key_and_watches_signed_webhooks_arrive(browser, app_url: str) -> None:
    page = customer_page(browser, "desktop")
    page.goto(f"{app_url}/login/")
    page.get_by_label("E-mail").fill("demo@makerhours.app")
    page.get_by_label("Password").fill("demo-builder-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/"))
    page.get_by_role("link", name="Developers").click()
    wait_for_heading(page, "Developers")

    # An API key: a name is needed; the key is shown once and works at once.
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("Give the key a name")).to_be_visible()
    page.get_by_label("Key name").fill("CRM sync")
    page.get_by_role("button", name="Create key").click()
    shown = page.locator("#new-api-key")
    expect(shown).to_have_text(re.compile(r"^mh_live_[A-Za-z0-9_-]{40,}$"))
    key = shown.inner_text()
    status, listed = _api(f"{app_url}/api/me/bookings", key=key)
    assert status == 200 and "data" in listed
    expect(page.locator(".api-key").filter(has_text="CRM sync")).to_contain_text("active")

    # A webhook endpoint: a bad URL is named, then the receiver's URL; the secret is shown once.
    with webhook_receiver() as receiver:
        page.get_by_label("Endpoint URL").fill("ftp://example.com/hooks")
        page.get_by_role("button", name="Add endpoint").click()
        expect(page.get_by_text("The URL must start with https://")).to_be_visible()
        page.get_by_label("Endpoint URL").fill(receiver.url)
        page.get_by_role("button", name="Add endpoint").click()
        secret = page.locator("#new-webhook-secret")
        expect(secret).to_have_text(re.compile(r"^whsec_"))
        receiver.secret = secret.inner_text()
        expect(page.locator(".webhook-endpoint").filter(has_text=receiver.url)).to_contain_text("enabled")
        screenshot(page, "developers-desktop")
        _no_sideways_scroll(page)

        booking = _book_free_session(app_url)
        deadline = time.monotonic() + 20
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.2)
        [arrived] = receiver.received
        assert arrived.verified and arrived.event["type"] == "booking.confirmed"
        assert arrived.event["data"]["customer_email"] == booking["customer_email"]

        page.get_by_role("button", name=f"Delivery log of {receiver.url}").click()
        log = page.locator("#delivery-log")
        expect(log.locator(".webhook-delivery")).to_have_count(1)
        expect(log).to_contain_text("booking.confirmed")
        expect(log).to_contain_text("HTTP 200")
        expect(log).to_contain_text(arrived.id)
        log.get_by_role("button", name=re.compile("^Resend booking.confirmed")).click()
        expect(page.get_by_text("Queued: it is sent again")).to_be_visible()
        deadline = time.monotonic() + 20
        while len(receiver.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [r.id for r in receiver.received] == [arrived.id, arrived.id] and receiver.received[1].verified

        page.set_viewport_size({"width": 375, "height": 812})
        log.get_by_role("button", name="Refresh").click()
        expect(log).to_contain_text("2 attempt(s)")
        screenshot(page, "developers-phone")
        _no_sideways_scroll(page)

    # The widget's snippets name the builder.
    expect(page.locator("#embed-inline")).to_have_text(
        f'<script src="{app_url}/embed.js" data-builder="demo" data-mode="inline"></script>')
    expect(page.locator("#embed-popup")).to_contain_text('data-mode="popup"')

    # Revoked, the key stops working at once.
    page.get_by_role("button", name="Revoke key CRM sync").click()
    expect(page.locator(".api-key").filter(has_text="CRM sync")).to_contain_text("revoked")
    assert _api(f"{app_url}/api/me/bookings", key=key)[0] == 401
