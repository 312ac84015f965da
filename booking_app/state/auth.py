"""``AuthState``: who is signed in, for every builder page (the dashboard's, sign-in, sign-up).

The session token lives in the browser's local storage; the server checks it on every
builder action (``AuthState._actor``), and the services check the acting user again.
Handlers call a service for the signed-in builder with ``AuthState._as_builder``, which
turns "nobody signed in" and the service's errors into an ``Outcome`` to show.

A tab's server-side state outlives a sign-out (and is sent again when the page reloads), so
every builder page's state — the substates of ``AuthState`` — is emptied on sign-out, on
sign-in and sign-up, and whenever a handler finds another user (or nobody) behind the
token than the one whose data the tab holds. Helpers start with an underscore: Reflex makes
every public method of a State an event handler the browser can call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import reflex as rx
from reflex.event import EventSpec

from booking_app.accounts import sessions
from booking_app.errors import DomainError, InvalidInput
from booking_app.state.checked import checked

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a service call for the signed-in builder came to: exactly one of a value (``ok``),
    a redirect to the sign-in page (``sign_in``: return or yield it) or an error message."""

    value: T | None = None
    sign_in: EventSpec | None = None
    field: str = ""  # the field an InvalidInput names; "" for other errors
    message: str = ""  # the error in the builder's words; "" if none

    @property
    def ok(self) -> bool:
        return self.sign_in is None and not self.message

    @property
    def field_errors(self) -> dict[str, str]:
        """``{field: message}`` for an InvalidInput, to show next to that field; else empty."""
        return {self.field: self.message} if self.field else {}

    @property
    def callout(self) -> str:
        """The message of any other error, for the page's callout; "" for an InvalidInput."""
        return "" if self.field else self.message


class AuthState(rx.State):
    session_token: str = rx.LocalStorage("", name="makerhours_session", sync=True)
    signed_in: bool = False
    builder_name: str = ""
    builder_slug: str = ""
    # Whose data the builder pages' states of this tab hold (None: nobody's yet).
    _holder_user_id: int | None = None

    async def _actor(self) -> sessions.SignedIn | None:
        """The signed-in builder behind this browser's token, checked against the database.
        Another user (or nobody) than the one whose data this tab holds empties it first."""
        who = await asyncio.to_thread(sessions.signed_in_builder, self.session_token, now=_now())
        await self._hold_data_of(who.user_id if who else None)
        return who

    async def _actor_id(self) -> int | None:
        """The signed-in builder's user id (refreshing the header's name), or None."""
        who = await self._actor()
        if who is None:
            return None
        self.signed_in, self.builder_name, self.builder_slug = True, who.builder_name, who.builder_slug
        return who.user_id

    async def _hold_data_of(self, user_id: int | None) -> None:
        auth = await self.get_state(AuthState)
        if auth._holder_user_id is not None and auth._holder_user_id != user_id:
            await self._forget_builder_data()
        auth._holder_user_id = user_id

    async def _forget_builder_data(self) -> None:
        """Empty every builder page's state (the substates of AuthState) and the header."""
        auth = await self.get_state(AuthState)
        for page_state in _all_substates(AuthState):
            (await self.get_state(page_state)).reset()
        auth.signed_in, auth.builder_name, auth.builder_slug, auth._holder_user_id = False, "", "", None

    async def _signed_in_as(self, token: str) -> None:
        """A sign-in or sign-up in this tab: nothing of a previous user stays, then the token."""
        await self._forget_builder_data()
        (await self.get_state(AuthState)).session_token = token

    def _to_sign_in(self):
        self.signed_in = False
        return rx.redirect("/login/?next=" + quote(self.router.url.path or "/dashboard/"))

    async def _as_builder(self, service: Callable[..., T], *args: Any, **kwargs: Any) -> Outcome[T]:
        """``service(actor_user_id, *args, **kwargs)`` in a worker thread for the signed-in builder.

        Nobody signed in: ``Outcome.sign_in`` holds the redirect to ``/login/?next=<this page>``
        and the service is not called. A ``DomainError`` becomes the outcome's message (with the
        field for an ``InvalidInput``); other exceptions propagate. Usable from generator
        handlers too: ``outcome = await self._as_builder(...)``, then ``yield outcome.sign_in``.
        """
        actor = await self._actor_id()
        if actor is None:
            return Outcome(sign_in=self._to_sign_in())
        try:
            return Outcome(await asyncio.to_thread(service, actor, *args, **kwargs))
        except InvalidInput as exc:
            return Outcome(field=exc.field, message=exc.message)
        except DomainError as exc:
            return Outcome(message=exc.message)

    @rx.event
    @checked()
    async def require_builder(self):
        """``on_load`` of builder pages: send anyone not signed in to the sign-in page and back."""
        who = await self._actor()
        if who is None:
            return self._to_sign_in()
        self.signed_in, self.builder_name, self.builder_slug = True, who.builder_name, who.builder_slug

    @rx.event
    @checked()
    async def sign_out(self):
        """End the session and empty every builder page's state of this tab."""
        await asyncio.to_thread(sessions.sign_out, self.session_token)
        await self._forget_builder_data()
        self.session_token = ""
        return rx.redirect("/login/")


def _all_substates(state: type[rx.State]) -> list[type[rx.State]]:
    """Reflex substates are subclasses (found without Reflex's registration context, which
    exists only while the app processes events)."""
    found = []
    for substate in state.__subclasses__():
        found += [substate, *_all_substates(substate)]
    return found
