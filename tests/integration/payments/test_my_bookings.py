""""My bookings" (issue 16, part 2): a signed-in customer sees the bookings made with their
verified address — guest bookings included — upcoming and past, across builders; another
customer and an anonymous visitor see none of them. The page's state is driven as Reflex would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking_app.accounts import customers
from booking_app.bookings import mine
from booking_app.errors import NotFound
from booking_app.pages.account import AccountState, CustomerSignInState
import reflex as rx

from tests.integration.dashboard.handlers import run_handler
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_refunds_and_late_payment import paid_booking

GRACE, ALAN = "grace@example.com", "alan@example.com"


def state_for(state_class: type[rx.State], token: str):
    """A fresh customer page state (under a new root state) holding the customer ``token``."""
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(state_class.get_full_name().split(".")[1:])
    state.customer_token = token
    return state


def _account_state(token: str) -> AccountState:
    return state_for(AccountState, token)


def test_a_customer_sees_their_guest_bookings_upcoming_and_past(shop: Shop) -> None:
    now = datetime.now(UTC)
    upcoming = paid_booking(shop, 9, email="Grace@Example.com")
    free = shop.book(12, kind=shop.offer.free)
    past = paid_booking(shop, 14)
    shop.move_into_the_past(past["token"])
    hold = shop.book(15)  # unpaid, still held
    expired = shop.book(13)
    shop.expire_hold_in_db(expired["token"])
    cancelled = shop.book(12, kind=shop.offer.free, day=shop.day + timedelta(days=1))
    shop.client.post(f"/api/bookings/{cancelled['token']}/cancel", json={})
    alans = shop.book(10, email=ALAN, day=shop.day + timedelta(days=1))

    token = customers.sign_in_verified(GRACE, now=now)
    found = mine.my_bookings(token, now=now)
    assert [v.token for v in found.upcoming] == [upcoming["token"], free["token"], hold["token"]]
    past_tokens = [v.token for v in found.past]
    assert past_tokens == [cancelled["token"], past["token"]]  # latest first
    assert past["token"] in past_tokens and expired["token"] not in past_tokens
    assert alans["token"] not in past_tokens + [v.token for v in found.upcoming]
    rows = {row.token: row.__dict__ for row in mine.rows(found.upcoming + found.past)}
    assert rows[upcoming["token"]]["payment"] == "Paid £150.00" and rows[upcoming["token"]]["can_cancel"]
    assert rows[upcoming["token"]]["url"] == f"/booking/{upcoming['token']}/"
    assert rows[free["token"]]["payment"] == "Free"
    assert rows[hold["token"]]["pay"] and rows[hold["token"]]["status_label"] == "Awaiting payment"
    assert not rows[past["token"]]["can_cancel"] and not rows[past["token"]]["can_reschedule"]

    # The page, as Reflex runs it.
    state = _account_state(token)
    run_handler(AccountState.load, state)
    assert state.loaded and [r.token for r in state.upcoming] == [v.token for v in found.upcoming]
    assert state.customer_email == GRACE


def test_another_customer_and_an_anonymous_visitor_see_none_of_them(shop: Shop) -> None:
    now = datetime.now(UTC)
    paid_booking(shop, 10)
    alan = customers.sign_in_verified(ALAN, now=now)
    assert mine.my_bookings(alan, now=now) == mine.MyBookings(ALAN, [], [])
    for token in ("", "not-a-session", "x" * 1000):
        with pytest.raises(NotFound):
            mine.my_bookings(token, now=now)
    grace = customers.sign_in_verified(GRACE, now=now)
    customers.sign_out_customer(grace)
    with pytest.raises(NotFound):
        mine.my_bookings(grace, now=now)
    state = _account_state("")
    answer = run_handler(AccountState.load, state)
    assert "/account/sign-in/?next=/account/" in str(answer) and state.upcoming == [] and not state.loaded


def test_the_sign_in_page_mails_a_code_and_signs_in_with_it(shop: Shop) -> None:
    from sqlmodel import Session, select

    from booking_app.models import Job

    state = state_for(CustomerSignInState, "")
    state.email = GRACE
    run_handler(CustomerSignInState.request, state, {})
    assert state.sent_to == GRACE and state.error == ""
    with Session(shop.engine) as session:
        code = session.exec(select(Job).where(Job.kind == "email")).all()[-1].payload["code"]
    state.code = "000000" if code != "000000" else "111111"
    run_handler(CustomerSignInState.verify, state, {})
    assert "not right" in state.error and state.customer_token == ""
    state.code = f" {code} "
    answer = run_handler(CustomerSignInState.verify, state, {})
    assert state.customer_token and "/account/" in str(answer)
    assert customers.signed_in_customer(state.customer_token, now=datetime.now(UTC)).email == GRACE
    # Sign-out ends it on the server and forgets the tab's data.
    account = state_for(AccountState, state.customer_token)
    run_handler(AccountState.load, account)
    run_handler(AccountState.sign_out_customer, account)
    assert account.customer_token == "" and not account.loaded and account.upcoming == []
    assert customers.signed_in_customer(state.customer_token, now=datetime.now(UTC) + timedelta(seconds=1)) is None
