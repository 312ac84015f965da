"""A builder's whole story in Chromium: sign up, set hours and a paid session, get booked and
paid through the wizard, see it in the dashboard, cancel it with a refund — and the customer
sees the refund."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_mailbox import MAIL_FRAME, open_mail
from tests.e2e.wizard import (
    checkout_outcome,
    choose_session,
    customer_page,
    fill_details,
    pay,
    pick_time,
    wait_for_heading,
    weekday_ahead,
)

pytestmark = pytest.mark.e2e
REASON = "I am ill this week, sorry. Please book another time."


def _sign_up(page, app_url: str) -> None:
    page.goto(f"{app_url}/signup/")
    wait_for_heading(page, "Create your builder account")
    page.get_by_label("Your name").fill("Lin Builder")
    page.get_by_label("E-mail").fill("lin@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_label("Booking address").fill("lin")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Lisbon")  # detected from the browser
    page.get_by_role("button", name="Create account").click()
    password_error = page.get_by_text("Use at least 10 characters for the password.")
    expect(password_error).to_be_visible()
    page.get_by_label("Password").fill("a long enough password")
    expect(password_error).not_to_be_visible()
    page.get_by_role("button", name="Create account").click()
    # The address is confirmed by the link mailed to it (issue 19: the form tells nobody who
    # has an account); the link creates the account and signs in.
    expect(page.get_by_role("status").filter(has_text="We've sent a link to lin@example.com")).to_be_visible()
    open_mail(page, app_url, "Finish creating your Makerhours account", "lin@example.com")
    link = page.frame_locator(MAIL_FRAME).get_by_role("link", name="Finish creating my account")
    page.goto(link.get_attribute("href"))
    wait_for_heading(page, "Availability")


def test_builder_signs_up_gets_booked_and_refunds(browser, app_url: str) -> None:
    builder = customer_page(browser, zone="Europe/Lisbon", locale="en-GB")
    _sign_up(builder, app_url)
    expect(builder.get_by_text("Signed in as Lin Builder")).to_be_visible()

    # Tuesday hours: "Add hours" proposes 09:00-17:00.
    builder.get_by_role("button", name="Add hours on Tuesday").click()
    builder.get_by_role("button", name="Save weekly hours").click()
    expect(builder.get_by_text("Weekly hours saved")).to_be_visible()
    screenshot(builder, "dashboard-availability-desktop")

    builder.get_by_role("link", name="Session types").click()
    wait_for_heading(builder, "Session types")
    # A new builder's empty page says what session types are and what to do (issue 18).
    expect(builder.get_by_text("No session types yet")).to_be_visible()
    builder.get_by_role("button", name="New session type").click()
    builder.get_by_label("Title").fill("Pairing hour")
    builder.get_by_label("Price").fill("0.10")
    builder.get_by_role("button", name="Save").click()
    price_error = builder.get_by_text(re.compile("Stripe cannot take a payment under £0.30"))
    expect(price_error).to_be_visible()
    builder.get_by_label("Price").fill("80")
    expect(price_error).not_to_be_visible()  # the form has settled before the next click
    builder.get_by_role("button", name="Save").click()
    expect(builder.get_by_text("£80.00 · 60 min · one-to-one")).to_be_visible()
    screenshot(builder, "dashboard-session-types-desktop")

    # A customer books and pays through the wizard, at once.
    customer = customer_page(browser, "phone")
    customer.goto(f"{app_url}/book/lin/")
    choose_session(customer, "Pairing hour")
    pick_time(customer, weekday_ahead(1, 1), 0)
    fill_details(customer, "Ada Customer", "ada.customer@example.com")
    pay(customer, "Pay £80.00")
    checkout_outcome(customer, "pay")
    wait_for_heading(customer, "You're booked")
    booking_url = customer.url

    builder.get_by_role("link", name="Bookings").click()
    wait_for_heading(builder, "Bookings")
    row = builder.get_by_role("row", name=re.compile("Ada Customer"))
    expect(row).to_contain_text("paid")
    expect(row).to_contain_text("£80.00")
    expect(row).to_contain_text("pi_")
    expect(builder.get_by_text("£80.00").first).to_be_visible()
    screenshot(builder, "dashboard-bookings-desktop")
    builder.set_viewport_size({"width": 375, "height": 812})
    screenshot(builder, "dashboard-bookings-phone")
    builder.set_viewport_size({"width": 1280, "height": 900})

    details_button = builder.get_by_role("button", name="Details of the booking by Ada Customer")
    details_button.click()
    builder.get_by_role("button", name="Cancel and refund").click()
    confirm = builder.get_by_role("alertdialog")
    expect(confirm.get_by_text("The customer will be refunded £80.00 in full.")).to_be_visible()
    confirm.get_by_label("Reason for the customer (optional)").fill(REASON)
    confirm.get_by_role("button", name="Cancel and refund").click()
    details = builder.get_by_role("dialog")
    # The refund is promised with the cancellation; the job runner sends it and Stripe's webhook
    # completes it a moment later (possibly before this look).
    expect(details.get_by_role("status")).to_have_text(re.compile(
        r"^Cancelled\. (The full refund of £80\.00 is on its way to the customer|The customer has been refunded £80\.00)"))
    timeline = builder.locator("#booking-timeline")
    cancelled = timeline.get_by_role("listitem").filter(has_text="Cancelled by you")
    expect(cancelled).to_contain_text(REASON)
    screenshot(builder, "dashboard-cancelled-desktop")
    # The open dialog follows the refund by itself (the entry's own title: the mail about it,
    # "E-mail sent", quotes the same words)...
    refunded = timeline.get_by_role("listitem").filter(has=builder.get_by_text("Refund of £80.00 completed", exact=True))
    expect(refunded).to_be_visible(timeout=15_000)
    expect(details.locator("#detail-refund-pending")).to_have_count(0)
    # ...and after a reload the booking shows the same story.
    builder.reload()
    wait_for_heading(builder, "Bookings")
    builder.get_by_role("tab", name="Cancelled").click()
    details_button.click()
    expect(refunded).to_have_count(1)
    expect(cancelled).to_contain_text(REASON)
    expect(details.get_by_text("refunded", exact=True)).to_be_visible()  # the payment's badge
    details.get_by_role("button", name="Close").focus()
    builder.keyboard.press("End")  # the dialog scrolls; its buttons stay in sight
    screenshot(builder, "dashboard-refunded-details-desktop")
    builder.keyboard.press("Escape")
    expect(details).not_to_be_visible()
    expect(details_button).to_be_focused()  # back where the builder was

    customer.goto(booking_url.split("?")[0])
    wait_for_heading(customer, "Booking cancelled")
    expect(customer.get_by_text("Lin Builder cancelled this booking")).to_be_visible()
    expect(customer.locator("#cancellation-message")).to_contain_text(REASON)
    expect(customer.get_by_text("Refunded", exact=True)).to_be_visible(timeout=15_000)
    expect(customer.get_by_text("£80.00").first).to_be_visible()
    screenshot(customer, "dashboard-customer-refunded-phone")

    builder.get_by_role("button", name="Sign out").click()
    builder.goto(f"{app_url}/dashboard/")
    builder.wait_for_url(re.compile(r"/login/\?next=/dashboard"))


def test_dashboard_needs_a_signed_in_builder_and_returns_after_sign_in(browser, app_url: str) -> None:
    page = customer_page(browser, "phone")
    page.goto(f"{app_url}/dashboard/session-types/")
    page.wait_for_url(re.compile(r"/login/\?next="))
    page.get_by_label("E-mail").fill("demo@makerhours.app")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    page.get_by_label("Password").fill("demo-builder-pass")
    page.get_by_role("button", name="Sign in").click()
    wait_for_heading(page, "Session types")
    expect(page.get_by_text("App build session")).to_be_visible()
    screenshot(page, "dashboard-session-types-phone")
    page.get_by_role("link", name="Availability").click()
    wait_for_heading(page, "Weekly hours")
    expect(page.get_by_label("Monday window start").first).to_have_value("09:00")
    screenshot(page, "dashboard-availability-phone")
