"""Customer accounts in Chromium (issue 16): a customer signs in with a code from the mail,
books a members-only session, finds it in /account and signs out; a builder signs in through
the OpenID Connect provider (the real oidc-provider the e2e server is configured with).
Screenshots of every new page at 1280 and 375 px."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import VIEWPORTS, screenshot
from tests.e2e.test_mailbox import open_mail
from tests.e2e.wizard import customer_page, show_day, times_on, wait_for_heading

pytestmark = pytest.mark.e2e
MEMBERS = "Members' clinic"


def _code_from_mailbox(browser, app_url: str, email: str) -> str:
    mailbox = customer_page(browser)
    open_mail(mailbox, app_url, "Your Makerhours sign-in code", email)
    heading = mailbox.get_by_role("heading", level=2, name=re.compile("^Your Makerhours sign-in code")).inner_text()
    mailbox.context.close()
    return re.search(r"(\d{6})", heading).group(1)


def _members_day(nth: int) -> date:
    """The ``nth`` weekday from 55 days ahead: inside the members' clinic's 60-day horizon, and
    after the days other tests book (whose builder-side lists show 10 bookings a page)."""
    day = date.today() + timedelta(days=55)
    found = []
    while len(found) <= nth:
        if day.weekday() < 5:
            found.append(day)
        day += timedelta(days=1)
    return found[nth]


def _pick_members_time(page: Page, app_url: str, day) -> None:
    page.goto(f"{app_url}/book/demo/?type=members-clinic")
    expect(page.get_by_role("heading", name="Pick a date and time")).to_be_visible()
    show_day(page, day)
    times_on(page, day).get_by_role("button").first.click()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_customer_signs_in_with_a_code_books_a_members_session_sees_it_and_signs_out(browser, app_url: str,
                                                                                       viewport: str) -> None:
    email = f"member-{viewport}@example.com"
    day = _members_day(1 if viewport == "phone" else 0)
    page = customer_page(browser, viewport)
    page.set_viewport_size(VIEWPORTS[viewport])

    # Not signed in: the details step asks to sign in first.
    _pick_members_time(page, app_url, day)
    wait_for_heading(page, "Sign in to book this session")
    expect(page.get_by_label("E-mail")).to_have_count(0)
    screenshot(page, f"accounts-{viewport}-1-wizard-sign-in")
    page.get_by_role("button", name="Sign in with e-mail").click()
    page.wait_for_url(re.compile(r"/account/sign-in/\?next="))
    wait_for_heading(page, "Sign in to see your bookings")
    screenshot(page, f"accounts-{viewport}-2-sign-in")

    # A code by mail; a wrong one first.
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="E-mail me a sign-in code").click()
    expect(page.locator("#customer-code-sent")).to_contain_text(email)
    code = _code_from_mailbox(browser, app_url, email)
    page.get_by_label("6-digit code").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    screenshot(page, f"accounts-{viewport}-3-code")
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/book/demo/\?type=members-clinic"))

    # Back in the wizard (the same tab keeps the time picked), signed in: the details carry
    # the account's address.
    wait_for_heading(page, "Your details")
    expect(page.get_by_label("E-mail")).to_have_value(email)
    expect(page.locator("#wizard-member")).to_contain_text(email)
    page.get_by_label("Name").fill("Member Person")
    screenshot(page, f"accounts-{viewport}-4-details")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Review and pay")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    wait_for_heading(page, "You're booked")

    # My bookings.
    page.get_by_role("link", name="My bookings").click()
    page.wait_for_url(re.compile(r"/account/$"))
    wait_for_heading(page, "My bookings")
    upcoming = page.locator("#account-upcoming")
    expect(upcoming.get_by_role("heading", name=MEMBERS)).to_be_visible()
    expect(upcoming).to_contain_text("Confirmed")
    expect(upcoming.get_by_role("link", name=f"Open the booking: {MEMBERS}")).to_be_visible()
    screenshot(page, f"accounts-{viewport}-5-my-bookings")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling

    # Sign out: ended on the server; /account asks to sign in again.
    token = page.evaluate("localStorage.getItem('makerhours_customer')")
    assert token
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/account/sign-in/"))
    page.goto(f"{app_url}/account/")
    page.wait_for_url(re.compile(r"/account/sign-in/\?next="))
    gone = page.request.post(f"{app_url}/api/customer/sign-out", headers={"Authorization": f"Bearer {token}"})
    assert gone.status == 401  # the old token is dead on the server


def test_a_builder_signs_in_through_the_openid_provider(browser, app_url: str) -> None:
    page = customer_page(browser)
    page.goto(f"{app_url}/login/")
    wait_for_heading(page, "Sign in")
    screenshot(page, "accounts-oidc-1-login")
    page.get_by_role("button", name="Continue with Test ID").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))
    page.locator("input[name=login]").fill("demo-builder")
    page.locator("input[name=password]").fill("anything")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]").filter(has_text="Continue").click()  # the consent page
    page.wait_for_url(re.compile(r"/dashboard/$"), timeout=20_000)
    expect(page.get_by_text("Mira Novak").first).to_be_visible()
    screenshot(page, "accounts-oidc-2-dashboard")
    assert page.evaluate("localStorage.getItem('makerhours_session')")
    assert not page.evaluate("localStorage.getItem('makerhours_customer')")


def test_the_customer_sign_in_offers_the_provider_and_the_link_page_needs_a_click(browser, app_url: str) -> None:
    for viewport in ("desktop", "phone"):
        page = customer_page(browser, viewport)
        page.goto(f"{app_url}/account/sign-in/")
        expect(page.get_by_role("button", name="Continue with Test ID")).to_be_visible()
        page.goto(f"{app_url}/account/sign-in/link/?token={'x' * 43}")
        wait_for_heading(page, "Sign in to Makerhours")
        screenshot(page, f"accounts-{viewport}-link-page")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("alert")).to_contain_text("expired or was already used")
        # The end of a sign-in through the provider, when the provider did not vouch for the address.
        page.goto(f"{app_url}/auth/oidc/finish/?error=unverified")
        expect(page.get_by_role("alert")).to_contain_text("did not confirm your e-mail address")
        screenshot(page, f"accounts-{viewport}-oidc-finish-error")
        page.goto(f"{app_url}/auth/oidc/finish/?ticket={'y' * 43}")
        expect(page.get_by_role("alert")).to_contain_text("did not work")
        page.context.close()
