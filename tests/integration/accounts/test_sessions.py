"""Builder sign-up, sign-in, sessions and throttling, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from booking_app.accounts import sessions
from booking_app.accounts.service import NewBuilder
from booking_app.errors import Conflict, InvalidInput, TooManyRequests
from booking_app.models import AuthSession, Builder, LoginAttempt, User

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADA = NewBuilder(email="Ada@Example.com", password="correct horse battery", slug="ada", display_name="Ada Lovelace",
                 timezone="Europe/London")


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_sign_up_creates_the_builder_and_signs_them_in(app_database, engine) -> None:
    token = sessions.sign_up(ADA, now=NOW)
    who = sessions.signed_in_builder(token, now=NOW)
    assert (who.email, who.builder_slug, who.builder_name, who.builder_timezone) == (
        "ada@example.com", "ada", "Ada Lovelace", "Europe/London")
    with Session(engine) as session:
        stored = session.exec(select(AuthSession)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64  # only a hash is kept
    assert stored.expires_at == NOW + sessions.SESSION_LIFETIME


@pytest.mark.parametrize(
    ("change", "field"),
    [({"email": "not-an-address"}, "email"), ({"password": "short"}, "password"), ({"slug": "Bad Slug!"}, "slug"),
     ({"slug": "dashboard"}, "slug"), ({"timezone": "Mars/Olympus"}, "timezone"), ({"display_name": " "}, "display_name")],
)
def test_sign_up_refuses_bad_input_and_writes_nothing(app_database, engine, change: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        sessions.sign_up(NewBuilder(**{**ADA.__dict__, **change}), now=NOW)
    assert refused.value.field == field
    assert _count(engine, User) == _count(engine, Builder) == _count(engine, AuthSession) == 0


def test_sign_up_with_a_taken_email_or_address_is_refused(app_database, engine) -> None:
    sessions.sign_up(ADA, now=NOW)
    with pytest.raises(Conflict):
        sessions.sign_up(NewBuilder(**{**ADA.__dict__, "slug": "other"}), now=NOW)
    with pytest.raises(Conflict):
        sessions.sign_up(NewBuilder(**{**ADA.__dict__, "email": "grace@example.com"}), now=NOW)
    assert _count(engine, User) == 1


def test_sign_in_and_out(app_database) -> None:
    sessions.sign_up(ADA, now=NOW)
    token = sessions.sign_in(" ADA@example.com ", ADA.password, client_address="203.0.113.5", now=NOW)
    assert sessions.signed_in_builder(token, now=NOW).builder_slug == "ada"
    sessions.sign_out(token)
    assert sessions.signed_in_builder(token, now=NOW) is None


def test_sessions_expire(app_database) -> None:
    token = sessions.sign_up(ADA, now=NOW)
    assert sessions.signed_in_builder(token, now=NOW + sessions.SESSION_LIFETIME - timedelta(seconds=1))
    assert sessions.signed_in_builder(token, now=NOW + sessions.SESSION_LIFETIME) is None
    sessions.forget_stale_records(now=NOW + sessions.SESSION_LIFETIME)
    assert sessions.signed_in_builder(token, now=NOW) is None  # the row is gone too


def test_unknown_email_and_wrong_password_get_the_same_answer(app_database) -> None:
    sessions.sign_up(ADA, now=NOW)
    answers = []
    for email, password in (("ada@example.com", "wrong password!"), ("nobody@example.com", ADA.password)):
        with pytest.raises(sessions.SignInFailed) as failed:
            sessions.sign_in(email, password, client_address=None, now=NOW)
        answers.append(failed.value.message)
    assert answers[0] == answers[1] == sessions.SIGN_IN_FAILED
    assert "nobody" not in answers[1]


def test_failed_sign_ins_are_throttled_per_email_whether_or_not_it_exists(app_database, engine) -> None:
    sessions.sign_up(ADA, now=NOW)
    for email in ("ada@example.com", "nobody@example.com"):
        for n in range(sessions.MAX_FAILURES_PER_EMAIL):
            with pytest.raises(sessions.SignInFailed):
                sessions.sign_in(email, f"wrong password {n}", client_address=f"198.51.100.{n}", now=NOW)
        with pytest.raises(TooManyRequests) as throttled:  # even the right password is refused now
            sessions.sign_in(email, ADA.password, client_address="198.51.100.99", now=NOW + timedelta(minutes=1))
        assert throttled.value.message == sessions.THROTTLED
    later = NOW + sessions.THROTTLE_WINDOW + timedelta(seconds=1)
    assert sessions.sign_in("ada@example.com", ADA.password, client_address=None, now=later)
    sessions.forget_stale_records(now=later + sessions.THROTTLE_WINDOW)
    assert _count(engine, LoginAttempt) == 0


def test_failed_sign_ins_are_throttled_per_client_address(app_database) -> None:
    sessions.sign_up(ADA, now=NOW)
    for n in range(sessions.MAX_FAILURES_PER_CLIENT):
        with pytest.raises(sessions.SignInFailed):
            sessions.sign_in(f"guess{n}@example.com", "whatever pass", client_address="192.0.2.1", now=NOW)
    with pytest.raises(TooManyRequests):
        sessions.sign_in("ada@example.com", ADA.password, client_address="192.0.2.1", now=NOW)
    assert sessions.sign_in("ada@example.com", ADA.password, client_address="192.0.2.2", now=NOW)


def test_a_garbage_token_is_nobody(app_database) -> None:
    assert sessions.signed_in_builder("", now=NOW) is None
    assert sessions.signed_in_builder("x" * 5000, now=NOW) is None
