"""Calendars in Chromium: the builder connects an iCalendar address on the calendars page, the
app syncs it by itself, and the event's time disappears from the booking page's times; the
private feed address is shown, copied and replaced."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.wizard import customer_page, sign_in_as_demo, weekday_ahead
from tests.support.calendar_servers import start_ics_feed

pytestmark = pytest.mark.e2e
BERLIN = ZoneInfo("Europe/Berlin")  # the demo builder's zone


def _intro_times(app_url: str, day) -> list[str]:
    with urllib.request.urlopen(f"{app_url}/api/builders/demo/session-types") as response:
        intro = next(k for k in json.load(response)["session_types"] if k["slug"] == "intro-call")
    query = f"start={day.isoformat()}&end={day.isoformat()}&timezone=Europe/Berlin"
    with urllib.request.urlopen(f"{app_url}/api/session-types/{intro['id']}/slots?{query}") as response:
        return [slot["local_time"] for slot in json.load(response)["slots"]]


def test_a_connected_calendar_removes_its_times_from_the_booking_page(browser, app_url: str) -> None:
    day = weekday_ahead(4, 0)
    start = datetime(day.year, day.month, day.day, 10, tzinfo=BERLIN)
    assert "10:00" in _intro_times(app_url, day)
    feed = start_ics_feed()
    feed.body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nBEGIN:VEVENT\r\nUID:dentist-e2e\r\n"
                 "DTSTAMP:20261201T000000Z\r\n"
                 f"DTSTART;TZID=Europe/Berlin:{start:%Y%m%dT%H%M%S}\r\nDTEND;TZID=Europe/Berlin:{start:%Y%m%d}T120000\r\n"
                 "SUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    try:
        page = customer_page(browser, "phone")
        sign_in_as_demo(page, app_url, "/dashboard/calendars/")
        expect(page.get_by_role("heading", name="Calendars", exact=True)).to_be_visible()
        feed_address = page.locator("#feed-url")
        expect(feed_address).to_have_value(re.compile(r"/api/calendar-feeds/[\w-]{43}\.ics$"))
        first_address = feed_address.input_value()
        page.get_by_label("Name", exact=True).fill("Private")
        page.get_by_label("Calendar address", exact=True).fill(feed.url)
        page.get_by_role("button", name="Connect").click()
        expect(page.get_by_role("heading", name="Private")).to_be_visible()
        expect(page.get_by_label("Calendar address", exact=True)).to_have_value("")  # emptied once it worked
        # The app's own job runner syncs it.
        for _ in range(20):
            if "10:00" not in _intro_times(app_url, day):
                break
            page.wait_for_timeout(500)
        times = _intro_times(app_url, day)
        assert "10:00" not in times and "11:45" not in times and {"09:45", "12:00"} <= set(times)
        # The page follows the sync by itself: no reload needed.
        expect(page.get_by_text(re.compile(r"Last synced .* 1 busy event"))).to_be_visible(timeout=30_000)
        screenshot(page, "calendars-connected-phone")
        page.get_by_role("button", name="New address").click()
        page.get_by_role("button", name="Replace").click()
        expect(feed_address).not_to_have_value(first_address)
        with pytest.raises(urllib.error.HTTPError) as gone:
            urllib.request.urlopen(first_address)
        assert gone.value.code == 404
        page.get_by_role("button", name="Remove Private").click()
        expect(page.get_by_role("heading", name="Private")).to_have_count(0)
        assert "10:00" in _intro_times(app_url, day)
    finally:
        feed.stop()
