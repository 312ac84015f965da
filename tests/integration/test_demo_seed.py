"""``seed-demo``: the demo builder and offer, created once, printed login that works."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, func, select

from booking_app.accounts.passwords import verify_password
from booking_app.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from booking_app.models import Builder, DateOverride, DateOverrideWindow, SessionType, User, WeeklyWindow
from booking_app.settings import PROJECT_ROOT

TODAY = date(2026, 11, 24)  # a Tuesday


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_seed_demo_creates_the_demo_builder_and_offer(engine: sa.Engine) -> None:
    with Session(engine) as session:
        report = seed_demo(session, today=TODAY)
        session.commit()
        builder = session.exec(select(Builder).where(Builder.slug == "demo")).one()
        assert report.builder_created
        assert builder.timezone not in ("UTC", "Etc/UTC")
        kinds = {k.slug: k for k in session.exec(select(SessionType).where(SessionType.builder_id == builder.id))}
        assert kinds["intro-call"].duration_minutes == 15 and kinds["intro-call"].price_amount == 0
        assert (kinds["build-session"].duration_minutes, kinds["build-session"].price_amount) == (60, 15000)
        assert kinds["architecture-deep-dive"].duration_minutes == 90
        assert kinds["architecture-deep-dive"].price_amount > 0
        assert kinds["members-clinic"].requires_sign_in  # issue 16: the members-only type
        assert [k for k, v in kinds.items() if v.requires_sign_in] == ["members-clinic"]
        monday = sorted(
            (w.start_minute, w.end_minute)
            for w in session.exec(select(WeeklyWindow).where(WeeklyWindow.weekday == 0))
        )
        assert monday == [(540, 750), (810, 1050)]  # 09:00-12:30 and 13:30-17:30: a lunch break
        override = session.exec(select(DateOverride)).one()
        assert override.day == date(2026, 12, 5)  # the Saturday after next
        assert [(w.start_minute, w.end_minute) for w in session.exec(select(DateOverrideWindow))] == [(600, 840)]
        user = session.get(User, builder.user_id)
        assert user.email == DEMO_EMAIL and verify_password(user.password_hash, DEMO_PASSWORD)


def test_seed_demo_twice_changes_nothing(engine: sa.Engine) -> None:
    with Session(engine) as session:
        seed_demo(session, today=TODAY)
        session.commit()
        counts = [_count(session, m) for m in (User, Builder, SessionType, WeeklyWindow, DateOverride)]
        report = seed_demo(session, today=date(2027, 1, 5))
        session.commit()
        assert not report.builder_created and not report.session_types_created
        assert report.weekly_windows_created == 0 and report.override_created is None
        assert [_count(session, m) for m in (User, Builder, SessionType, WeeklyWindow, DateOverride)] == counts


def test_cli_seed_demo_prints_the_login(sqlite_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": sqlite_url}
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "booking_app.cli", "seed-demo"], cwd=PROJECT_ROOT,
                                env=env, capture_output=True, text=True, check=True)
        assert DEMO_EMAIL in result.stdout and DEMO_PASSWORD in result.stdout
    assert "already present" in result.stdout


def test_cli_create_builder_reports_bad_input_without_a_traceback(sqlite_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": sqlite_url}
    result = subprocess.run(
        [sys.executable, "-m", "booking_app.cli", "create-builder", "--email", "not-an-email",
         "--slug", "grace", "--name", "Grace", "--timezone", "Europe/London"],
        cwd=PROJECT_ROOT, env=env, input="a-long-password\n", capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert "valid e-mail address" in result.stderr and "Traceback" not in result.stderr
