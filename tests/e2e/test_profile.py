"""Issue 18, defect 9: builders find sign-in from the public pages, edit their profile, and
customers see it on the home page and the booking page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot
from tests.e2e.wizard import customer_page, wait_for_heading

pytestmark = pytest.mark.e2e
HEADLINE = "Stripe-savvy app builder · Reflex and FastAPI"
BIO = "Ten years of shipping paid products. I pair with you on the hard parts."


def test_sign_in_is_reachable_from_the_public_pages(browser, app_url: str) -> None:
    page = customer_page(browser, "phone")
    for path in ("/", "/book/demo/", "/bookings/find/"):
        page.goto(f"{app_url}{path}")
        expect(page.get_by_role("banner").get_by_role("link", name="Builder sign-in")).to_be_visible()
    page.get_by_role("banner").get_by_role("link", name="Builder sign-in").click()
    wait_for_heading(page, "Sign in")
    page.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_builder_edits_the_profile_customers_see(browser, app_url: str, viewport: str) -> None:
    page = customer_page(browser, viewport, zone="Europe/Berlin", locale="en-GB")
    page.goto(app_url)
    page.get_by_role("link", name="Builder sign-in").click()
    page.get_by_label("E-mail").fill("demo@makerhours.app")
    page.get_by_label("Password").fill("demo-builder-pass")
    page.get_by_role("button", name="Sign in").click()
    wait_for_heading(page, "Bookings")
    page.get_by_role("link", name="Profile").click()
    wait_for_heading(page, "Profile")
    headline, bio = page.get_by_label("Headline"), page.get_by_label("About you")
    expect(bio).to_have_value(re.compile("idea to a working, paid product"))  # the demo's bio
    old_headline, old_bio = headline.input_value(), bio.input_value()
    headline.fill(HEADLINE + " " + viewport)
    bio.fill(BIO)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved")).to_be_visible()
    screenshot(page, f"profile-{viewport}")
    try:
        customer = customer_page(browser, viewport)
        customer.goto(app_url)
        card = customer.get_by_role("article").filter(has_text="Mira Novak")
        expect(card).to_contain_text(HEADLINE + " " + viewport)
        expect(card).to_contain_text(BIO)
        screenshot(customer, f"profile-home-{viewport}")
        customer.goto(f"{app_url}/book/demo/")
        wait_for_heading(customer, "Choose a session")
        expect(customer.get_by_text(BIO)).to_be_visible()
        screenshot(customer, f"profile-booking-page-{viewport}")
        customer.context.close()
    finally:
        headline.fill(old_headline)
        bio.fill(old_bio)
        # The first save's toast may still be showing: wait until it is gone, so the one checked
        # below is this save's.
        expect(page.get_by_text("Profile saved")).to_have_count(0, timeout=15_000)
        page.get_by_role("button", name="Save profile").click()
        expect(page.get_by_text("Profile saved")).to_be_visible()
    page.context.close()
