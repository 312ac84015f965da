"""The booking wizard end to end in Chromium: from the home page to "You're booked", and
every way a payment can go differently (decline, back from Checkout, delayed failure,
expiry, a race for one time)."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot
from tests.e2e.wizard import (
    FREE,
    book_to_checkout,
    checkout_outcome,
    choose_session,
    customer_page,
    fill_details,
    move_emulator_clock,
    open_wizard,
    pay,
    pick_time,
    show_day,
    times_on,
    token_of_checkout,
    wait_for_heading,
    weekday_ahead,
)

pytestmark = pytest.mark.e2e
SLOT_TAKEN = "That time was just taken — please pick another."


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_paid_booking_from_the_home_page_to_confirmed(browser, app_url: str, viewport: str) -> None:
    page = customer_page(browser, viewport)
    page.goto(app_url)
    page.get_by_role("link", name="Book a session").first.click()
    day = weekday_ahead(2, 1 if viewport == "desktop" else 2)
    book_to_checkout(page, app_url, day, 2, f"wizard-{viewport}@example.com", shots=f"wizard-{viewport}")
    checkout_outcome(page, "pay")
    wait_for_heading(page, "You're booked")
    assert page.get_by_text("(America/New_York)").first.is_visible()
    assert page.get_by_text("(Europe/Berlin)").first.is_visible()
    screenshot(page, f"wizard-{viewport}-6-confirmed")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download .ics").click()
    event = Calendar.from_ical(open(download.value.path(), "rb").read()).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].dt.date() == day  # 03:00-11:30 in New York: the same calendar day
    page.context.close()


def test_free_session_is_confirmed_without_checkout(browser, app_url: str) -> None:
    page = customer_page(browser)
    open_wizard(page, app_url)
    choose_session(page, FREE)
    pick_time(page, weekday_ahead(2, 3), 0)
    fill_details(page, "Grace Hopper", "grace@example.com")
    expect(page.get_by_text("Free").first).to_be_visible()
    page.get_by_role("button", name="Confirm booking").click()
    wait_for_heading(page, "You're booked")
    assert "stripe-emulator" not in page.url
    screenshot(page, "wizard-free-confirmed")
    page.context.close()


def test_declined_card_then_a_good_one(browser, app_url: str) -> None:
    page = customer_page(browser)
    book_to_checkout(page, app_url, weekday_ahead(3, 0), 0, "decline@example.com")
    checkout_outcome(page, "decline")
    expect(page.get_by_role("alert")).to_contain_text("Your card was declined.")
    screenshot(page, "wizard-declined")
    checkout_outcome(page, "pay")
    wait_for_heading(page, "You're booked")
    page.context.close()


def test_back_from_checkout_then_another_time_then_retry(browser, app_url: str) -> None:
    page = customer_page(browser)
    day = weekday_ahead(3, 1)
    first_time = book_to_checkout(page, app_url, day, 1, "back@example.com")
    checkout_outcome(page, "back")
    expect(page.get_by_text("Payment not completed")).to_be_visible(timeout=15_000)
    screenshot(page, "wizard-back-from-checkout")

    # "Choose another time" releases the hold: the same time is offered again.
    page.get_by_role("button", name="Choose another time").click()
    wait_for_heading(page, "Pick a date and time")
    show_day(page, day)
    expect(times_on(page, day).get_by_role("button").nth(1)).to_contain_text(first_time)
    times_on(page, day).get_by_role("button").nth(1).click()
    # What was entered is kept: straight on to the review.
    expect(page.get_by_label("E-mail")).to_have_value("back@example.com")
    page.get_by_role("button", name="Continue").click()
    pay(page)

    checkout_outcome(page, "back")
    expect(page.get_by_text("Payment not completed")).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Try again").click()
    page.wait_for_url(re.compile(r"/api/stripe-emulator/pay/cs_test_"))
    checkout_outcome(page, "pay")
    wait_for_heading(page, "You're booked")
    page.context.close()


def test_a_reconnect_keeps_the_step_and_a_reload_goes_back_to_the_times(browser, app_url: str) -> None:
    page = customer_page(browser)
    open_wizard(page, app_url, "build-session")
    pick_time(page, weekday_ahead(4, 2), 0)
    fill_details(page, "Rhea Connect", "reconnect@example.com")
    # The event websocket drops and comes back, as after a network blip or an app restart
    # (Reflex's own handlers: pagehide disconnects, visibilitychange reconnects).
    with page.expect_websocket() as reconnected:
        page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))")
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    socket = reconnected.value
    # The page load runs again on a reconnect and starts from the times; the browser's answer
    # (with the same page mark) puts the customer back on their step.
    socket.wait_for_event("framesent", predicate=lambda payload: "browser_settings" in str(payload))
    socket.wait_for_event("framereceived")
    expect(page.get_by_role("heading", name="Review and pay")).to_be_visible()
    expect(page.get_by_text("Rhea Connect")).to_be_visible()

    # A reload is a fresh arrival: back to the times, with what was entered kept.
    page.reload()
    wait_for_heading(page, "Pick a date and time")
    pick_time(page, weekday_ahead(4, 2), 0)
    expect(page.get_by_label("Name")).to_have_value("Rhea Connect")

    # So is coming back from Checkout with the browser's Back button (headless Chromium loads
    # the page afresh here; a browser that restores it from the back/forward cache keeps the
    # page mark, which is why leaving for Checkout also rules out resuming).
    page.get_by_role("button", name="Continue").click()
    pay(page)
    page.go_back()
    wait_for_heading(page, "Pick a date and time")
    page.context.close()


def test_delayed_payment_that_fails_then_a_card_while_the_hold_lasts(browser, app_url: str) -> None:
    page = customer_page(browser)
    book_to_checkout(page, app_url, weekday_ahead(3, 2), 0, "delayed@example.com")
    checkout_outcome(page, "delayed_failure")
    wait_for_heading(page, "Payment processing")
    screenshot(page, "wizard-processing")
    try:
        move_emulator_clock(app_url, 200)  # the bank transfer settles (and fails) after 3 minutes
        wait_for_heading(page, "Payment failed")  # the page updates by itself
    finally:
        move_emulator_clock(app_url, -200)
    expect(page.get_by_text("The bank transfer did not go through.")).to_be_visible()
    screenshot(page, "wizard-payment-failed")
    page.get_by_role("button", name="Try again").click()
    page.wait_for_url(re.compile(r"/api/stripe-emulator/pay/cs_test_"))
    checkout_outcome(page, "pay")
    wait_for_heading(page, "You're booked")
    page.context.close()


def test_hold_expires_and_the_time_is_offered_again(browser, app_url: str) -> None:
    page = customer_page(browser)
    day = weekday_ahead(3, 3)
    held_time = book_to_checkout(page, app_url, day, 0, "expiry@example.com")
    token = token_of_checkout(app_url, page.url)
    # Nobody pays: 31 minutes later the emulator expires the session and tells the app.
    try:
        move_emulator_clock(app_url, 31 * 60)
        page.goto(f"{app_url}/booking/{token}/")
        wait_for_heading(page, "This reservation expired")
    finally:
        move_emulator_clock(app_url, -31 * 60)
    screenshot(page, "wizard-expired")
    page.get_by_role("link", name="Choose another time").click()
    wait_for_heading(page, "Pick a date and time")  # the same session type, preselected
    expect(page.get_by_role("heading", name="App build session")).to_be_visible()
    show_day(page, day)
    expect(times_on(page, day).get_by_role("button").first).to_contain_text(held_time)
    page.context.close()


def test_two_customers_race_for_one_time(browser, app_url: str) -> None:
    day = weekday_ahead(4, 0)
    first, second = customer_page(browser), customer_page(browser, "phone")
    for page, email in ((first, "first@example.com"), (second, "second@example.com")):
        open_wizard(page, app_url, "build-session")
        wait_for_heading(page, "Pick a date and time")
        taken = pick_time(page, day, 3)
        fill_details(page, "Racer", email)

    pay(first)
    second.get_by_role("button", name="Pay £150.00").click()
    wait_for_heading(second, "Pick a date and time")
    expect(second.get_by_role("alert")).to_contain_text(SLOT_TAKEN)
    screenshot(second, "wizard-race-loser-phone")

    # The loser's refreshed list no longer offers the taken time.
    expect(times_on(second, day).get_by_role("button")).not_to_have_count(0)
    expect(times_on(second, day).get_by_role("button").filter(has_text=re.compile("^" + re.escape(taken)))).to_have_count(0)
    checkout_outcome(first, "pay")
    wait_for_heading(first, "You're booked")
    first.context.close()
    second.context.close()


def test_details_are_checked_inline(browser, app_url: str) -> None:
    page = customer_page(browser, "phone")
    open_wizard(page, app_url, "build-session")
    wait_for_heading(page, "Pick a date and time")
    pick_time(page, weekday_ahead(4, 1), 0)
    page.get_by_label("E-mail").fill("not-an-address")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Please enter your name.")).to_be_visible()
    expect(page.get_by_text(re.compile("valid e-mail address"))).to_be_visible()
    screenshot(page, "wizard-details-errors-phone")
    page.get_by_label("Name").fill("Linus")
    page.get_by_label("E-mail").fill("linus@example.com")
    page.get_by_role("button", name="Continue").click()
    wait_for_heading(page, "Review and pay")
    # Back keeps what was entered.
    page.get_by_role("button", name="Back", exact=True).click()
    expect(page.get_by_label("Name")).to_have_value("Linus")
    page.context.close()


def test_unknown_builder_shows_a_friendly_page(browser, app_url: str) -> None:
    page = customer_page(browser)
    page.goto(f"{app_url}/book/nobody-here/")
    wait_for_heading(page, "Builder not found")
    page.context.close()


def test_time_zone_picker_and_clock_toggle(browser, app_url: str) -> None:
    page = customer_page(browser, "phone", zone="Europe/Berlin", locale="de-DE")  # the builder's own zone
    open_wizard(page, app_url, "build-session")
    wait_for_heading(page, "Pick a date and time")
    day = weekday_ahead(5, 0)
    show_day(page, day)
    times = times_on(page, day).get_by_role("button")
    expect(times.first).to_have_text("09:00")  # German locale → 24-hour clock, no second zone shown

    page.get_by_role("button", name="Time zone: Central European Time — Berlin").click()
    picker = page.get_by_role("dialog", name="Choose your time zone")
    # Friendly names, found by offset, abbreviation, long name or an old name (issue 18, defect 5).
    search = picker.get_by_label("Search time zones")
    for query, expected in (("PST", "Pacific Time — Los Angeles · GMT-08:00"),
                            ("Pacific Time", "Pacific Time — Los Angeles · GMT-08:00"),
                            ("Calcutta", "India Time — Kolkata · GMT+05:30")):
        search.fill(query)
        expect(picker.get_by_role("button", name=expected)).to_be_visible()
    search.fill("GMT+5:30")
    expect(picker.get_by_role("button").filter(has_text="Calcutta")).to_have_count(0)  # canonical names only
    screenshot(page, "wizard-zone-picker-phone")
    picker.get_by_role("button", name="India Time — Kolkata · GMT+05:30").click()
    expect(page.get_by_role("button", name="Time zone: India Time — Kolkata")).to_be_visible()
    show_day(page, day)
    expect(times.first).to_contain_text("13:30")  # 09:00 in Berlin (winter) is 13:30 in Kolkata
    expect(times.first).to_contain_text("09:00 in Berlin")

    page.get_by_role("radio", name="12h").click()
    expect(times.first).to_contain_text("1:30 pm")
    expect(times.first).to_contain_text("9:00 am in Berlin")
    screenshot(page, "wizard-time-zone-kolkata-phone")
    page.context.close()
