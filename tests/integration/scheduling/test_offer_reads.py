"""Weekly hours and date overrides as availability reads them, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlmodel import Session

from booking_app.models import DateOverride, DateOverrideWindow
from booking_app.scheduling import service
from booking_app.scheduling.availability import load_overrides, load_weekly
from booking_app.scheduling.slots import WeeklyWindow
from tests.integration.scheduling.conftest import NOW, Offer

MONDAY, TUESDAY, WEDNESDAY = date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)


def add_override(session: Session, offer: Offer, day: date, windows: list[tuple[int, int]]) -> None:
    override = DateOverride(builder_id=offer.builder.id, day=day, note="")
    session.add(override)
    session.flush()
    for start, end in windows:
        session.add(DateOverrideWindow(override_id=override.id, start_minute=start, end_minute=end))


def test_overrides_replace_a_days_hours_and_an_empty_one_closes_it(offer: Offer) -> None:
    with Session(offer.engine) as session:
        add_override(session, offer, TUESDAY, [(20 * 60, 24 * 60), (7 * 60, 8 * 60)])  # stored out of order
        add_override(session, offer, WEDNESDAY, [])
        add_override(session, offer, date(2027, 1, 4), [(9 * 60, 10 * 60)])  # outside the range read
        session.commit()

    with Session(offer.engine) as session:
        overrides = load_overrides(session, offer.builder.id, MONDAY, WEDNESDAY + timedelta(days=1))
        weekly = load_weekly(session, offer.builder.id)
        listing = service.available_slots(session, session_type_id=offer.paid.id, first_day=MONDAY,
                                          last_day=WEDNESDAY, timezone="Europe/London", now=NOW)

    assert overrides == {TUESDAY: [(time(7), time(8)), (time(20), time(0))], WEDNESDAY: []}
    assert sorted(weekly, key=lambda w: w.weekday) == [WeeklyWindow(d, time(9), time(17)) for d in range(5)]
    by_day: dict[date, list[int]] = {}
    for slot in listing.slots:
        by_day.setdefault(slot.start.date(), []).append(slot.start.hour)  # London = UTC in December
    assert by_day == {MONDAY: list(range(9, 17)), TUESDAY: [7, 20, 21, 22, 23]}
