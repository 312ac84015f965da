"""Demo data: one builder with free and paid sessions, so a fresh install has something to book.

``seed_demo`` is idempotent: it adds what is missing and never changes or duplicates what a
previous run (or the builder, through the dashboard) already set up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from booking_app.accounts.service import NewBuilder, create_builder
from booking_app.models import Builder, DateOverride, DateOverrideWindow, LocationKind, SessionType, WeeklyWindow

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@makerhours.app"
DEMO_PASSWORD = "demo-builder-pass"  # a published demo login; change it with reset-password
DEMO_TIMEZONE = "Europe/Berlin"

# Mon-Fri 09:00-12:30 and 13:30-17:30 local time: a working day with a lunch break.
DEMO_HOURS = ((9 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60 + 30))

DEMO_SESSION_TYPES = (
    dict(
        slug="intro-call",
        title="Intro call",
        description="Fifteen minutes to talk through your idea and see whether we are a good fit.",
        duration_minutes=15,
        price_amount=0,
        currency="gbp",
        minimum_notice_minutes=2 * 60,
        location_kind=LocationKind.VIDEO,
        location_detail="https://meet.example.com/mira-novak",
        display_order=0,
    ),
    dict(
        slug="build-session",
        title="App build session",
        description="An hour of hands-on building together: we pair on your app, live.",
        duration_minutes=60,
        price_amount=15000,  # £150.00
        currency="gbp",
        interval_minutes=30,
        buffer_after_minutes=15,
        minimum_notice_minutes=12 * 60,
        location_kind=LocationKind.VIDEO,
        location_detail="https://meet.example.com/mira-novak",
        questions=[{"id": "building", "label": "What are you building?", "kind": "short_text", "required": False,
                    "choices": []}],
        display_order=1,
    ),
    dict(
        slug="architecture-deep-dive",
        title="Architecture deep dive",
        description="Ninety minutes on your app's architecture, data model and payments, with written notes.",
        duration_minutes=90,
        price_amount=21000,  # £210.00
        currency="gbp",
        interval_minutes=30,
        buffer_before_minutes=15,
        buffer_after_minutes=15,
        minimum_notice_minutes=24 * 60,
        # The three tiers of the product this app grew from: full refund until 24 hours before,
        # half until 12 hours before, none after.
        refund_tiers=[{"hours_before": 24, "percent": 100}, {"hours_before": 12, "percent": 50}],
        location_kind=LocationKind.IN_PERSON,
        location_detail="Makerhours Studio, Torstraße 1, 10119 Berlin",
        questions=[
            {"id": "focus", "label": "What should we look at?", "kind": "long_text", "required": True, "choices": []},
            {"id": "stage", "label": "Where is your app today?", "kind": "choice", "required": True,
             "choices": ["An idea", "A prototype", "In production"]},
            {"id": "code", "label": "I can share the code before the session", "kind": "checkbox",
             "required": False, "choices": []},
        ],
        display_order=2,
    ),
    dict(
        # Members only (issue 16): customers sign in with an e-mailed code before booking.
        slug="members-clinic",
        title="Members' clinic",
        description="Thirty minutes of questions and answers for signed-in customers. Sign in with your e-mail "
                    "to book.",
        duration_minutes=30,
        price_amount=0,
        currency="gbp",
        minimum_notice_minutes=2 * 60,
        location_kind=LocationKind.VIDEO,
        location_detail="https://meet.example.com/mira-novak",
        requires_sign_in=True,
        display_order=3,
    ),
)


@dataclass
class SeedReport:
    builder_created: bool = False
    session_types_created: list[str] = field(default_factory=list)
    weekly_windows_created: int = 0
    override_created: date | None = None


def _demo_override_day(today: date) -> date:
    """The Saturday after next: the demo builder opens for a few hours on a day normally off."""
    days_to_saturday = (5 - today.weekday()) % 7
    return today + timedelta(days=days_to_saturday + 7)


def seed_demo(session: Session, *, today: date) -> SeedReport:
    """Create the demo builder and their offer where missing. The caller commits."""
    report = SeedReport()
    builder = session.exec(select(Builder).where(Builder.slug == DEMO_SLUG)).first()
    if builder is None:
        builder = create_builder(
            session,
            NewBuilder(
                email=DEMO_EMAIL,
                password=DEMO_PASSWORD,
                slug=DEMO_SLUG,
                display_name="Mira Novak",
                timezone=DEMO_TIMEZONE,
                headline="Full-stack app builder · Python, React and Stripe",
                bio="I help founders get from idea to a working, paid product. Demo profile.",
            ),
        )
        report.builder_created = True

    existing_slugs = set(session.exec(select(SessionType.slug).where(SessionType.builder_id == builder.id)))
    for spec in DEMO_SESSION_TYPES:
        if spec["slug"] not in existing_slugs:
            session.add(SessionType(builder_id=builder.id, **spec))
            report.session_types_created.append(spec["slug"])

    has_hours = session.exec(select(WeeklyWindow.id).where(WeeklyWindow.builder_id == builder.id)).first()
    if has_hours is None:
        for weekday in range(5):
            for start_minute, end_minute in DEMO_HOURS:
                session.add(
                    WeeklyWindow(
                        builder_id=builder.id, weekday=weekday, start_minute=start_minute, end_minute=end_minute
                    )
                )
                report.weekly_windows_created += 1

    has_override = session.exec(select(DateOverride.id).where(DateOverride.builder_id == builder.id)).first()
    if has_override is None:
        override = DateOverride(
            builder_id=builder.id, day=_demo_override_day(today), note="Weekend opening for demo customers"
        )
        session.add(override)
        session.flush()
        session.add(DateOverrideWindow(override_id=override.id, start_minute=10 * 60, end_minute=14 * 60))
        report.override_created = override.day
    session.flush()
    return report
