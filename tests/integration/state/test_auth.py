"""``AuthState._as_builder``, the one path from a builder page's handler to a service: who is
signed in, the sign-in redirect for nobody, the service in a worker thread, its errors as an
``Outcome`` to show."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from booking_app.accounts import sessions
from booking_app.accounts.service import NewBuilder
from booking_app.errors import Forbidden, InvalidInput
from booking_app.state.auth import AuthState
from tests.integration.accounts.conftest import app_database  # noqa: F401 - a fixture
from tests.integration.dashboard.handlers import state_for


def _run(coroutine):
    """In a thread of its own, like ``handlers.run_handler`` (the e2e tests' loop may be running)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def lin_token(app_database: str) -> str:  # noqa: F811 - the fixture above
    return sessions.sign_up(NewBuilder(email="lin@example.com", password="a long password", slug="lin",
                                       display_name="Lin", timezone="Europe/Lisbon"), now=datetime.now(UTC))


def test_nobody_signed_in_is_sent_to_sign_in_and_no_service_runs(app_database: str) -> None:  # noqa: F811
    calls = []
    state = state_for(AuthState, "")
    outcome = _run(state._as_builder(lambda actor: calls.append(actor)))
    assert calls == [] and not outcome.ok and outcome.value is None
    assert "/login/?next=" in str(outcome.sign_in)
    assert (outcome.field_errors, outcome.callout, state.signed_in) == ({}, "", False)


def test_the_signed_in_builder_is_passed_to_the_service_in_a_worker_thread(lin_token: str) -> None:
    seen = {}

    def service(actor: int, first: str, *, second: str) -> str:
        seen.update(actor=actor, args=(first, second), thread=threading.get_ident())
        return "done"

    async def call():
        seen["loop_thread"] = threading.get_ident()
        return await state._as_builder(service, "a", second="b")

    state = state_for(AuthState, lin_token)
    outcome = _run(call())
    who = sessions.signed_in_builder(lin_token, now=datetime.now(UTC))
    assert (outcome.ok, outcome.value, outcome.sign_in, outcome.message) == (True, "done", None, "")
    assert seen["actor"] == who.user_id and seen["args"] == ("a", "b")
    assert seen["thread"] != seen["loop_thread"]
    assert (state.signed_in, state.builder_name, state.builder_slug) == (True, "Lin", "lin")


def test_domain_errors_become_messages_for_the_field_or_the_callout(lin_token: str) -> None:
    state = state_for(AuthState, lin_token)

    def refuse(error: Exception):
        def service(actor: int) -> None:
            raise error
        return service

    invalid = _run(state._as_builder(refuse(InvalidInput("price", "Too cheap."))))
    assert (invalid.ok, invalid.field_errors, invalid.callout, invalid.message) == (
        False, {"price": "Too cheap."}, "", "Too cheap.")
    forbidden = _run(state._as_builder(refuse(Forbidden("Not yours."))))
    assert (forbidden.ok, forbidden.field_errors, forbidden.callout, forbidden.sign_in) == (
        False, {}, "Not yours.", None)
    with pytest.raises(ZeroDivisionError):  # a bug is not a message for the builder
        _run(state._as_builder(refuse(ZeroDivisionError())))
