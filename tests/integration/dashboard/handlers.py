"""Driving builder pages' State handlers in tests, as Reflex would call them."""

from __future__ import annotations

import asyncio
import inspect
from datetime import UTC, datetime

import reflex as rx

from booking_app.accounts import sessions
from booking_app.db import write_session


def state_for(state_class: type[rx.State], token: str):
    """A fresh instance of ``state_class`` (under a new root state) holding ``token``."""
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(state_class.get_full_name().split(".")[1:])
    state.session_token = token
    return state


def run_handler(handler, state, *args):
    """Run an event handler's function, collecting what it returns or yields."""
    result = handler.fn(state, *args)
    if inspect.isasyncgen(result):
        async def drain():
            return [item async for item in result]
        return asyncio.run(drain())
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def token_for(user_id: int) -> str:
    """A signed-in session for ``user_id``."""
    with write_session() as session:
        return sessions.start_session(session, user_id, datetime.now(UTC))
