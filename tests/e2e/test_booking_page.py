"""The confirmation page after paying on the emulator's checkout page, in Chromium."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot

pytestmark = pytest.mark.e2e


def _api(url: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _hold(app_url: str, hour_index: int, email: str) -> dict:
    kinds = _api(f"{app_url}/api/builders/demo/session-types")["session_types"]
    paid = next(k for k in kinds if k["slug"] == "build-session")
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 + 7)
    slots = _api(f"{app_url}/api/session-types/{paid['id']}/slots?start={monday}&end={monday}&timezone=America/New_York")
    start = slots["slots"][hour_index]["start"]
    return _api(f"{app_url}/api/bookings", dict(session_type_id=paid["id"], start=start, name="Ada Lovelace",
                                                 email=email, timezone="America/New_York"))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_pay_then_see_confirmation_then_cancel_with_refund(browser, app_url: str, viewport: str) -> None:
    booking = _hold(app_url, 0 if viewport == "desktop" else 4, f"ada-{viewport}@example.com")
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    page.goto(booking["checkout_url"])
    assert page.get_by_text("Test mode").is_visible()
    screenshot(page, f"checkout-{viewport}")
    page.get_by_role("button", name=re.compile(r"^Pay £150\.00")).click()
    page.wait_for_url(re.compile(r"/booking/.+session_id=cs_test_"))
    page.get_by_role("heading", name="You're booked").wait_for(timeout=15_000)
    assert page.get_by_text("Test mode — local payments").is_visible()
    assert page.get_by_text("(America/New_York)").first.is_visible()
    assert page.get_by_text("(Europe/Berlin)").first.is_visible()  # the builder's time too
    assert page.get_by_text("£150.00").first.is_visible()
    screenshot(page, f"confirmed-{viewport}")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download .ics").click()
    event = Calendar.from_ical(open(download.value.path(), "rb").read()).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "calendar.google.com" in page.get_by_role("link", name="Add to Google Calendar").get_attribute("href")

    page.get_by_role("button", name="Cancel booking").click()
    assert page.get_by_text("You will be refunded £150.00 in full.").is_visible()
    page.get_by_label("Reason for the builder (optional)").fill("Something came up")
    screenshot(page, f"cancel-dialog-{viewport}")
    page.get_by_role("button", name="Yes, cancel").click()
    page.get_by_role("heading", name="Booking cancelled").wait_for(timeout=15_000)
    expect(page.get_by_text("You cancelled this booking; its time is free again.")).to_be_visible()
    # The refund is promised with the cancellation and sent by the job runner: first on its way
    # (unless Stripe was quicker than this look), then done; the page updates by itself.
    refunded = page.get_by_text("Refunded", exact=True)
    expect(page.locator("#refund-pending").or_(refunded).first).to_be_visible()
    if page.locator("#refund-pending").is_visible():
        expect(page.locator("#refund-pending")).to_contain_text("£150.00 on its way")
        screenshot(page, f"cancelled-refund-on-its-way-{viewport}")
    expect(refunded).to_be_visible(timeout=15_000)
    expect(page.locator("#refund-pending")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Your refund of £150.00 is complete.")).to_have_count(1)
    screenshot(page, f"cancelled-{viewport}")
    assert _api(f"{app_url}/api/bookings/{booking['token']}")["payment_status"] == "refunded"
    expect(page.get_by_role("link", name="Book again")).to_be_visible()
    page.close()


def test_unknown_booking_link_shows_a_friendly_page(browser, app_url: str) -> None:
    page = browser.new_page(viewport=VIEWPORTS["phone"])
    page.goto(f"{app_url}/booking/this-is-not-a-token/")
    page.get_by_role("heading", name="Booking not found").wait_for(timeout=15_000)
    assert page.get_by_text("Traceback").count() == 0
    screenshot(page, "booking-not-found-phone")
    page.close()
