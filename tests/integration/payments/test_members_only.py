"""Session types that require sign-in (issue 16, part 3): ``POST /api/bookings`` answers 401
without a customer token and records the customer with it; how an API client gets a token
(``/api/customer/sign-in/code`` → ``/verify``) and ends it; guest types unchanged; the
session-type form's switch; the wizard asks to sign in before the details."""

from __future__ import annotations

from datetime import UTC, datetime

import reflex as rx
from sqlmodel import Session, select

from booking_app.accounts import customers
from booking_app.models import Booking, Customer, Job, SessionType
from booking_app.offers import service as offers
from booking_app.offers.service import SessionTypeDraft
from booking_app.pages.wizard_state import WizardState
from tests.integration.api.conftest import at
from tests.integration.dashboard.handlers import run_handler
from tests.integration.payments.conftest import Shop

GRACE = "grace@example.com"


def _members_only(shop: Shop, kind: SessionType) -> None:
    with Session(shop.engine) as session:
        row = session.get(SessionType, kind.id)
        row.requires_sign_in = True
        session.add(row)
        session.commit()


def _body(shop: Shop, kind: SessionType, hour: int = 10, email: str = "someone@example.com") -> dict:
    return dict(session_type_id=kind.id, start=at(shop.day, hour), name="Grace Hopper", email=email,
                timezone="Europe/Paris")


def _api_token(shop: Shop, email: str = GRACE) -> str:
    assert shop.client.post("/api/customer/sign-in/code", json={"email": email}).status_code == 202
    with Session(shop.engine) as session:
        code = session.exec(select(Job).where(Job.kind == "email")).all()[-1].payload["code"]
    answer = shop.client.post("/api/customer/sign-in/verify", json={"email": email, "code": code})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["email"] == email
    return body["token"]


def test_members_only_bookings_need_a_customer_token_and_record_the_customer(shop: Shop) -> None:
    _members_only(shop, shop.offer.free)
    kinds = shop.client.get("/api/builders/ada/session-types").json()["session_types"]
    assert {k["slug"]: k["requires_sign_in"] for k in kinds}["intro"] is True
    assert {k["slug"]: k["requires_sign_in"] for k in kinds}["build"] is False

    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic Z3JhY2U6eA=="},
                    {"Authorization": "Bearer "}):
        refused = shop.client.post("/api/bookings", json=_body(shop, shop.offer.free), headers=headers)
        assert refused.status_code == 401, refused.text
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert refused.json()["error"] == "unauthorized" and "/api/customer/sign-in/code" in refused.json()["message"]
    with Session(shop.engine) as session:
        assert session.exec(select(Booking)).all() == []  # nothing written

    token = _api_token(shop)
    booked = shop.client.post("/api/bookings", json=_body(shop, shop.offer.free, email="typed@example.com"),
                              headers={"Authorization": f"Bearer {token}"})
    assert booked.status_code == 201, booked.text
    assert booked.json()["status"] == "confirmed"
    with Session(shop.engine) as session:
        booking = session.exec(select(Booking)).one()
        customer = session.exec(select(Customer).where(Customer.email == GRACE)).one()
    assert (booking.customer_id, booking.customer_email) == (customer.id, GRACE)  # the account's verified address
    assert customer.name == "Grace Hopper"  # the first booking names the account; the wizard fills it next time
    # The booking's page and actions stay reachable with its private link, as today.
    assert shop.client.get(f"/api/bookings/{booked.json()['token']}").status_code == 200

    # Signed out: the token no longer books.
    assert shop.client.post("/api/customer/sign-out", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    again = shop.client.post("/api/bookings", json=_body(shop, shop.offer.free, 12),
                             headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401
    assert shop.client.post("/api/customer/sign-out", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_guest_session_types_are_booked_as_before_and_ignore_a_token(shop: Shop) -> None:
    guest = shop.client.post("/api/bookings", json=_body(shop, shop.offer.free, email=GRACE))
    assert guest.status_code == 201
    token = customers.sign_in_verified("alan@example.com", now=datetime.now(UTC))
    other = shop.client.post("/api/bookings", json=_body(shop, shop.offer.free, 12, email=GRACE),
                             headers={"Authorization": f"Bearer {token}"})
    assert other.status_code == 201
    with Session(shop.engine) as session:
        rows = session.exec(select(Booking).order_by(Booking.id)).all()
    assert [(b.customer_email, b.customer_id) for b in rows] == [(GRACE, None), (GRACE, None)]


def test_the_api_sign_in_refuses_wrong_codes_and_says_the_same_for_every_address(shop: Shop) -> None:
    first = shop.client.post("/api/customer/sign-in/code", json={"email": GRACE})
    second = shop.client.post("/api/customer/sign-in/code", json={"email": "nobody@example.com"})
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["message"].replace(GRACE, "") == second.json()["message"].replace("nobody@example.com", "")
    wrong = shop.client.post("/api/customer/sign-in/verify", json={"email": GRACE, "code": "000000"})
    with Session(shop.engine) as session:
        code = session.exec(select(Job).where(Job.kind == "email")).all()[0].payload["code"]
    if code != "000000":
        assert wrong.status_code == 401 and "not right" in wrong.json()["message"]
    assert shop.client.post("/api/customer/sign-in/code", json={"email": "bad"}).status_code == 422
    for _ in range(2):
        shop.client.post("/api/customer/sign-in/code", json={"email": GRACE})
    assert shop.client.post("/api/customer/sign-in/code", json={"email": GRACE}).status_code == 429


def test_the_session_type_form_saves_the_switch(shop: Shop) -> None:
    draft = SessionTypeDraft(title="Members hour", duration_minutes=60, price="0", currency="gbp",
                             requires_sign_in=True)
    created = offers.create_session_type(shop.offer.builder.user_id, draft)
    assert created.requires_sign_in and created.draft().requires_sign_in
    off = offers.update_session_type(shop.offer.builder.user_id, created.id,
                                     SessionTypeDraft(**{**created.draft().__dict__, "requires_sign_in": False}))
    assert not off.requires_sign_in
    assert not offers.create_session_type(shop.offer.builder.user_id, SessionTypeDraft(
        title="Open hour", duration_minutes=60, price="0", currency="gbp")).requires_sign_in  # off by default


def _wizard(customer_token: str = "") -> WizardState:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(WizardState.get_full_name().split(".")[1:])
    from booking_app.state.customer import CustomerState

    root.get_substate(CustomerState.get_full_name().split(".")[1:]).customer_token = customer_token
    return state


def _to_details(shop: Shop, state: WizardState) -> None:
    from booking_app.pages import wizard_data as data

    state.profile, state.session_types = data.load_offer("ada")
    intro = next(card for card in state.session_types if card.slug == "intro")
    assert intro.requires_sign_in
    state.type_id, state.timezone = intro.id, "Europe/London"
    state.slots_by_day = data.load_slots(intro.id, "Europe/London", datetime.now(UTC))
    day = min(state.slots_by_day)
    state.selected_day = day
    start = state.slots_by_day[day][0].start
    follow_up = run_handler(WizardState.pick_slot, state, start)
    assert state.step == "details"
    run_handler(WizardState.check_member, state)
    assert follow_up is not None


def test_the_wizard_asks_to_sign_in_before_the_details_and_fills_them_from_the_account(shop: Shop) -> None:
    _members_only(shop, shop.offer.free)
    anonymous = _wizard()
    _to_details(shop, anonymous)
    assert anonymous.needs_sign_in and anonymous.member_email == ""
    assert anonymous.member_sign_in_url == "/account/sign-in/?next=%2Fbook%2Fada%2F%3Ftype%3Dintro"
    anonymous.name, anonymous.email = "Eve", "eve@example.com"
    run_handler(WizardState.continue_to_review, anonymous)
    assert anonymous.step == "details"  # no way past the sign-in
    list(run_handler(WizardState.pay, anonymous) or [])  # forced: the service refuses it
    assert anonymous.step == "details" and anonymous.member_email == ""
    with Session(shop.engine) as session:
        assert session.exec(select(Booking)).all() == []

    token = customers.sign_in_verified(GRACE, now=datetime.now(UTC), name="Grace Hopper")
    member = _wizard(token)
    _to_details(shop, member)
    assert not member.needs_sign_in and (member.member_email, member.email, member.name) == (
        GRACE, GRACE, "Grace Hopper")
    run_handler(WizardState.set_email, member, "other@example.com")
    assert member.email == GRACE  # the account's address
    run_handler(WizardState.continue_to_review, member)
    assert member.step == "review"
    answer = run_handler(WizardState.pay, member)
    assert any("/booking/" in str(item) for item in answer)
    with Session(shop.engine) as session:
        booking = session.exec(select(Booking)).one()
        customer = session.exec(select(Customer)).one()
    assert (booking.customer_id, booking.customer_email) == (customer.id, GRACE)
