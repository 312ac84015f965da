"""Issue 18's flow defects in the booking wizard: booking again in the same tab, the held time
after coming back from Checkout unpaid, zones that share an offset."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.wizard import (
    FREE,
    book_to_checkout,
    checkout_outcome,
    choose_session,
    customer_page,
    fill_details,
    open_wizard,
    pick_time,
    show_day,
    times_on,
    wait_for_heading,
    weekday_ahead,
)

pytestmark = pytest.mark.e2e


def test_booking_again_in_the_same_tab_starts_at_the_first_step(browser, app_url: str) -> None:
    page = customer_page(browser)
    open_wizard(page, app_url)
    choose_session(page, FREE)
    pick_time(page, weekday_ahead(6, 0), 0)
    fill_details(page, "Again Free", "again@example.com")
    page.get_by_role("button", name="Confirm booking").click()
    wait_for_heading(page, "You're booked")
    # Back home through the site's own links (the same tab, the same page context).
    page.get_by_role("link", name="Makerhours home").click()
    page.get_by_role("link", name="Book a session").first.click()
    wait_for_heading(page, "Choose a session")
    expect(page.get_by_role("alert")).to_have_count(0)

    # After a paid booking too (Checkout is another page: the tab comes back to the app).
    book_to_checkout(page, app_url, weekday_ahead(6, 1), 0, "again@example.com")
    checkout_outcome(page, "pay")
    wait_for_heading(page, "You're booked")
    page.get_by_role("link", name="Makerhours home").click()
    page.get_by_role("link", name="Book a session").first.click()
    wait_for_heading(page, "Choose a session")
    expect(page.get_by_role("alert")).to_have_count(0)
    page.context.close()


def test_back_from_checkout_unpaid_shows_the_held_time(browser, app_url: str) -> None:
    page = customer_page(browser)
    book_to_checkout(page, app_url, weekday_ahead(6, 2), 1, "held@example.com")
    checkout_outcome(page, "back")
    expect(page.get_by_text("Payment not completed")).to_be_visible(timeout=15_000)
    page.wait_for_timeout(2000)  # the browser's settings and the refreshed times have arrived
    day = weekday_ahead(6, 2)
    held = page.get_by_role("definition").filter(has_text=f"{day:%A}")
    expect(held).to_have_count(1)  # the "When (your time)" row
    expect(page.get_by_text(f"{day:%A}")).to_have_count(2)  # and the side panel
    page.context.close()


def test_a_zone_with_the_same_offset_is_not_shown_as_different(browser, app_url: str) -> None:
    page = customer_page(browser, zone="Europe/Paris", locale="en-GB")  # the builder is in Berlin
    open_wizard(page, app_url, "build-session")
    wait_for_heading(page, "Pick a date and time")
    day = weekday_ahead(6, 3)
    show_day(page, day)
    expect(times_on(page, day).get_by_role("button").first).to_have_text("09:00")
    expect(page.get_by_text(" in Berlin")).to_have_count(0)
    times_on(page, day).get_by_role("button").first.click()
    fill_details(page, "Paris Client", "paris@example.com")
    expect(page.get_by_text("Mira Novak's time")).to_have_count(0)
    page.context.close()



def test_focus_moves_to_each_new_step_and_links_are_single_controls(browser, app_url: str) -> None:
    page = customer_page(browser, "phone")
    open_wizard(page, app_url)
    wait_for_heading(page, "Choose a session")
    choose_session(page, FREE)
    expect(page.get_by_role("heading", name="Pick a date and time")).to_be_focused()
    show_day(page, weekday_ahead(6, 0))
    times_on(page, weekday_ahead(6, 0)).get_by_role("button").nth(2).click()
    expect(page.get_by_label("Name")).to_be_focused()  # the first empty field of the details step
    page.get_by_label("Name").fill("Keyboard User")
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page.get_by_role("heading", name="Pick a date and time")).to_be_focused()
    times_on(page, weekday_ahead(6, 0)).get_by_role("button").nth(2).click()
    expect(page.get_by_label("E-mail")).to_be_focused()  # the name is there already
    page.get_by_label("E-mail").fill("keyboard@example.com")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Review and pay")).to_be_focused()
    page.get_by_role("button", name="Confirm booking").click()
    wait_for_heading(page, "You're booked")
    # Links that look like buttons are one control each, not a button inside a link.
    expect(page.get_by_role("link", name="Download .ics")).to_be_visible()
    expect(page.locator("a button, button a")).to_have_count(0)
    page.context.close()


def test_the_12_hour_choice_is_carried_to_the_confirmation_page(browser, app_url: str) -> None:
    page = customer_page(browser, locale="en-GB")  # a 24-hour browser; the customer picks 12-hour
    open_wizard(page, app_url)
    choose_session(page, FREE)
    page.get_by_role("radio", name="12h").click()
    show_day(page, weekday_ahead(6, 1))
    times_on(page, weekday_ahead(6, 1)).get_by_role("button").nth(3).click()
    fill_details(page, "Twelve Hour", "twelve@example.com")
    page.get_by_role("button", name="Confirm booking").click()
    wait_for_heading(page, "You're booked")
    expect(page.get_by_text(re.compile(r"\d:\d\d (am|pm)–\d{1,2}:\d\d (am|pm) \(America/New_York\)"))).to_be_visible()
    # A reload keeps the choice (the tab remembers it; the page reads it again).
    page.reload()
    wait_for_heading(page, "You're booked")
    expect(page.get_by_text(re.compile(r"(am|pm) \(America/New_York\)"))).to_be_visible()
    page.context.close()
