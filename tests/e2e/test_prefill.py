"""``?name=&email=`` on the booking page fills the details step (issue 14: small habits)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from playwright.sync_api import expect

from tests.e2e.wizard import FREE, choose_session, customer_page, pick_time, weekday_ahead


def test_name_and_email_from_the_link_fill_the_details(browser, app_url: str) -> None:
    page = customer_page(browser)
    page.goto(f"{app_url}/book/demo/?" + urlencode({"name": "Ada  Lovelace", "email": "ada@example.com"}))
    choose_session(page, FREE)
    pick_time(page, weekday_ahead(1, 2), 0)  # on to the details step
    expect(page.get_by_label("Name")).to_have_value("Ada Lovelace")
    expect(page.get_by_label("E-mail")).to_have_value("ada@example.com")
    page.get_by_label("Name").fill("Grace Hopper")  # what the customer types wins
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=re.compile("^Review"))).to_be_visible()  # the server has it
    page.reload()  # the link's values again: a reload keeps what was typed, at the times step
    pick_time(page, weekday_ahead(1, 2), 0)
    expect(page.get_by_label("Name")).to_have_value("Grace Hopper")
    page.context.close()
