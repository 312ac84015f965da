"""The builder dashboard's data and its State handlers: a builder sees and cancels only their
own bookings; another builder and an anonymous visitor are refused and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking_app.accounts import sessions
from booking_app.accounts.service import NewBuilder
from booking_app.dashboard import bookings as dashboard
from booking_app import messages
from booking_app.errors import Forbidden, NotFound
from booking_app.models import BookingStatus, PaymentStatus
from booking_app.pages.dashboard import DashboardState
from booking_app.bookings.cancel import cancel_as_builder
from tests.integration.dashboard.handlers import run_handler, state_for, token_for
from tests.integration.payments.conftest import Shop


def _paid_booking(shop: Shop, hour: int, email: str, name: str = "Grace Hopper") -> dict:
    booking = shop.book(hour, email=email)
    shop.choose(booking, "pay")
    shop.deliver()
    return booking


def _booking_id(shop: Shop, token: str) -> int:
    return shop.rows(token)[0].id


@pytest.fixture
def ada(shop: Shop) -> int:
    return shop.offer.builder.user_id


@pytest.fixture
def rival() -> int:
    token = sessions.sign_up(NewBuilder(email="rival@example.com", password="a long password", slug="rival",
                                        display_name="Rival", timezone="Europe/Paris"), now=datetime.now(UTC))
    return sessions.signed_in_builder(token, now=datetime.now(UTC)).user_id


def test_tabs_search_and_pages(shop: Shop, ada: int) -> None:
    first = _paid_booking(shop, 10, "grace@example.com")
    _paid_booking(shop, 14, "linus@example.com")
    now = datetime.now(UTC)
    upcoming = dashboard.list_bookings(actor_user_id=ada, tab="upcoming", now=now)
    assert upcoming.total == 2
    row = upcoming.rows[0]
    assert (row.email, row.status, row.payment_status, row.amount) == ("grace@example.com", "confirmed", "paid",
                                                                       "£150.00")
    assert row.reference.startswith("pi_") and "(Europe/London)" in row.when  # the builder's zone
    assert [r.email for r in dashboard.list_bookings(actor_user_id=ada, tab="upcoming", search="LINUS",
                                                     now=now).rows] == ["linus@example.com"]
    assert dashboard.list_bookings(actor_user_id=ada, tab="upcoming", search="nobody", now=now).total == 0
    second_page = dashboard.list_bookings(actor_user_id=ada, tab="upcoming", page=2, page_size=1, now=now)
    assert (second_page.page, second_page.pages, [r.email for r in second_page.rows]) == (2, 2, ["linus@example.com"])
    later = datetime.fromisoformat(first["end"]) + timedelta(days=1)
    assert dashboard.list_bookings(actor_user_id=ada, tab="past", now=later).total == 2
    assert dashboard.list_bookings(actor_user_id=ada, tab="upcoming", now=later).total == 0


def test_cancel_and_refund_shows_in_the_detail_the_tabs_and_the_revenue(shop: Shop, ada: int) -> None:
    booking = _paid_booking(shop, 10, "grace@example.com")
    booking_id = _booking_id(shop, booking["token"])
    now = datetime.now(UTC)
    detail = dashboard.booking_detail(actor_user_id=ada, booking_id=booking_id, now=now)
    assert (detail.can_cancel, detail.refund_on_cancel, detail.paid) == (True, "£150.00", "£150.00")
    assert dashboard.revenue_summary(actor_user_id=ada, now=now).last_30_days == "£150.00"

    assert cancel_as_builder(actor_user_id=ada, booking_id=booking_id, now=now).refund_amount == 15000
    assert dashboard.booking_detail(actor_user_id=ada, booking_id=booking_id, now=now).refund_pending == "£150.00"
    shop.run_jobs()
    shop.deliver()
    detail = dashboard.booking_detail(actor_user_id=ada, booking_id=booking_id, now=now)
    assert (detail.row.status, detail.row.payment_status, detail.refunded, detail.can_cancel) == (
        "cancelled", "refunded", "£150.00", False)
    assert dashboard.list_bookings(actor_user_id=ada, tab="cancelled", now=now).total == 1
    assert dashboard.list_bookings(actor_user_id=ada, tab="upcoming", now=now).total == 0
    revenue = dashboard.revenue_summary(actor_user_id=ada, now=now)
    assert (revenue.last_30_days, revenue.refunds_30_days, revenue.this_month) == ("£150.00", "£150.00", "£150.00")
    assert sum(day.net for day in revenue.daily) == 0 and len(revenue.daily) == 30


@pytest.mark.parametrize("who", ["rival", "anonymous"])
def test_other_builders_and_anonymous_visitors_are_refused_by_the_services(shop: Shop, request, who: str) -> None:
    booking = _paid_booking(shop, 10, "grace@example.com")
    booking_id = _booking_id(shop, booking["token"])
    actor = request.getfixturevalue("rival") if who == "rival" else None
    now = datetime.now(UTC)
    if actor is not None:  # a builder sees only their own (empty) lists
        assert dashboard.list_bookings(actor_user_id=actor, tab="upcoming", now=now).total == 0
    else:
        with pytest.raises(Forbidden):
            dashboard.list_bookings(actor_user_id=actor, tab="upcoming", now=now)
        with pytest.raises(Forbidden):
            dashboard.revenue_summary(actor_user_id=actor, now=now)
    # Another builder's booking is "not found" (issue 19, finding 14); nobody signed in is refused.
    refusal = NotFound if actor is not None else Forbidden
    with pytest.raises(refusal):
        dashboard.booking_detail(actor_user_id=actor, booking_id=booking_id, now=now)
    with pytest.raises(refusal):
        cancel_as_builder(actor_user_id=actor, booking_id=booking_id, now=now)
    stored, payments, refunds = shop.rows(booking["token"])
    assert stored.status == BookingStatus.CONFIRMED and payments[-1].status == PaymentStatus.PAID and not refunds


# -- through the State handlers ---------------------------------------------------------------


@pytest.mark.parametrize("next_token", ["rival", "expired", "none"])
def test_a_tab_forgets_the_builders_data_when_someone_else_or_nobody_is_behind_the_token(
        shop: Shop, ada: int, request, next_token: str) -> None:
    """Issue 19, finding 1 (the change of user without a sign-out in this tab: a session that
    ended, or another builder's token stored by another tab): the first handler that runs
    empties the builder pages' states before anything else."""
    _paid_booking(shop, 10, "grace@example.com")
    state = state_for(DashboardState, token_for(ada))
    run_handler(DashboardState.load, state)
    run_handler(DashboardState.open_detail, state, state.rows[0].id)
    assert state.rows and state.detail_open and state.revenue.last_30_days == "£150.00"
    state.session_token = {"rival": lambda: token_for(request.getfixturevalue("rival")),
                           "expired": lambda: "a-token-that-ended", "none": lambda: ""}[next_token]()
    run_handler(DashboardState.set_detail_open, state, True)  # no service call: the detail is not reloaded
    run_handler(DashboardState.go_to_page, state, 1)
    assert state.rows == [] if next_token != "rival" else all(row.email != "grace@example.com" for row in state.rows)
    assert state.detail.row.id == 0 and not state.detail_open and state.revenue.last_30_days != "£150.00"
    assert state.builder_name in ("", "Rival")


def test_state_handlers_show_and_cancel_for_the_owner(shop: Shop, ada: int) -> None:
    booking = _paid_booking(shop, 10, "grace@example.com")
    state = state_for(DashboardState, token_for(ada))
    run_handler(DashboardState.load, state)
    assert state.signed_in and [row.email for row in state.rows] == ["grace@example.com"]
    booking_id = state.rows[0].id
    run_handler(DashboardState.open_detail, state, booking_id)
    assert state.detail_open and state.detail.refund_on_cancel == "£150.00"
    run_handler(DashboardState.set_cancel_reason, state, "Ill, sorry")
    run_handler(DashboardState.cancel_and_refund, state)
    assert state.cancel_outcome.startswith("Cancelled. The full refund of £150.00 is on its way to the customer")
    stored = shop.rows(booking["token"])[0]
    assert (stored.status, stored.cancellation_reason) == (BookingStatus.CANCELLED, "Ill, sorry")
    titles = [item.title for item in state.detail.timeline]
    assert titles[-2:] == ["Cancelled by you", "Refund of £150.00 requested"]
    shop.run_jobs()
    run_handler(DashboardState.open_detail, state, booking_id)
    titles = [item.title for item in state.detail.timeline]
    assert "Refund of £150.00 completed" in titles and state.detail.refunded == "£150.00"
    sent = [item.detail for item in state.detail.timeline if item.title == "E-mail sent"]
    assert any(detail.startswith("“Cancelled:") and "to the customer" in detail for detail in sent)


@pytest.mark.parametrize("who", ["rival", "anonymous"])
def test_state_handlers_refuse_other_builders_and_anonymous_visitors(shop: Shop, request, who: str) -> None:
    booking = _paid_booking(shop, 10, "grace@example.com")
    booking_id = _booking_id(shop, booking["token"])
    state = state_for(DashboardState, token_for(request.getfixturevalue("rival")) if who == "rival" else "")

    loaded = run_handler(DashboardState.load, state)
    run_handler(DashboardState.open_detail, state, booking_id)
    assert not state.detail_open and state.detail.row.id == 0 and state.rows == []
    # Even with a booking id slipped into the state, the cancel is refused.
    state.detail = dashboard.BookingDetail(dashboard.BookingRow(booking_id, *[""] * 8), *[""] * 9, True, "", [])
    outcome = run_handler(DashboardState.cancel_and_refund, state)
    if who == "anonymous":
        assert "/login/" in str(loaded) and "/login/" in str(outcome)  # sent to sign in
    else:
        assert state.cancel_outcome == messages.BUILDER_BOOKING_NOT_FOUND  # as for an unknown id (finding 14)
    stored, payments, refunds = shop.rows(booking["token"])
    assert stored.status == BookingStatus.CONFIRMED and payments[-1].status == PaymentStatus.PAID and not refunds


def test_a_hold_whose_delayed_payment_failed_is_not_listed_as_upcoming(shop: Shop, ada: int) -> None:
    """Issue 18: the hold lasts (the customer may try again), but it is no booking to prepare for."""
    booking = shop.book(11, email="failed@example.com")
    shop.choose(booking, "delayed_failure")
    shop.deliver()
    now = datetime.now(UTC)
    assert dashboard.list_bookings(actor_user_id=ada, tab="upcoming", now=now).total == 1  # processing: listed
    shop.control("clock", seconds=200)
    shop.deliver()
    assert shop.state(booking["token"])["payment_status"] == "failed"
    assert dashboard.list_bookings(actor_user_id=ada, tab="upcoming", now=now).total == 0
    # Trying again with a card opens a new attempt: listed again while it is open.
    from booking_app.bookings.reserve import start_checkout
    start_checkout(booking["token"], now=now)
    assert dashboard.list_bookings(actor_user_id=ada, tab="upcoming", now=now).total == 1


def test_the_details_and_their_timeline_follow_the_builders_clock(shop: Shop, ada: int) -> None:
    """Issue 18, defect 3: the timeline kept 24-hour times on a 12-hour browser (failed before)."""
    import re

    booking_id = _booking_id(shop, _paid_booking(shop, 14, "grace@example.com")["token"])
    now = datetime.now(UTC)
    twelve = dashboard.booking_detail(actor_user_id=ada, booking_id=booking_id, now=now, hour12=True)
    assert "2:00 pm–3:00 pm (Europe/London)" in twelve.row.when
    assert twelve.timeline and all(re.search(r", \d{1,2}:\d\d:\d\d (am|pm)$", item.when) for item in twelve.timeline)
    twenty_four = dashboard.booking_detail(actor_user_id=ada, booking_id=booking_id, now=now)
    assert "14:00–15:00 (Europe/London)" in twenty_four.row.when
    assert all(re.search(r", \d\d:\d\d:\d\d$", item.when) for item in twenty_four.timeline)
