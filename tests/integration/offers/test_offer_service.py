"""The offer-management service on SQLite and PostgreSQL: what it writes, what it refuses,
and that a refusal writes nothing."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from booking_app import messages
from booking_app.bookings import holds, queries, transitions
from booking_app.bookings.holds import HoldRequest
from booking_app.errors import Forbidden, InvalidInput, NotFound
from booking_app.models import Booking, BookingStatus, Builder, SessionType
from booking_app.offers import service as offers
from booking_app.offers.service import SessionTypeDraft
from booking_app.offers.validation import WEEKDAYS
from booking_app.scheduling import service as scheduling
from tests.integration.offers.conftest import NOW, Studio

MONDAY = date(2026, 12, 14)  # a Monday a week after NOW
TABLES = ("user_account", "builder", "session_type", "weekly_window", "date_override", "date_override_window",
          "booking")


def snapshot(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of the tables the service could touch, in a comparable form."""
    with engine.connect() as connection:
        return {
            table: sorted(tuple(row) for row in connection.execute(sa.text(f"SELECT * FROM {table}")))
            for table in TABLES
        }


def draft(**fields) -> SessionTypeDraft:
    values = dict(title="Code review", duration_minutes=60, price="150", currency="GBP")
    values.update(fields)
    return SessionTypeDraft(**values)


def session_type_row(engine: sa.Engine, session_type_id: int) -> SessionType:
    with Session(engine) as session:
        return session.get(SessionType, session_type_id)


def slots_on(engine: sa.Engine, session_type_id: int, day: date, timezone: str = "Europe/London") -> list[str]:
    with Session(engine) as session:
        listing = scheduling.available_slots(session, session_type_id=session_type_id, first_day=day, last_day=day,
                                             timezone=timezone, now=NOW)
    return [slot.start.astimezone(ZoneInfo(timezone)).strftime("%H:%M") for slot in listing.slots]


def book(engine: sa.Engine, session_type_id: int, start: datetime, *, email: str = "grace@example.com") -> Booking:
    """A confirmed booking made the way customers make them (hold, then paid)."""
    booking = holds.create_hold(
        HoldRequest(session_type_id=session_type_id, start=start, name="Grace Hopper", email=email,
                    timezone="Europe/Paris"),
        now=NOW, engine=engine,
    )
    if booking.status == BookingStatus.PENDING_PAYMENT:
        with Session(engine) as session:
            assert transitions.confirm_paid(session.connection(), booking.id, amount=booking.amount,
                                            currency=booking.currency, now=NOW)
            session.commit()
    return booking


def booking_rows(engine: sa.Engine) -> list[tuple]:
    return snapshot(engine)["booking"]


# --- session types: happy paths -------------------------------------------------------------------


def test_lists_every_session_type_of_the_builder_in_display_order(studio: Studio) -> None:
    kinds = offers.list_session_types(studio.ada)
    assert [k.slug for k in kinds] == ["intro", "retired", "build", "deep", "workshop"]
    assert [k.is_active for k in kinds] == [True, False, True, True, True]
    assert all(k.slug != "consult" for k in kinds)  # Bob's
    build = kinds[2]
    assert (build.price_amount, build.price, build.price_label, build.currency) == (15000, "150.00", "£150.00", "gbp")
    assert kinds[0].is_free and kinds[0].price_label == "Free"


def test_creates_a_session_type_last_in_order_with_a_slug_from_its_title(studio: Studio) -> None:
    created = offers.create_session_type(studio.ada, draft(
        title="  Code   review ", description=" Bring a repo. ", interval_minutes=30, buffer_before_minutes=5,
        buffer_after_minutes=10, minimum_notice_minutes=120, horizon_days=30, seats=2,
        refund_tiers=[{"hours_before": "12", "percent": "50"}, {"hours_before": 48, "percent": 100}],
        cancel_cutoff_hours=6, location_kind="video", location_detail=" https://meet.example.com/ada ",
        questions=[{"label": " Your  repo? ", "kind": "short_text", "required": "true"},
                   {"label": "Stack", "kind": "choice", "required": False, "choices": "Python\nGo\n\nPython"}],
    ))
    assert created.slug == "code-review" and created.title == "Code review"
    assert created.display_order == 4  # after workshop (3)
    row = session_type_row(studio.engine, created.id)
    assert row.builder_id == studio.offer.builder.id
    assert (row.price_amount, row.currency, row.description) == (15000, "gbp", "Bring a repo.")
    assert (row.interval_minutes, row.buffer_before_minutes, row.buffer_after_minutes) == (30, 5, 10)
    assert (row.minimum_notice_minutes, row.horizon_days, row.seats) == (120, 30, 2)
    # Tiers are kept most notice first; the location and questions as cleaned.
    assert row.refund_tiers == [{"hours_before": 48, "percent": 100}, {"hours_before": 12, "percent": 50}]
    assert (row.cancel_cutoff_hours, row.location_kind, row.location_detail) == (6, "video", "https://meet.example.com/ada")
    assert [(q["label"], q["kind"], q["required"], q["choices"]) for q in row.questions] == [
        ("Your repo?", "short_text", True, []), ("Stack", "choice", False, ["Python", "Go"])]
    assert len({q["id"] for q in row.questions}) == 2
    assert created.refund_policy == "Full refund until 48 hours before the start, 50 % until 12 hours before, none after."
    assert row.reschedule_cutoff_hours == 24  # the default
    assert row.is_active
    assert offers.list_session_types(studio.ada)[-1] == created
    with Session(studio.engine) as session:
        _, public = scheduling.list_session_types(session, "ada")
    assert created.id in [k.id for k in public]


def test_numbers_derived_slugs_and_refuses_a_typed_slug_already_in_use(studio: Studio) -> None:
    assert offers.create_session_type(studio.ada, draft(title="Intro")).slug == "intro-2"
    assert offers.create_session_type(studio.ada, draft(title="Intro!")).slug == "intro-3"
    assert offers.create_session_type(studio.ada, draft(title="Café ☕")).slug == "cafe"
    assert offers.create_session_type(studio.ada, draft(title="☕")).slug == "session"  # nothing to derive from
    assert offers.create_session_type(studio.ada, draft(title="☕")).slug == "session-2"
    # Another builder's slugs do not matter.
    assert offers.create_session_type(studio.ada, draft(slug="Consult")).slug == "consult"
    before = snapshot(studio.engine)
    with pytest.raises(InvalidInput) as error:
        offers.create_session_type(studio.ada, draft(slug="build"))
    assert error.value.field == "slug" and "already uses the link name “build”" in error.value.message
    assert snapshot(studio.engine) == before


def test_free_and_zero_decimal_prices(studio: Studio) -> None:
    free = offers.create_session_type(studio.ada, draft(price="0"))
    assert (free.price_amount, free.price_label, free.is_free) == (0, "Free", True)
    yen = offers.create_session_type(studio.ada, draft(title="Yen", price="1500", currency="JPY"))
    assert (yen.price_amount, yen.currency, yen.price, yen.price_label) == (1500, "jpy", "1500", "¥1,500")
    assert session_type_row(studio.engine, yen.id).price_amount == 1500
    assert offers.create_session_type(studio.ada, draft(title="Yen 2", price="1500.0", currency="jpy")).price_amount \
        == 1500
    with pytest.raises(InvalidInput, match="JPY has no minor unit"):
        offers.create_session_type(studio.ada, draft(price="1500.5", currency="jpy"))
    pounds = offers.create_session_type(studio.ada, draft(title="Pounds", price="150.5"))
    assert (pounds.price_amount, pounds.price) == (15050, "150.50")


@pytest.mark.parametrize(
    ("currency", "too_little", "least", "least_minor"),
    [("gbp", "0.29", "0.30", 30), ("usd", "0.49", "0.50", 50), ("eur", "0.49", "0.5", 50),
     ("jpy", "49", "50", 50), ("hkd", "3.99", "4", 400), ("huf", "174.99", "175", 17500)],
)
def test_prices_below_stripes_minimum_charge_are_refused(
    studio: Studio, currency: str, too_little: str, least: str, least_minor: int
) -> None:
    before = snapshot(studio.engine)
    with pytest.raises(InvalidInput) as error:
        offers.create_session_type(studio.ada, draft(price=too_little, currency=currency))
    assert error.value.field == "price"
    assert "Stripe cannot take a payment under" in error.value.message and currency.upper() in error.value.message
    assert snapshot(studio.engine) == before
    assert offers.create_session_type(studio.ada, draft(price=least, currency=currency)).price_amount == least_minor


def test_prices_above_stripes_maximum_charge_are_refused(studio: Studio) -> None:
    assert offers.create_session_type(studio.ada, draft(price="999999.99")).price_amount == 99_999_999
    assert offers.create_session_type(studio.ada, draft(title="Y", price="99999999", currency="jpy")).price_amount \
        == 99_999_999
    for price, currency in (("1000000", "gbp"), ("100000000", "jpy")):
        with pytest.raises(InvalidInput, match="Stripe cannot take more than") as error:
            offers.create_session_type(studio.ada, draft(price=price, currency=currency))
        assert error.value.field == "price"


# --- session types: every validation rule, nothing written ------------------------------------------

INVALID_DRAFTS = [
    (dict(title="   "), "title", "Give the session a title"),
    (dict(title="x" * 201), "title", "200 characters"),
    (dict(slug="-bad-"), "slug", "lower-case letters"),
    (dict(description="x" * 5001), "description", "5,000 characters"),
    (dict(duration_minutes=0), "duration_minutes", "at least 1 minute"),
    (dict(duration_minutes=-30), "duration_minutes", "at least 1 minute"),
    (dict(duration_minutes=721), "duration_minutes", "at most 12 hours"),
    (dict(duration_minutes="an hour"), "duration_minutes", "whole number"),
    (dict(interval_minutes=0), "interval_minutes", "at least 1 minute"),
    (dict(interval_minutes=-15), "interval_minutes", "at least 1 minute"),
    (dict(buffer_before_minutes=-1), "buffer_before_minutes", "cannot be negative"),
    (dict(buffer_after_minutes=-5), "buffer_after_minutes", "cannot be negative"),
    (dict(buffer_after_minutes=721), "buffer_after_minutes", "at most 12 hours"),
    (dict(minimum_notice_minutes=-1), "minimum_notice_minutes", "cannot be negative"),
    (dict(minimum_notice_minutes=2 * 24 * 60, horizon_days=2), "minimum_notice_minutes", "shorter than the booking"),
    (dict(horizon_days=0), "horizon_days", "1 to 365 days"),
    (dict(horizon_days=366), "horizon_days", "1 to 365 days"),
    (dict(seats=0), "seats", "between 1"),
    (dict(seats=101), "seats", "and 100"),
    (dict(cancel_cutoff_hours=-1), "cancel_cutoff_hours", "between 0 (until the start) and 720 hours"),
    (dict(cancel_cutoff_hours=721), "cancel_cutoff_hours", "between 0 (until the start) and 720 hours"),
    (dict(refund_tiers=[{"hours_before": 721, "percent": 100}]), "refund_tiers", "tier 1: enter the hours"),
    (dict(refund_tiers=[{"hours_before": 24, "percent": 0}]), "refund_tiers", "from 1 to 100"),
    (dict(refund_tiers=[{"hours_before": 24, "percent": 101}]), "refund_tiers", "from 1 to 100"),
    (dict(refund_tiers=[{"hours_before": "x", "percent": 50}]), "refund_tiers", "tier 1: enter the hours"),
    (dict(refund_tiers=[{"hours_before": 24, "percent": 50}, {"hours_before": 24, "percent": 40}]), "refund_tiers",
     "Two refund tiers start 24 hours before"),
    (dict(refund_tiers=[{"hours_before": 48, "percent": 50}, {"hours_before": 24, "percent": 100}]), "refund_tiers",
     "earlier can never refund less"),
    (dict(refund_tiers=[{"hours_before": n, "percent": 100} for n in range(6)]), "refund_tiers", "at most 5"),
    (dict(location_kind="carrier-pigeon"), "location_kind", "Choose where"),
    (dict(location_kind="video", location_detail="meet.example.com/x"), "location_detail", "https://"),
    (dict(location_kind="video", location_detail="javascript:alert(1)"), "location_detail", "https://"),
    (dict(location_kind="in_person", location_detail="  "), "location_detail", "Enter the address"),
    (dict(location_kind="in_person", location_detail="x" * 501), "location_detail", "500 characters"),
    (dict(questions=[{"label": "", "kind": "short_text"}]), "questions", "Question 1: write the question"),
    (dict(questions=[{"label": "Q", "kind": "essay"}]), "questions", "Question 1: choose short text"),
    (dict(questions=[{"label": "Q", "kind": "choice", "choices": "only one"}]), "questions", "2 to 20"),
    (dict(questions=[{"label": f"Q{n}", "kind": "checkbox"} for n in range(11)]), "questions", "at most 10"),
    (dict(reschedule_cutoff_hours=-1), "reschedule_cutoff_hours", "between 0 and 720 hours"),
    (dict(reschedule_cutoff_hours="soon"), "reschedule_cutoff_hours", "whole number"),
    (dict(currency="xyz"), "currency", "Payments in XYZ are not supported. Choose one of: AED, AUD"),
    (dict(currency="pounds"), "currency", "not supported"),
    (dict(currency=""), "currency", "not supported"),
    (dict(price=""), "price", "or 0 for a free session"),
    (dict(price="-10"), "price", "cannot be negative"),
    (dict(price="£150"), "price", "plain number"),
    (dict(price="1,500"), "price", "thousands separators"),
    (dict(price="1e3"), "price", "plain number"),
    (dict(price="150.001"), "price", "at most 2 decimal places"),
    (dict(price="0.10"), "price", "under £0.30 in GBP"),
    (dict(price="1000000"), "price", "more than £999,999.99"),
]


@pytest.mark.parametrize(("fields", "field", "words"), INVALID_DRAFTS, ids=[f"{f}-{i}" for i, (_, f, _w) in
                                                                            enumerate(INVALID_DRAFTS)])
def test_invalid_drafts_are_refused_on_create_and_update_and_write_nothing(
    studio: Studio, fields: dict, field: str, words: str
) -> None:
    before = snapshot(studio.engine)
    with pytest.raises(InvalidInput) as error:
        offers.create_session_type(studio.ada, draft(**fields))
    assert error.value.field == field and words in error.value.message
    with pytest.raises(InvalidInput) as error:
        offers.update_session_type(studio.ada, studio.offer.paid.id, draft(**fields))
    assert error.value.field == field
    assert snapshot(studio.engine) == before


# --- session types: updates, activation, order ----------------------------------------------------


def test_updates_every_field_and_keeps_the_slug_unless_one_is_typed(studio: Studio) -> None:
    paid = studio.offer.paid
    updated = offers.update_session_type(studio.ada, paid.id, draft(
        title="Pairing", duration_minutes=45, price="99.5", currency="eur", interval_minutes=15,
        buffer_before_minutes=5, buffer_after_minutes=0, minimum_notice_minutes=60, horizon_days=14, seats=4,
        refund_tiers=[], is_active=False, description="New",
    ))
    assert updated.slug == "build"  # links customers were given keep working
    row = session_type_row(studio.engine, paid.id)
    assert (row.title, row.duration_minutes, row.price_amount, row.currency) == ("Pairing", 45, 9950, "eur")
    assert (row.interval_minutes, row.buffer_before_minutes, row.buffer_after_minutes) == (15, 5, 0)
    assert (row.minimum_notice_minutes, row.horizon_days, row.seats, row.refund_tiers) == (60, 14, 4, [])
    assert (row.is_active, row.description, row.display_order) == (False, "New", paid.display_order)
    assert row.updated_at > paid.updated_at
    assert offers.update_session_type(studio.ada, paid.id, updated.draft()) == updated  # the form round-trips
    assert offers.update_session_type(studio.ada, paid.id, draft(slug="build")).slug == "build"  # its own slug
    assert offers.update_session_type(studio.ada, paid.id, draft(slug="pairing")).slug == "pairing"
    with pytest.raises(InvalidInput, match="“intro”"):
        offers.update_session_type(studio.ada, paid.id, draft(slug="intro"))


def test_changing_a_session_type_never_changes_existing_bookings(studio: Studio) -> None:
    monday_10 = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
    booking = book(studio.engine, studio.offer.paid.id, monday_10)
    free = book(studio.engine, studio.offer.free.id, monday_10 + timedelta(hours=3))
    before = booking_rows(studio.engine)
    offers.update_session_type(studio.ada, studio.offer.paid.id, draft(
        title="Dearer", price="300", currency="usd", duration_minutes=90, buffer_after_minutes=30,
        refund_tiers=[], cancel_cutoff_hours=2, location_kind="in_person", location_detail="1 Main St",
        questions=[{"label": "Why?", "kind": "short_text"}],
    ))
    offers.update_session_type(studio.ada, studio.offer.free.id, draft(title="Not free", price="20"))
    offers.deactivate_session_type(studio.ada, studio.offer.free.id)
    assert booking_rows(studio.engine) == before
    with Session(studio.engine) as session:
        kept = session.get(Booking, booking.id)
        assert (kept.amount, kept.currency, kept.refund_tiers) == (15000, "gbp", [{"hours_before": 24, "percent": 100}])
        assert (kept.cancel_cutoff_hours, kept.location_kind, kept.location_detail) == (0, "builder_sends", "")
        assert (kept.start_at, kept.end_at, kept.status) == (monday_10, monday_10 + timedelta(hours=1),
                                                             BookingStatus.CONFIRMED)
        assert session.get(Booking, free.id).amount == 0
    # New bookings take the new terms.
    later = book(studio.engine, studio.offer.paid.id, datetime(2026, 12, 15, 9, 0, tzinfo=UTC), email="x@example.com")
    assert (later.amount, later.currency, later.refund_tiers, later.cancel_cutoff_hours) == (30000, "usd", [], 2)
    assert (later.location_kind, later.location_detail) == ("in_person", "1 Main St")


def test_deactivated_session_types_leave_the_booking_pages_but_keep_their_bookings(studio: Studio) -> None:
    booking = book(studio.engine, studio.offer.paid.id, datetime(2026, 12, 14, 10, 0, tzinfo=UTC))
    before = booking_rows(studio.engine)
    view = offers.deactivate_session_type(studio.ada, studio.offer.paid.id)
    assert not view.is_active
    assert offers.deactivate_session_type(studio.ada, studio.offer.paid.id) == view  # repeat: no change
    with Session(studio.engine) as session:
        _, public = scheduling.list_session_types(session, "ada")
        assert studio.offer.paid.id not in [k.id for k in public]
        with pytest.raises(NotFound):
            scheduling.get_session_type(session, studio.offer.paid.id)
        assert queries.by_token(session, booking.public_token).booking.id == booking.id
    assert booking_rows(studio.engine) == before
    assert studio.offer.paid.id in [k.id for k in offers.list_session_types(studio.ada)]
    assert offers.activate_session_type(studio.ada, studio.offer.paid.id).is_active
    with Session(studio.engine) as session:
        assert scheduling.get_session_type(session, studio.offer.paid.id)[0].is_active


def test_reorders_session_types(studio: Studio) -> None:
    ids = [k.id for k in offers.list_session_types(studio.ada)]
    reordered = offers.reorder_session_types(studio.ada, list(reversed(ids)))
    assert [k.id for k in reordered] == list(reversed(ids))
    assert [k.id for k in offers.list_session_types(studio.ada)] == list(reversed(ids))
    before = snapshot(studio.engine)
    for bad in (ids[:-1], ids + ids[:1], ids[:-1] + ids[:1]):
        with pytest.raises(InvalidInput) as error:
            offers.reorder_session_types(studio.ada, bad)
        assert error.value.field == "order"
    with pytest.raises(NotFound):
        offers.reorder_session_types(studio.ada, ids + [studio.bob_type])
    with pytest.raises(NotFound):
        offers.reorder_session_types(studio.ada, ids + [999_999])
    assert snapshot(studio.engine) == before


# --- who may do what ------------------------------------------------------------------------------


def _every_operation(studio: Studio):
    """Each operation as a call taking the acting user id, aimed at Ada's things."""
    paid = studio.offer.paid.id
    return {
        "list_session_types": lambda actor: offers.list_session_types(actor),
        "get_session_type": lambda actor: offers.get_session_type(actor, paid),
        "create_session_type": lambda actor: offers.create_session_type(actor, draft()),
        "update_session_type": lambda actor: offers.update_session_type(actor, paid, draft()),
        "deactivate_session_type": lambda actor: offers.deactivate_session_type(actor, paid),
        "activate_session_type": lambda actor: offers.activate_session_type(actor, studio.offer.paid.id),
        "reorder_session_types": lambda actor: offers.reorder_session_types(actor, [paid]),
        "get_availability": lambda actor: offers.get_availability(actor, now=NOW),
        "set_weekly_hours": lambda actor: offers.set_weekly_hours(actor, 0, [("10:00", "11:00")]),
        "set_week": lambda actor: offers.set_week(actor, {0: [("10:00", "11:00")], 6: []}),
        "set_date_override": lambda actor: offers.set_date_override(actor, MONDAY, [], "Off", now=NOW),
        "remove_date_override": lambda actor: offers.remove_date_override(actor, date(2026, 12, 24), now=NOW),
        "set_timezone": lambda actor: offers.set_timezone(actor, "Asia/Tokyo"),
        "get_profile": lambda actor: offers.get_profile(actor),
        "update_profile": lambda actor: offers.update_profile(actor, "Mallory", "", ""),
    }


@pytest.mark.parametrize("who", ["anonymous", "not a builder", "unknown user"])
def test_every_operation_refuses_anyone_but_a_builder_and_changes_nothing(studio: Studio, who: str) -> None:
    actor = {"anonymous": None, "not a builder": studio.nobody, "unknown user": 999_999}[who]
    before = snapshot(studio.engine)
    for name, call in _every_operation(studio).items():
        with pytest.raises(Forbidden, match="sign in as a builder"):
            call(actor)
    assert snapshot(studio.engine) == before


def test_another_builders_session_types_are_not_found_like_unknown_ones(studio: Studio) -> None:
    before = snapshot(studio.engine)
    ada_type = studio.offer.paid.id
    calls = {
        "get": lambda kind: offers.get_session_type(studio.bob, kind),
        "update": lambda kind: offers.update_session_type(studio.bob, kind, draft()),
        "deactivate": lambda kind: offers.deactivate_session_type(studio.bob, kind),
        "activate": lambda kind: offers.activate_session_type(studio.bob, kind),
        "reorder": lambda kind: offers.reorder_session_types(studio.bob, [studio.bob_type, kind]),
    }
    for name, call in calls.items():
        # Issue 19, finding 14: another builder's id gets the answer an unknown id gets.
        with pytest.raises(NotFound) as foreign:
            call(ada_type)
        with pytest.raises(NotFound) as unknown:
            call(999_999)
        assert foreign.value.message == unknown.value.message == messages.OFFER_NOT_FOUND
    assert snapshot(studio.engine) == before
    with pytest.raises(NotFound):  # the retired (inactive) one too
        offers.activate_session_type(studio.bob, offers.list_session_types(studio.ada)[1].id)
    assert snapshot(studio.engine) == before


def test_a_builder_can_change_only_their_own_hours_overrides_zone_and_profile(studio: Studio) -> None:
    ada_before = _rows_of(studio.engine, studio.offer.builder.id)
    bob_override_day = date(2026, 12, 24)
    with pytest.raises(NotFound, match="no special hours on 2026-12-24"):
        offers.remove_date_override(studio.ada, bob_override_day, now=NOW)  # Bob's day; Ada has none
    assert _rows_of(studio.engine, studio.offer.builder.id) == ada_before
    bob = offers.get_availability(studio.bob, now=NOW)
    assert [o.id for o in bob.overrides] == [studio.bob_override]
    for name, call in _every_operation(studio).items():
        if name in {"get_session_type", "update_session_type", "deactivate_session_type", "activate_session_type",
                    "reorder_session_types", "remove_date_override"}:
            continue  # id-based: refused above
        call(studio.bob)
    assert _rows_of(studio.engine, studio.offer.builder.id) == ada_before  # Ada's offer untouched
    bob = offers.get_availability(studio.bob, now=NOW)
    assert bob.timezone == "Asia/Tokyo"
    assert [(w.start, w.end) for w in bob.weekly[0].windows] == [("10:00", "11:00")]
    assert offers.get_profile(studio.bob).display_name == "Mallory"
    offers.remove_date_override(studio.bob, bob_override_day, now=NOW)
    assert _rows_of(studio.engine, studio.offer.builder.id) == ada_before


def _rows_of(engine: sa.Engine, builder_id: int) -> dict[str, list[tuple]]:
    """The rows that belong to one builder."""
    with engine.connect() as connection:
        def rows(sql: str) -> list[tuple]:
            return sorted(tuple(r) for r in connection.execute(sa.text(sql), {"b": builder_id}))
        return {
            "builder": rows("SELECT * FROM builder WHERE id = :b"),
            "session_type": rows("SELECT * FROM session_type WHERE builder_id = :b"),
            "weekly_window": rows("SELECT * FROM weekly_window WHERE builder_id = :b"),
            "date_override": rows("SELECT * FROM date_override WHERE builder_id = :b"),
            "date_override_window": rows(
                "SELECT w.* FROM date_override_window w JOIN date_override o ON o.id = w.override_id "
                "WHERE o.builder_id = :b"
            ),
            "booking": rows("SELECT * FROM booking WHERE builder_id = :b"),
        }


# --- availability ---------------------------------------------------------------------------------


def test_reads_the_zone_weekly_hours_by_weekday_and_overrides(studio: Studio) -> None:
    offers.set_date_override(studio.ada, date(2026, 12, 25), [], "Christmas", now=NOW)
    offers.set_date_override(studio.ada, date(2026, 12, 12), [("10:00", "12:00"), ("14:00", "24:00")], now=NOW)
    availability = offers.get_availability(studio.ada, now=NOW)
    assert availability.timezone == "Europe/London" and availability.today == date(2026, 12, 7)
    assert [d.name for d in availability.weekly] == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                                     "Saturday", "Sunday"]
    assert [[(w.start, w.end) for w in d.windows] for d in availability.weekly] == [[("09:00", "17:00")]] * 5 + [[]] * 2
    saturday, christmas = availability.overrides
    assert (saturday.day, saturday.is_day_off) == (date(2026, 12, 12), False)
    assert [(w.start_minute, w.end_minute, w.start, w.end) for w in saturday.windows] == [
        (600, 720, "10:00", "12:00"), (840, 1440, "14:00", "24:00")]
    assert (christmas.day, christmas.note, christmas.windows, christmas.is_day_off) == (
        date(2026, 12, 25), "Christmas", (), True)
    # Past overrides are history: not listed.
    assert offers.get_availability(studio.ada, now=datetime(2026, 12, 20, tzinfo=UTC)).overrides == (christmas,)


def test_replaces_one_weekdays_hours(studio: Studio) -> None:
    day = offers.set_weekly_hours(studio.ada, 0, [("13:00", "24:00"), (540, 720)])
    assert (day.weekday, day.name) == (0, "Monday")
    assert [(w.start, w.end) for w in day.windows] == [("09:00", "12:00"), ("13:00", "24:00")]
    availability = offers.get_availability(studio.ada, now=NOW)
    assert availability.weekly[0] == day
    assert [(w.start, w.end) for w in availability.weekly[1].windows] == [("09:00", "17:00")]  # Tuesday untouched
    offers.set_weekly_hours(studio.ada, 6, [("9:30", "10:30")])
    offers.set_weekly_hours(studio.ada, 1, [])
    availability = offers.get_availability(studio.ada, now=NOW)
    assert availability.weekly[1].windows == ()
    assert [(w.start, w.end) for w in availability.weekly[6].windows] == [("09:30", "10:30")]


def _weekly_rows(engine: sa.Engine, builder_id: int) -> list[tuple[int, int, int]]:
    with engine.connect() as connection:
        return sorted(tuple(row) for row in connection.execute(
            sa.text("SELECT weekday, start_minute, end_minute FROM weekly_window WHERE builder_id = :b"),
            {"b": builder_id}))


def test_saves_a_whole_week_in_one_transaction(studio: Studio, monkeypatch: pytest.MonkeyPatch) -> None:
    transactions = []
    write_session = offers.write_session
    monkeypatch.setattr(offers, "write_session", lambda: transactions.append(1) or write_session())
    bob_before = _rows_of(studio.engine, _builder_id(studio.engine, studio.bob))
    week = {6: [("10:00", "12:00")], 0: [("13:00", "24:00"), (540, 720)], 1: [], 2: [("08:00", "09:00")],
            3: [], 4: [("9:30", "10:30"), ("11:00", "11:15")], 5: []}
    days = offers.set_week(studio.ada, week)
    assert len(transactions) == 1
    assert [(d.weekday, d.name) for d in days] == list(enumerate(WEEKDAYS))
    assert [[(w.start, w.end) for w in d.windows] for d in days] == [
        [("09:00", "12:00"), ("13:00", "24:00")], [], [("08:00", "09:00")], [],
        [("09:30", "10:30"), ("11:00", "11:15")], [], [("10:00", "12:00")]]
    assert offers.get_availability(studio.ada, now=NOW).weekly == tuple(days)
    assert _weekly_rows(studio.engine, studio.offer.builder.id) == [
        (0, 540, 720), (0, 780, 1440), (2, 480, 540), (4, 570, 630), (4, 660, 675), (6, 600, 720)]
    assert _rows_of(studio.engine, _builder_id(studio.engine, studio.bob)) == bob_before
    # Weekdays left out keep their hours.
    assert [d.weekday for d in offers.set_week(studio.ada, {3: [("07:00", "08:00")]})] == [3]
    assert _weekly_rows(studio.engine, studio.offer.builder.id) == [
        (0, 540, 720), (0, 780, 1440), (2, 480, 540), (3, 420, 480), (4, 570, 630), (4, 660, 675), (6, 600, 720)]


def _builder_id(engine: sa.Engine, user_id: int) -> int:
    with Session(engine) as session:
        return session.exec(select(Builder.id).where(Builder.user_id == user_id)).one()


@pytest.mark.parametrize(("weekday", "windows", "field", "words"), [
    (0, [("17:00", "09:00")], "monday", "Ends before it starts: 17:00–09:00"),
    (2, [("09:00", "12:00"), ("11:00", "13:00")], "wednesday", "09:00–12:00 overlaps 11:00–13:00"),
    (6, [("9am", "5pm")], "sunday", "HH:MM"),
    (6, "09:00-17:00", "sunday", "a start and an end"),
    (7, [("09:00", "10:00")], "weekday", "0 = Monday"),
    ("0", [("09:00", "10:00")], "weekday", "0 = Monday"),
], ids=["monday-backwards", "wednesday-overlap", "sunday-am-pm", "sunday-not-pairs", "weekday-7", "weekday-text"])
def test_a_week_with_one_bad_day_changes_nothing(studio: Studio, weekday, windows, field: str, words: str) -> None:
    """Six good days and one bad one: the bad day is named and not one day is written."""
    week = {day: [("06:00", "07:00"), ("20:00", "24:00")] for day in range(7) if day != weekday}
    week[weekday] = windows
    before = snapshot(studio.engine)
    with pytest.raises(InvalidInput) as error:
        offers.set_week(studio.ada, week)
    assert error.value.field == field and words in error.value.message
    assert snapshot(studio.engine) == before
    assert [[(w.start, w.end) for w in d.windows] for d in offers.get_availability(studio.ada, now=NOW).weekly] == \
           [[("09:00", "17:00")]] * 5 + [[]] * 2


@pytest.mark.parametrize("who", ["anonymous", "not a builder", "another builder"])
def test_only_the_builder_sets_their_week(studio: Studio, who: str) -> None:
    ada_before = _rows_of(studio.engine, studio.offer.builder.id)
    before = snapshot(studio.engine)
    week = {day: [("00:00", "24:00")] for day in range(7)}
    if who == "another builder":
        days = offers.set_week(studio.bob, week)  # Bob's own week: the only one he can reach
        assert _rows_of(studio.engine, studio.offer.builder.id) == ada_before
        assert _weekly_rows(studio.engine, _builder_id(studio.engine, studio.bob)) == [(d, 0, 1440) for d in range(7)]
        assert [d.weekday for d in days] == list(range(7))
        return
    with pytest.raises(Forbidden, match="sign in as a builder"):
        offers.set_week(None if who == "anonymous" else studio.nobody, week)
    assert snapshot(studio.engine) == before


INVALID_WINDOWS = [
    ([("17:00", "09:00")], "Ends before it starts: 17:00–09:00"),
    ([("09:00", "09:00")], "09:00–09:00 is empty"),
    ([("09:00", "12:00"), ("11:00", "13:00")], "09:00–12:00 overlaps 11:00–13:00"),
    ([("13:00", "17:00"), ("08:00", "18:00")], "08:00–18:00 overlaps 13:00–17:00"),
    ([("24:00", "24:00")], "start time 24:00 is outside the day"),
    ([("09:00", "24:30")], "outside the day"),
    ([("9am", "5pm")], "HH:MM"),
    ([("09:75", "10:00")], "not a time of day"),
    ([(-10, 60)], "outside the day"),
    ([("09:00",)], "a start and an end"),
]


@pytest.mark.parametrize(("windows", "words"), INVALID_WINDOWS)
def test_invalid_windows_are_refused_and_write_nothing(studio: Studio, windows: list, words: str) -> None:
    before = snapshot(studio.engine)
    for call in (
        lambda: offers.set_weekly_hours(studio.ada, 0, windows),
        lambda: offers.set_date_override(studio.ada, MONDAY, windows, now=NOW),
    ):
        with pytest.raises(InvalidInput) as error:
            call()
        assert error.value.field == "windows" and words in error.value.message
    assert snapshot(studio.engine) == before


@pytest.mark.parametrize("weekday", [-1, 7, "0", None])
def test_weekday_must_be_0_to_6(studio: Studio, weekday) -> None:
    before = snapshot(studio.engine)
    with pytest.raises(InvalidInput) as error:
        offers.set_weekly_hours(studio.ada, weekday, [("09:00", "10:00")])
    assert error.value.field == "weekday"
    assert snapshot(studio.engine) == before


def test_date_overrides_are_set_replaced_and_removed(studio: Studio) -> None:
    first = offers.set_date_override(studio.ada, MONDAY, [("18:00", "20:00")], "Evening only", now=NOW)
    assert (first.day, first.note, [(w.start, w.end) for w in first.windows]) == (MONDAY, "Evening only",
                                                                                  [("18:00", "20:00")])
    again = offers.set_date_override(studio.ada, MONDAY.isoformat(), [], " Off ", now=NOW)
    assert (again.id, again.note, again.is_day_off) == (first.id, "Off", True)  # replaced in place
    rows = _rows_of(studio.engine, studio.offer.builder.id)
    assert len(rows["date_override"]) == 1 and rows["date_override_window"] == []
    offers.remove_date_override(studio.ada, MONDAY, now=NOW)
    rows = _rows_of(studio.engine, studio.offer.builder.id)
    assert rows["date_override"] == [] and rows["date_override_window"] == []
    with pytest.raises(NotFound):
        offers.remove_date_override(studio.ada, MONDAY, now=NOW)
    today = offers.set_date_override(studio.ada, NOW.date(), [], now=NOW)  # today is allowed
    assert today.day == date(2026, 12, 7)


def test_date_overrides_refuse_past_days_in_the_builders_zone(studio: Studio) -> None:
    offers.set_date_override(studio.ada, date(2026, 12, 9), [], now=NOW)
    late_evening = datetime(2026, 12, 8, 20, 0, tzinfo=UTC)  # Tuesday 20:00 in London, Wed 09:00 in Auckland
    offers.set_date_override(studio.ada, date(2026, 12, 8), [], now=late_evening)  # still today in London
    offers.set_timezone(studio.ada, "Pacific/Auckland")
    before = snapshot(studio.engine)
    cases = [
        (lambda: offers.set_date_override(studio.ada, date(2026, 12, 8), [], now=late_evening), "already passed"),
        (lambda: offers.remove_date_override(studio.ada, date(2026, 12, 8), now=late_evening), "today is 2026-12-09"),
        (lambda: offers.set_date_override(studio.ada, date(2027, 12, 11), [], now=late_evening), "within the next year"),
        (lambda: offers.set_date_override(studio.ada, "24/12/2026", [], now=late_evening), "YYYY-MM-DD"),
        (lambda: offers.set_date_override(studio.ada, date(2026, 12, 10), [], "n" * 201, now=late_evening),
         "200 characters"),
    ]
    for call, words in cases:
        with pytest.raises(InvalidInput) as error:
            call()
        assert words in error.value.message
    assert snapshot(studio.engine) == before
    offers.set_date_override(studio.ada, date(2026, 12, 9), [("10:00", "11:00")], now=late_evening)  # Auckland today


def test_sets_the_time_zone(studio: Studio) -> None:
    assert offers.set_timezone(studio.ada, " America/New_York ") == "America/New_York"
    assert offers.get_availability(studio.ada, now=NOW).timezone == "America/New_York"
    before = snapshot(studio.engine)
    for bad in ("Mars/Olympus", "", "EST5EDT; DROP TABLE builder"):
        with pytest.raises(InvalidInput) as error:
            offers.set_timezone(studio.ada, bad)
        assert error.value.field == "timezone"
    assert snapshot(studio.engine) == before


# --- availability and bookings ---------------------------------------------------------------------


def test_slots_follow_hour_changes_at_once(studio: Studio) -> None:
    paid = studio.offer.paid.id  # 60 min + 15 min buffer after, hourly starts
    assert slots_on(studio.engine, paid, MONDAY) == ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00",
                                                     "16:00"]
    offers.set_weekly_hours(studio.ada, 0, [("10:00", "12:00")])
    assert slots_on(studio.engine, paid, MONDAY) == ["10:00", "11:00"]
    offers.set_date_override(studio.ada, MONDAY, [("18:00", "20:00")], now=NOW)
    assert slots_on(studio.engine, paid, MONDAY) == ["18:00", "19:00"]
    assert slots_on(studio.engine, paid, MONDAY + timedelta(days=7)) == ["10:00", "11:00"]  # weekly hours again
    offers.set_date_override(studio.ada, MONDAY, [], now=NOW)
    assert slots_on(studio.engine, paid, MONDAY) == []
    offers.remove_date_override(studio.ada, MONDAY, now=NOW)
    assert slots_on(studio.engine, paid, MONDAY) == ["10:00", "11:00"]
    offers.set_timezone(studio.ada, "Europe/Paris")  # the same hours, an hour earlier in London
    assert slots_on(studio.engine, paid, MONDAY) == ["09:00", "10:00"]
    offers.update_session_type(studio.ada, paid, draft(duration_minutes=30, interval_minutes=30))
    assert slots_on(studio.engine, paid, MONDAY) == ["09:00", "09:30", "10:00", "10:30"]
    offers.deactivate_session_type(studio.ada, paid)
    with Session(studio.engine) as session, pytest.raises(NotFound):
        scheduling.available_slots(session, session_type_id=paid, first_day=MONDAY, last_day=MONDAY,
                                   timezone="Europe/London", now=NOW)


def test_confirmed_bookings_survive_changes_that_remove_their_hours(studio: Studio) -> None:
    monday_10 = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
    paid = book(studio.engine, studio.offer.paid.id, monday_10)
    free = book(studio.engine, studio.offer.free.id, monday_10 + timedelta(hours=4))
    seat = book(studio.engine, studio.offer.group.id, datetime(2026, 12, 15, 14, 0, tzinfo=UTC))
    before = booking_rows(studio.engine)
    assert len(before) == 3
    offers.set_weekly_hours(studio.ada, 0, [])  # no Mondays any more
    offers.set_weekly_hours(studio.ada, 1, [("06:00", "08:00")])
    offers.set_date_override(studio.ada, MONDAY, [], "Away", now=NOW)
    assert slots_on(studio.engine, studio.offer.paid.id, MONDAY) == []
    offers.set_timezone(studio.ada, "Asia/Tokyo")
    offers.update_session_type(studio.ada, studio.offer.group.id, draft(seats=1, price="10"))
    assert booking_rows(studio.engine) == before
    with Session(studio.engine) as session:
        statuses = session.exec(select(Booking.status).where(Booking.builder_id == studio.offer.builder.id)).all()
        assert sorted(statuses) == [BookingStatus.CONFIRMED] * 3
        assert session.get(Booking, paid.id).start_at == monday_10
        assert queries.by_token(session, free.public_token).booking.status == BookingStatus.CONFIRMED
        assert session.get(Booking, seat.id).seat == 1
    # Tuesday 06:00-08:00 in Tokyo is Monday evening in London.
    assert slots_on(studio.engine, studio.offer.paid.id, MONDAY) == ["21:00", "22:00"]
    offers.remove_date_override(studio.ada, MONDAY, now=NOW)
    assert booking_rows(studio.engine) == before


def test_new_hours_around_a_booking_still_keep_its_time_busy(studio: Studio) -> None:
    book(studio.engine, studio.offer.paid.id, datetime(2026, 12, 14, 10, 0, tzinfo=UTC))
    offers.set_weekly_hours(studio.ada, 0, [("08:00", "13:00")])
    # 10:00-11:15 (with its buffer after) stays busy: 09:00's own buffer and 11:00 would touch it.
    assert slots_on(studio.engine, studio.offer.paid.id, MONDAY) == ["08:00", "12:00"]


# --- profile --------------------------------------------------------------------------------------


def test_updates_the_profile_within_limits(studio: Studio) -> None:
    profile = offers.update_profile(studio.ada, "  Ada   Lovelace ", " Engines ", " Notes on the engine. ")
    assert (profile.display_name, profile.headline, profile.bio) == ("Ada Lovelace", "Engines", "Notes on the engine.")
    assert (profile.slug, profile.timezone) == ("ada", "Europe/London")
    assert offers.get_profile(studio.ada) == profile
    with Session(studio.engine) as session:
        row = session.get(Builder, studio.offer.builder.id)
        assert (row.display_name, row.headline, row.bio) == ("Ada Lovelace", "Engines", "Notes on the engine.")
    before = snapshot(studio.engine)
    for args, field in [(("", "", ""), "display_name"), (("x" * 201, "", ""), "display_name"),
                        (("Ada", "h" * 201, ""), "headline"), (("Ada", "", "b" * 5001), "bio")]:
        with pytest.raises(InvalidInput) as error:
            offers.update_profile(studio.ada, *args)
        assert error.value.field == field
    assert snapshot(studio.engine) == before


def test_views_are_plain_frozen_data(studio: Studio) -> None:
    kind = offers.list_session_types(studio.ada)[0]
    availability = offers.get_availability(studio.ada, now=NOW)
    for value in (kind, availability, availability.weekly[0], availability.weekly[0].windows[0]):
        assert dataclasses.is_dataclass(value)
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.__setattr__("id" if hasattr(value, "id") else "timezone", 1)


# --- concurrent edits -----------------------------------------------------------------------------


def test_concurrent_replacements_of_one_day_leave_exactly_one_of_them(studio: Studio) -> None:
    """Edits of one builder's offer are serialised: never a mix of two replacements."""
    choices = [[(f"{h:02d}:00", f"{h:02d}:30"), (f"{h + 1:02d}:00", f"{h + 2:02d}:00")] for h in range(6, 14)]
    barrier = threading.Barrier(len(choices))
    errors: list[BaseException] = []

    def replace(windows) -> None:
        try:
            barrier.wait()
            offers.set_weekly_hours(studio.ada, 2, windows)
            offers.set_date_override(studio.ada, MONDAY, windows, now=NOW)
            offers.create_session_type(studio.ada, draft(title="Same title"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=replace, args=(windows,)) for windows in choices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    availability = offers.get_availability(studio.ada, now=NOW)
    expected = [[(start, end) for start, end in windows] for windows in choices]
    assert [(w.start, w.end) for w in availability.weekly[2].windows] in expected
    assert len(availability.overrides) == 1
    assert [(w.start, w.end) for w in availability.overrides[0].windows] in expected
    slugs = sorted(k.slug for k in offers.list_session_types(studio.ada) if k.title == "Same title")
    assert slugs == sorted(["same-title"] + [f"same-title-{n}" for n in range(2, len(choices) + 1)])


def test_concurrent_weeks_leave_exactly_one_of_them(studio: Studio) -> None:
    """A week is written in one transaction: never Monday from one save and Tuesday from another."""
    weeks = [{day: [(f"{hour:02d}:00", f"{hour + 1:02d}:{day * 5:02d}")] for day in range(7)} for hour in range(6, 12)]
    barrier = threading.Barrier(len(weeks))
    errors: list[BaseException] = []

    def save(week) -> None:
        try:
            barrier.wait()
            offers.set_week(studio.ada, week)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(week,)) for week in weeks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    saved = [[(w.start, w.end) for w in d.windows] for d in offers.get_availability(studio.ada, now=NOW).weekly]
    assert saved in [[week[day] for day in range(7)] for week in weeks]
