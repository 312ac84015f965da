"""What the reschedule UI reads (issue 14, part 1): the confirmation page's "Reschedule"
(or why not) from the booking's start and the session type's cut-off, the wizard's
reschedule mode's target, and the dashboard's move control."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from booking_app import messages
from booking_app.bookings import view as booking_view
from booking_app.dashboard import bookings as dashboard
from booking_app.errors import Conflict, InvalidInput
from booking_app.pages import booking_snapshot, wizard_data
from tests.integration.api.conftest import at
from tests.integration.payments.conftest import Shop
from tests.integration.payments.test_refunds_and_late_payment import booking_id, paid_booking


def test_the_confirmation_page_offers_a_move_until_the_cutoff(shop: Shop) -> None:
    booking = paid_booking(shop, 10)
    token, start = booking["token"], datetime.fromisoformat(booking["start"])
    early = booking_snapshot._snapshot(booking_view.by_token(token, now=start - timedelta(hours=25)))
    assert (early["can_reschedule"], early["reschedule_refusal"]) == (True, "")
    assert early["reschedule_url"].endswith(f"&reschedule={token}")
    late = booking_snapshot._snapshot(booking_view.by_token(token, now=start - timedelta(hours=23)))
    assert (late["can_reschedule"], late["reschedule_url"]) == (False, "")
    assert "24 hours before the start" in late["reschedule_refusal"]
    assert late["can_cancel"]  # the refusal points at cancelling, which still works


def test_a_hold_offers_no_move_and_no_refusal(shop: Shop) -> None:
    hold = shop.book(10)
    view = booking_view.by_token(hold["token"], now=datetime.fromisoformat(hold["start"]) - timedelta(days=2))
    assert (view.customer_can_reschedule, view.customer_reschedule_refusal) == (False, "")


def test_the_wizard_moves_only_a_confirmed_booking_of_this_builder(shop: Shop) -> None:
    booking = paid_booking(shop, 10)
    slug = shop.offer.builder.slug
    target = wizard_data.load_reschedule_target(booking["token"], slug)
    assert target is not None and target.session_type_id == shop.offer.paid.id
    assert wizard_data.load_reschedule_target(booking["token"], "someone-else") is None
    assert wizard_data.load_reschedule_target("no-such-token", slug) is None
    assert wizard_data.load_reschedule_target(shop.book(12, email="hold@example.com")["token"], slug) is None
    with pytest.raises(InvalidInput):
        wizard_data.move_booking(booking["token"], target.start, datetime.fromisoformat(booking["start"])
                                 - timedelta(days=2))  # its own time
    wizard_data.move_booking(booking["token"], at(shop.day, 14), datetime.fromisoformat(booking["start"])
                             - timedelta(days=2))
    assert shop.rows(booking["token"])[0].start_at.hour != datetime.fromisoformat(booking["start"]).hour


def test_the_dashboard_detail_carries_what_the_move_control_needs(shop: Shop) -> None:
    booking = paid_booking(shop, 10)
    start, ada = datetime.fromisoformat(booking["start"]), shop.offer.builder.user_id
    number = booking_id(shop, booking["token"])
    detail = dashboard.booking_detail(actor_user_id=ada, booking_id=number, now=start - timedelta(hours=1))
    assert (detail.can_reschedule, detail.session_type_id) == (True, shop.offer.paid.id)
    assert detail.local_date == shop.day.isoformat()
    with pytest.raises(InvalidInput) as unpicked:
        dashboard.move_booking(ada, number, "", "", start - timedelta(hours=1))
    assert unpicked.value.message == messages.PICK_NEW_TIME
    after = dashboard.booking_detail(actor_user_id=ada, booking_id=number, now=start + timedelta(minutes=1))
    assert not after.can_reschedule
    with pytest.raises(Conflict):
        dashboard.move_booking(ada, number, at(shop.day, 14), "", start + timedelta(minutes=1))
