"""Moving a booking end to end in Chromium: the customer from the confirmation page through
the wizard's reschedule mode, and the builder from the dashboard's booking details."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from booking_app.settings import PROJECT_ROOT
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.wizard import (
    book_to_checkout,
    checkout_outcome,
    customer_page,
    show_day,
    times_on,
    wait_for_heading,
    weekday_ahead,
)

pytestmark = pytest.mark.e2e
SHOTS = PROJECT_ROOT / "test-artifacts" / "review-reschedule"
MESSAGE = "Something came up on my side — sorry for the change."


def _shots(page: Page, name: str, show=None) -> None:
    """Full-page screenshots at 1280 and 375 px wide, for review (``show``: a locator to scroll to)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for viewport, width in (("desktop", 1280), ("phone", 375)):
        page.set_viewport_size({"width": width, "height": VIEWPORTS[viewport]["height"]})
        page.wait_for_timeout(300)  # the layout settles at the new breakpoint
        if show is not None:
            show.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{name}-{viewport}.png"), full_page=True)
    page.set_viewport_size(size)


def _when(page: Page) -> str:
    row = page.locator(".rt-DataListItem").filter(has_text="When (your time)")
    return row.locator(".rt-DataListValue").inner_text()


def _book_and_pay(page: Page, app_url: str, day, index: int, email: str) -> str:
    """A paid, confirmed booking; returns its confirmation page's URL."""
    book_to_checkout(page, app_url, day, index, email)
    checkout_outcome(page, "pay")
    wait_for_heading(page, "You're booked")
    return page.url


def test_customer_moves_a_booking_from_the_confirmation_page(browser, app_url: str) -> None:
    page = customer_page(browser, locale="en-GB")  # a 24-hour clock, like the confirmation page
    day = weekday_ahead(5, 3)
    booking_url = _book_and_pay(page, app_url, day, 0, "move-customer@example.com")
    token = re.search(r"/booking/([^/?]+)", booking_url).group(1)
    old_when = _when(page)
    _shots(page, "confirmation-reschedule-button")

    page.get_by_role("link", name="Reschedule").click()
    page.wait_for_url(re.compile(rf"/book/demo/\?type=build-session&reschedule={token}"))
    wait_for_heading(page, "Pick a new time")
    expect(page.locator("#current-time")).to_contain_text("Currently: " + old_when)
    # No session choice, no details, no payment: two steps.
    expect(page.get_by_role("navigation", name="Rescheduling progress")).to_contain_text("New time")
    show_day(page, day)
    slots = times_on(page, day).get_by_role("button")
    new_time = slots.nth(2).inner_text().splitlines()[0]
    slots.nth(2).click()

    wait_for_heading(page, "Move your booking")
    expect(page.locator("dl").get_by_text(re.compile(rf", {new_time}–"))).to_be_visible()
    new_when = page.locator(".rt-DataListItem").filter(has_text="New time (your time)") \
        .locator(".rt-DataListValue").inner_text()
    assert new_when != old_when
    expect(page.get_by_role("button", name=re.compile("^Pay"))).to_have_count(0)
    _shots(page, "wizard-reschedule-review")

    page.get_by_role("button", name="Move booking").click()
    page.wait_for_url(re.compile(rf"/booking/{token}/?$"))
    wait_for_heading(page, "You're booked")
    expect(page.locator(".rt-DataListItem").filter(has_text="When (your time)")).to_contain_text(new_when)
    _shots(page, "confirmation-after-move")
    page.context.close()


def test_a_foreign_token_leaves_the_wizard_as_it_is(browser, app_url: str) -> None:
    page = customer_page(browser)
    page.goto(f"{app_url}/book/demo/?reschedule=not-a-token")
    wait_for_heading(page, "Choose a session")
    expect(page.get_by_role("navigation", name="Booking progress")).to_be_visible()
    page.context.close()


def test_builder_moves_a_booking_from_the_dashboard(browser, app_url: str) -> None:
    customer = customer_page(browser, locale="en-GB")
    day = weekday_ahead(5, 4)
    booking_url = _book_and_pay(customer, app_url, day, 1, "move-builder@example.com")

    builder = customer_page(browser, zone="Europe/Berlin", locale="en-GB")
    builder.goto(f"{app_url}/login/?next=/dashboard/")
    builder.get_by_label("E-mail").fill("demo@makerhours.app")
    builder.get_by_label("Password").fill("demo-builder-pass")
    builder.get_by_role("button", name=re.compile("^Sign in")).click()
    wait_for_heading(builder, "Bookings")
    builder.get_by_label("Search by customer").fill("move-builder@example.com")
    details = builder.get_by_role("button", name="Details of the booking by Ada Lovelace")
    expect(details).to_have_count(1)
    details.click()
    dialog = builder.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Reschedule")).to_be_visible()
    expect(dialog.get_by_label("New date")).to_have_value(day.isoformat())  # the booking's own day first
    dialog.get_by_label("New date").fill(day.isoformat())
    dialog.get_by_label("Free time (your time)").click()
    option = builder.get_by_role("option").nth(4)
    new_time = option.inner_text()
    option.click()
    dialog.get_by_label("Message to the customer (optional)").fill(MESSAGE)
    control = dialog.locator(".rt-Card").filter(has=builder.get_by_role("heading", name="Reschedule"))
    _shots(builder, "dashboard-reschedule-control", control)

    dialog.get_by_role("button", name="Move booking").click()
    expect(dialog.locator("#move-outcome")).to_contain_text("Moved to ")
    expect(dialog.locator("#move-outcome")).to_contain_text(f", {new_time}–")
    moved = builder.locator("#booking-timeline").get_by_role("listitem").filter(has_text="Moved by you")
    expect(moved).to_contain_text(MESSAGE)
    _shots(builder, "dashboard-reschedule-moved", control)

    customer.goto(booking_url)
    wait_for_heading(customer, "You're booked")
    expect(customer.locator(".rt-DataListItem").filter(has_text="Builder's time")).to_contain_text(f", {new_time}–")
    builder.context.close()
    customer.context.close()
