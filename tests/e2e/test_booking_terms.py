"""A session type's terms in Chromium: the builder changes a refund tier and a question in the
session-type dialog; the customer of that session meets the questions (inline errors, then
answers), sees the new terms on review, pays, and finds the address and the answers on the
confirmation page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.wizard import (
    checkout_outcome,
    choose_session,
    customer_page,
    open_wizard,
    pick_time,
    sign_in_as_demo,
    wait_for_heading,
    weekday_ahead,
)

pytestmark = pytest.mark.e2e
DEEP_DIVE = "Architecture deep dive"


def _builder_changes_the_deep_dive(browser, app_url: str) -> None:
    page = customer_page(browser, "desktop")
    sign_in_as_demo(page, app_url, "/dashboard/session-types/")
    wait_for_heading(page, "Session types")
    page.get_by_role("button", name=f"Edit {DEEP_DIVE}").click()
    dialog = page.get_by_role("dialog")
    expect(page.get_by_label("Percent refunded, tier 2")).to_have_value("50")
    page.get_by_label("Percent refunded, tier 2").fill("25")
    page.get_by_label("Question 1", exact=True).fill("What should we look at first?")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved. The booking page shows it now.")).to_be_visible()
    page.get_by_role("button", name=f"Edit {DEEP_DIVE}").click()  # read back from the database
    expect(page.get_by_label("Percent refunded, tier 2")).to_have_value("25")
    expect(page.get_by_label("Question 1", exact=True)).to_have_value("What should we look at first?")
    screenshot(page, "terms-editor-desktop")
    page.close()


def test_questions_terms_and_location_from_the_builders_dialog_to_the_confirmation(browser, app_url: str) -> None:
    _builder_changes_the_deep_dive(browser, app_url)
    page = customer_page(browser, "phone")
    open_wizard(page, app_url)
    choose_session(page, DEEP_DIVE)
    pick_time(page, weekday_ahead(3, 2), 0)
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("E-mail").fill("ada-terms@example.com")
    page.get_by_role("button", name="Continue").click()
    # Required questions unanswered: each says so, and the step stays.
    expect(page.locator("#answer-focus-error")).to_have_text("Please answer this question.")
    expect(page.locator("#answer-stage-error")).to_have_text("Please answer this question.")
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    screenshot(page, "terms-details-errors-phone")
    page.get_by_label("What should we look at first?").fill("The payments model.")
    expect(page.locator("#answer-focus-error")).to_have_count(0)  # cleared as the customer answers
    page.get_by_label("Where is your app today?").select_option("A prototype")
    box = page.get_by_role("checkbox", name="I can share the code before the session")
    box.focus()
    page.keyboard.press("Space")  # the keyboard ticks it
    expect(box).to_have_attribute("aria-checked", "true")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Review and pay")).to_be_visible()
    expect(page.locator("#review-cancellation-policy")).to_have_text(
        "Cancellation: Full refund until 24 hours before the start, 25 % until 12 hours before, none after.")
    expect(page.get_by_text("The payments model.")).to_be_visible()
    page.get_by_role("button", name="Pay £210.00").click()
    page.wait_for_url(re.compile(r"/api/stripe-emulator/pay/cs_test_"))
    checkout_outcome(page, "pay")
    wait_for_heading(page, "You're booked", 30_000)
    expect(page.get_by_text("In person: Makerhours Studio, Torstraße 1, 10119 Berlin")).to_be_visible()
    expect(page.get_by_text("The payments model.")).to_be_visible()
    expect(page.get_by_text("A prototype")).to_be_visible()
    expect(page.locator("#refund-until")).to_contain_text("£210.00 back until")
    screenshot(page, "terms-confirmed-phone")


def test_a_cancellation_in_a_lower_tier_refunds_the_part_the_dialog_quoted(browser, app_url: str) -> None:
    # The builder's tiers put a booking three weeks ahead in a 40 % tier: full refund only
    # from 720 hours (30 days) before.
    page = customer_page(browser, "desktop")
    sign_in_as_demo(page, app_url, "/dashboard/session-types/")
    page.get_by_role("button", name=f"Edit {DEEP_DIVE}").click()
    page.get_by_label("Hours before the start, tier 1").fill("720")
    page.get_by_label("Hours before the start, tier 2").fill("1")
    page.get_by_label("Percent refunded, tier 2").fill("40")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved. The booking page shows it now.")).to_be_visible()
    page.close()

    page = customer_page(browser, "desktop")
    open_wizard(page, app_url)
    choose_session(page, DEEP_DIVE)
    pick_time(page, weekday_ahead(3, 3), 0)
    page.get_by_label("Name").fill("Grace Hopper")
    page.get_by_label("E-mail").fill("grace-tiers@example.com")
    page.get_by_label(re.compile("^What should we look at")).fill("Refunds.")
    page.get_by_label("Where is your app today?").select_option("An idea")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#review-cancellation-policy")).to_contain_text("Full refund until 720 hours before the start, "
                                                                         "40 % until 1 hour before, none after.")
    page.get_by_role("button", name="Pay £210.00").click()
    page.wait_for_url(re.compile(r"/api/stripe-emulator/pay/cs_test_"))
    checkout_outcome(page, "pay")
    wait_for_heading(page, "You're booked", 30_000)
    expect(page.locator("#refund-until")).to_contain_text("£84.00 back until")
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("You will be refunded £84.00 (40 % under the "
                                                            "cancellation policy).")
    screenshot(page, "terms-cancel-quote-desktop")
    page.get_by_role("button", name="Yes, cancel").click()
    wait_for_heading(page, "Booking cancelled")
    # The refund is sent by the app's job runner and confirmed by Stripe's webhook; the page
    # follows by itself until it is done.
    expect(page.locator("#refund-pending")).to_have_count(0, timeout=30_000)
    expect(page.get_by_role("status").filter(has_text="Your refund")).to_have_text("Your refund of £84.00 is complete.")
