"""The mails in Chromium, through the local mailbox (``/dev/mailbox``, no ``SMTP_URL``): the
confirmation of a paid booking with its calendar invitation and the link back to the booking,
and "Find your bookings" (``/bookings/find``)."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from booking_app.messages import LOOKUP_SENT
from tests.e2e.conftest import screenshot
from tests.e2e.wizard import (
    book_to_checkout,
    checkout_outcome,
    customer_page,
    token_of_checkout,
    wait_for_heading,
    weekday_ahead,
)

pytestmark = pytest.mark.e2e
MAIL_FRAME = "iframe[title='The message as HTML']"


def open_mail(page: Page, app_url: str, subject: str, recipient: str, timeout: float = 20_000) -> None:
    """Open ``/dev/mailbox`` and the newest mail to ``recipient`` whose subject starts with
    ``subject``. The job runner sends it a second or two after what caused it: the page
    updates its list by itself, and a reload is the fallback."""
    page.goto(f"{app_url}/dev/mailbox/")
    expect(page.get_by_role("heading", name="Local mailbox")).to_be_visible()
    row = page.get_by_role("button", name=re.compile("^" + re.escape(subject))).filter(has_text=recipient).first
    for attempt in range(3):
        try:
            expect(row).to_be_visible(timeout=timeout / 3)
            break
        except AssertionError:
            if attempt == 2:
                raise
            page.reload()
    row.click()
    expect(row).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("heading", level=2, name=re.compile("^" + re.escape(subject)))).to_be_visible()


def test_confirmation_mail_has_the_invitation_and_leads_back_to_the_booking(browser, app_url: str) -> None:
    email = "mailbox-ada@example.com"
    page = customer_page(browser)
    book_to_checkout(page, app_url, weekday_ahead(5, 1), 1, email)
    token = token_of_checkout(app_url, page.url)
    checkout_outcome(page, "pay")
    wait_for_heading(page, "You're booked")

    open_mail(page, app_url, "Booked: App build session with", email)
    frame = page.frame_locator(MAIL_FRAME)
    expect(frame.get_by_role("heading", name="You're booked")).to_be_visible()
    screenshot(page, "mailbox-booked")

    # The calendar invitation: a download, served as text/calendar.
    invite = page.get_by_role("link", name="invite.ics")
    href = invite.get_attribute("href")
    response = page.request.get(f"{app_url}{href}")
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    with page.expect_download() as download:
        invite.click()
    assert download.value.suggested_filename == "invite.ics"
    calendar = Calendar.from_ical(Path(download.value.path()).read_bytes())
    assert str(calendar["METHOD"]) == "REQUEST"
    assert calendar.walk("VEVENT")[0]["ATTENDEE"].lower() == f"mailto:{email}"

    # The mail's button leads back to the booking: in a new tab from the sandboxed frame, and
    # the same address in the plain-text part.
    manage = frame.get_by_role("link", name="Manage your booking")
    link = manage.get_attribute("href")
    assert link.startswith(app_url) and f"/booking/{token}/" in link
    with page.context.expect_page() as opened:
        manage.click()
    tab = opened.value
    wait_for_heading(tab, "You're booked")
    assert tab.url == link
    tab.close()

    page.get_by_role("button", name="Show plain text").click()
    expect(page.get_by_text(f"Manage your booking: {link}")).to_be_visible()
    page.goto(link)
    wait_for_heading(page, "You're booked")
    page.context.close()


def _api(url: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _free_booking(app_url: str, email: str) -> str:
    """Book the demo's free intro call for ``email`` through the JSON API; returns its token."""
    kinds = _api(f"{app_url}/api/builders/demo/session-types")["session_types"]
    intro = next(k for k in kinds if k["slug"] == "intro-call")
    day = weekday_ahead(5, 2)
    slots = _api(f"{app_url}/api/session-types/{intro['id']}/slots?start={day}&end={day}&timezone=Europe/Berlin")
    booking = _api(f"{app_url}/api/bookings", {"session_type_id": intro["id"], "start": slots["slots"][0]["start"],
                                               "name": "Grace Hopper", "email": email, "timezone": "Europe/Berlin"})
    assert booking["status"] == "confirmed"
    return booking["token"]


def test_find_your_bookings_mails_the_links(browser, app_url: str) -> None:
    email = "mailbox-grace@example.com"
    token = _free_booking(app_url, email)
    page = customer_page(browser, "phone")
    page.goto(f"{app_url}/bookings/find/")
    expect(page.get_by_role("heading", name="Find your bookings")).to_be_visible()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="E-mail me the links").click()
    expect(page.get_by_role("status").filter(has_text=LOOKUP_SENT)).to_be_visible()
    screenshot(page, "find-bookings-sent-phone")

    open_mail(page, app_url, "Your bookings on Makerhours", email)
    frame = page.frame_locator(MAIL_FRAME)
    expect(frame.get_by_role("heading", name="Your bookings")).to_be_visible()
    link = frame.locator(f'a[href$="/booking/{token}/"]').first  # the booking's line, and the button
    expect(link).to_be_visible()
    screenshot(page, "mailbox-your-bookings-phone")
    page.goto(link.get_attribute("href"))
    wait_for_heading(page, "You're booked")
    page.context.close()
