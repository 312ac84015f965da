"""Issue 19, finding 11: the confirmation page (``pages/booking_snapshot.load_snapshot``, what
its on-load handler runs) asked Stripe about any ``?session_id=`` before checking that the
token exists and that the session is one of that booking's checkouts — anonymous page loads
could burn the Stripe rate limit, and one booking's page could settle another's payment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from booking_app.pages.booking_snapshot import load_snapshot
from booking_app.payments.gateway import StripeGateway, build_client, use_gateway
from tests.integration.payments.conftest import Shop
from tests.support.stripe_inprocess import InProcessHTTPClient


class CountingHTTPClient(InProcessHTTPClient):
    """The in-process transport, remembering the requests the app sent to Stripe."""

    def __init__(self, client: TestClient) -> None:
        super().__init__(client)
        self.requests: list[str] = []

    def request(self, method, url, headers, post_data=None, **kwargs):
        self.requests.append(f"{method.upper()} {url.split('/v1/', 1)[-1]}")
        return super().request(method, url, headers, post_data, **kwargs)


@pytest.fixture
def stripe_calls(shop: Shop) -> Iterator[list[str]]:
    transport = CountingHTTPClient(shop.client)
    use_gateway(StripeGateway(build_client(http_client=transport)))
    yield transport.requests


def _session_id(booking: dict) -> str:
    return booking["checkout_url"].rsplit("/", 1)[1]


def test_the_returning_customer_is_confirmed_from_the_page(shop: Shop, stripe_calls: list[str]) -> None:
    booking = shop.book()
    shop.choose(booking, "pay")  # paid; the webhook has not arrived
    stripe_calls.clear()
    snapshot = load_snapshot(booking["token"], _session_id(booking))
    assert snapshot["status"] == "confirmed"
    assert stripe_calls == [f"GET checkout/sessions/{_session_id(booking)}"]
    stripe_calls.clear()
    load_snapshot(booking["token"], _session_id(booking))  # a reload once settled: nothing to ask
    assert stripe_calls == []


@pytest.mark.parametrize("session_id", ["cs_test_made_up", "garbage", "x" * 5000])
def test_an_unknown_session_or_token_costs_no_call_to_stripe(shop: Shop, stripe_calls: list[str],
                                                             session_id: str) -> None:
    booking = shop.book()
    stripe_calls.clear()
    assert load_snapshot("no-such-token", session_id) is None
    assert load_snapshot("no-such-token", _session_id(booking)) is None
    assert load_snapshot(booking["token"], session_id)["status"] == "pending_payment"
    assert stripe_calls == []


def test_one_bookings_page_does_not_settle_another_bookings_checkout(shop: Shop, stripe_calls: list[str]) -> None:
    mine, theirs = shop.book(10), shop.book(12, email="other@example.com")
    shop.choose(theirs, "pay")  # paid; its webhook has not arrived
    stripe_calls.clear()
    assert load_snapshot(mine["token"], _session_id(theirs))["status"] == "pending_payment"
    assert stripe_calls == []
    assert shop.state(theirs["token"])["status"] == "pending_payment"  # left to its webhook or its own page


