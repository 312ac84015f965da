"""Driving builder pages' State handlers in tests, as Reflex would call them."""

from __future__ import annotations

import asyncio
import inspect
from concurrent.futures import ThreadPoolExecutor
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
    """Run an event handler's function, collecting what it returns or yields.

    In a thread of its own: Playwright's sync API (the e2e tests, same pytest process) keeps
    an event loop running in the main thread, where ``asyncio.run`` is refused.
    """
    result = handler.fn(state, *args)
    if inspect.isasyncgen(result):
        generator = result

        async def drain():
            return [item async for item in generator]
        result = drain()
    if not inspect.iscoroutine(result):
        return result
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, result).result()


def token_for(user_id: int) -> str:
    """A signed-in session for ``user_id``."""
    with write_session() as session:
        return sessions.start_session(session, user_id, datetime.now(UTC))
