"""Issue 19, finding 7: sign-up told anyone which e-mail addresses have accounts ("An account
with this e-mail address already exists.") and was not throttled. Now the form answers the
same for every address and the account is created from the link mailed to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_string, policy

import pytest
from sqlmodel import Session, func, select

from booking_app import messages
from booking_app.accounts import sessions, signup
from booking_app.accounts.service import NewBuilder
from booking_app.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from booking_app.jobs.runner import JobRunner
from booking_app.models import Job, MailboxMessage, SignupRequest, User
from booking_app.pages.auth import SignupState
from tests.integration.accounts.conftest import app_database  # noqa: F401 - a fixture
from tests.integration.dashboard.handlers import run_handler, state_for

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADA = NewBuilder(email="ada@example.com", password="correct horse battery", slug="ada", display_name="Ada Lovelace",
                 timezone="Europe/London")


def _users(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(User)).one()


def _mail_jobs(engine) -> list[dict]:
    with Session(engine) as session:
        return [job.payload for job in session.exec(select(Job).where(Job.kind == "email").order_by(Job.id))]


def _submit(name: str, email: str, slug: str, password: str = "a fresh long passphrase"):
    state = state_for(SignupState, "")
    state.name, state.email, state.slug, state.timezone = name, email, slug, "Europe/London"
    answer = run_handler(SignupState.submit, state, {"password": password})
    return state, answer


def test_sign_up_answers_the_same_whether_or_not_the_address_has_an_account(app_database, engine) -> None:  # noqa: F811
    sessions.sign_up(ADA, now=NOW)
    taken, taken_answer = _submit("Ada Again", "ada@example.com", "ada-again")
    fresh, fresh_answer = _submit("Grace Hopper", "grace@example.com", "grace")
    for state, address in ((taken, "ada@example.com"), (fresh, "grace@example.com")):
        assert (state.error, state.errors, state.sent) == ("", {}, messages.SIGN_UP_SENT.format(email=address))
        assert state.session_token == "" and not state.signed_in
    assert [str(item) for item in taken_answer if "redirect" in str(item)] == []
    assert [str(item) for item in fresh_answer if "redirect" in str(item)] == []
    assert _users(engine) == 1  # nothing created before the link is opened
    assert [(job["template"], job["email"]) for job in _mail_jobs(engine)] == [
        ("account_exists", "ada@example.com"), ("confirm_sign_up", "grace@example.com")]


def test_the_mailed_link_creates_the_account_once(app_database, engine) -> None:  # noqa: F811
    signup.request_sign_up(NewBuilder(email="Grace@Example.com", password="cobol compilers rule", slug="grace",
                                      display_name="Grace Hopper", timezone="America/New_York"),
                           client_address="203.0.113.9", now=NOW)
    JobRunner(worker="test").run_until_idle(NOW)
    with Session(engine) as session:
        mail = session.exec(select(MailboxMessage)).one()
    assert mail.subject == "Finish creating your Makerhours account" and "<grace@example.com>" in mail.recipient
    [job] = _mail_jobs(engine)
    text = message_from_string(mail.raw, policy=policy.default).get_body(("plain",)).get_content()
    assert f"/signup/confirm/?token={job['token']}" in text
    token = signup.confirm_sign_up(job["token"], now=NOW + timedelta(hours=1))
    who = sessions.signed_in_builder(token, now=NOW + timedelta(hours=1))
    assert (who.email, who.builder_slug, who.builder_name, who.builder_timezone) == (
        "grace@example.com", "grace", "Grace Hopper", "America/New_York")
    assert sessions.sign_in("grace@example.com", "cobol compilers rule", client_address=None, now=NOW)
    with pytest.raises(NotFound):  # once
        signup.confirm_sign_up(job["token"], now=NOW + timedelta(hours=1))
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(SignupRequest)).one() == 0


def test_a_link_expires_and_a_taken_address_is_said_at_once(app_database, engine) -> None:  # noqa: F811
    signup.request_sign_up(NewBuilder(**{**ADA.__dict__, "email": "x@example.com", "slug": "x-builder"}),
                           client_address=None, now=NOW)
    [job] = _mail_jobs(engine)
    with pytest.raises(NotFound):
        signup.confirm_sign_up(job["token"], now=NOW + signup.LINK_LIFETIME)
    with pytest.raises(NotFound):
        signup.confirm_sign_up("not-a-real-token-but-long-enough", now=NOW)
    sessions.sign_up(ADA, now=NOW)
    with pytest.raises(Conflict, match="/book/ada is already taken"):  # booking addresses are public
        signup.request_sign_up(NewBuilder(**{**ADA.__dict__, "email": "y@example.com"}), client_address=None, now=NOW)
    with pytest.raises(InvalidInput) as weak:
        signup.request_sign_up(NewBuilder(**{**ADA.__dict__, "email": "z@example.com", "slug": "zed",
                                             "password": "password12"}), client_address=None, now=NOW)
    assert weak.value.field == "password"


def test_sign_up_is_throttled_per_client_and_per_address(app_database, engine) -> None:  # noqa: F811
    def request(n: int, email: str, client: str) -> None:
        signup.request_sign_up(NewBuilder(email=email, password="a fresh long passphrase", slug=f"builder-{n}",
                                          display_name=f"Builder {n}", timezone="UTC"), client_address=client, now=NOW)

    for n in range(signup.PER_CLIENT):
        request(n, f"person{n}@example.com", "198.51.100.20")
    with pytest.raises(TooManyRequests):
        request(99, "person99@example.com", "198.51.100.20")
    for n in range(signup.PER_ADDRESS):
        request(100 + n, "inbox@example.com", f"192.0.2.{n}")
    with pytest.raises(TooManyRequests):
        request(200, "inbox@example.com", "192.0.2.200")
    signup.forget_expired_requests(now=NOW + signup.WINDOW + timedelta(seconds=1))
    request(400, "inbox@example.com", "198.51.100.20")  # an hour later: allowed again
