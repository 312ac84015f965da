"""Driving the booking wizard and the emulator's checkout page like a customer would."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import VIEWPORTS, screenshot

PAID = "App build session"
FREE = "Intro call"
CUSTOMER_ZONE = "America/New_York"
EMULATOR_KEY = "sk_test_local_emulator"


def weekday_ahead(weeks: int, weekday: int) -> date:
    """A date ``weeks`` whole weeks after next Monday, on ``weekday`` (0 = Monday): each test
    books its own day, so tests sharing the app's database never compete for a time."""
    today = date.today()
    return today + timedelta(days=7 - today.weekday() + 7 * weeks + weekday)


def customer_page(browser, viewport: str = "desktop", zone: str = CUSTOMER_ZONE, locale: str = "en-US") -> Page:
    context = browser.new_context(viewport=VIEWPORTS[viewport], timezone_id=zone, locale=locale)
    return context.new_page()


def day_label(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def cell_name(day: date) -> str:
    """The start of ``day``'s accessible name in the calendar grid ("Monday, 14 December 2026")."""
    return f"{day:%A}, {day.day} {day:%B %Y}"


def day_cell(page: Page, day: date):
    """``day``'s gridcell in the calendar (its month must be shown)."""
    return page.get_by_role("grid").get_by_role("gridcell", name=re.compile("^" + re.escape(cell_name(day)) + ","))


def open_wizard(page: Page, app_url: str, type_slug: str | None = None) -> None:
    page.goto(f"{app_url}/book/demo/" + (f"?type={type_slug}" if type_slug else ""))


def choose_session(page: Page, title: str) -> None:
    page.get_by_role("button", name=re.compile("^" + re.escape(title) + ",")).click()
    expect(page.get_by_role("heading", name="Pick a date and time")).to_be_visible()


def show_day(page: Page, day: date) -> None:
    """Turn the calendar to ``day``'s month and click the day."""
    page.locator('#time-picker[aria-busy="false"]').wait_for()  # the times shown are fresh
    title = page.locator("#calendar-month")
    for _ in range(3):
        shown = title.inner_text()
        if shown == f"{day:%B %Y}":
            break
        page.get_by_role("button", name="Next month").click()
        expect(title).not_to_have_text(shown)
    day_cell(page, day).click()


def pick_time(page: Page, day: date, index: int) -> str:
    """Click ``day``'s ``index``-th time in the calendar; returns the time's text."""
    show_day(page, day)
    slot = times_on(page, day).get_by_role("button").nth(index)
    text = slot.inner_text().splitlines()[0]
    slot.click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    return text


def times_on(page: Page, day: date):
    return page.get_by_role("group", name=f"Times on {day_label(day)}")


def fill_details(page: Page, name: str, email: str, notes: str = "") -> None:
    page.get_by_label("Name").fill(name)
    page.get_by_label("E-mail").fill(email)
    if notes:
        page.get_by_label("Notes (optional)").fill(notes)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Review and pay")).to_be_visible()


def pay(page: Page, label: str = "Pay £150.00") -> None:
    """Click the review step's button and land on the emulator's checkout page."""
    page.get_by_role("button", name=label).click()
    page.wait_for_url(re.compile(r"/api/stripe-emulator/pay/cs_test_"))


def book_to_checkout(page: Page, app_url: str, day: date, index: int, email: str, shots: str = "") -> str:
    """Session → time → details → review → Checkout; returns the chosen time's text."""
    open_wizard(page, app_url)
    expect(page.get_by_role("heading", name="Choose a session")).to_be_visible()
    if shots:
        screenshot(page, f"{shots}-1-session")
    choose_session(page, PAID)
    chosen = pick_time(page, day, index)
    if shots:
        screenshot(page, f"{shots}-3-details")
    fill_details(page, "Ada Lovelace", email, "A booking app with Stripe.")
    if shots:
        screenshot(page, f"{shots}-4-review")
    pay(page)
    if shots:
        screenshot(page, f"{shots}-5-checkout")
    return chosen


def checkout_outcome(page: Page, outcome: str) -> None:
    """Click a choice on the emulator's checkout page: "pay", "decline", "delayed_failure", "back"."""
    names = {
        "pay": re.compile(r"^Pay £"),
        "decline": re.compile("^Use a card that is declined"),
        "delayed_success": re.compile(r"^Pay by bank transfer \(succeeds"),
        "delayed_failure": re.compile(r"^Pay by bank transfer \(fails"),
        "back": re.compile("Back to the booking page"),
    }
    page.get_by_role("button", name=names[outcome]).click()


def wait_for_heading(page: Page, name: str, timeout: float = 15_000) -> None:
    expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=timeout)


def _emulator(app_url: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{app_url}/api/stripe-emulator{path}", data=json.dumps(body).encode() if body is not None else None,
        headers={"content-type": "application/json", "authorization": f"Bearer {EMULATOR_KEY}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def token_of_checkout(app_url: str, checkout_page_url: str) -> str:
    """The booking token behind an emulator checkout page (from the session's success_url)."""
    session_id = checkout_page_url.rstrip("/").rsplit("/", 1)[-1]
    success_url = _emulator(app_url, f"/v1/checkout/sessions/{session_id}")["success_url"]
    return re.search(r"/booking/([^/?]+)/", success_url).group(1)


def move_emulator_clock(app_url: str, seconds: float) -> None:
    """Advance (or, with a negative number, put back) the emulator's clock, then deliver
    the webhooks that fell due."""
    _emulator(app_url, "/_control/clock", {"seconds": seconds})
    _emulator(app_url, "/_control/deliver", {})


def sign_in_as_demo(page: Page, app_url: str, path: str = "/dashboard/") -> None:
    """Sign in as the demo builder through ``path``'s sign-in redirect, and land on it."""
    page.goto(f"{app_url}{path}")
    page.wait_for_url(re.compile(r"/login/\?next="))
    page.get_by_label("E-mail").fill("demo@makerhours.app")
    page.get_by_label("Password").fill("demo-builder-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))
