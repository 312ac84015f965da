"""``AuthState``: who is signed in, for every builder page (the dashboard's, sign-in, sign-up).

The session token lives in the browser's local storage; the server checks it on every
builder action (``AuthState.actor``), and the services check the acting user again.
Handlers call a service for the signed-in builder with ``AuthState._as_builder``, which
turns "nobody signed in" and the service's errors into an ``Outcome`` to show.
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

    async def actor(self) -> sessions.SignedIn | None:
        """The signed-in builder behind this browser's token, checked against the database."""
        return await asyncio.to_thread(sessions.signed_in_builder, self.session_token, now=_now())

    async def actor_id(self) -> int | None:
        """The signed-in builder's user id (refreshing the header's name), or None."""
        who = await self.actor()
        if who is None:
            return None
        self.signed_in, self.builder_name, self.builder_slug = True, who.builder_name, who.builder_slug
        return who.user_id

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
        actor = await self.actor_id()
        if actor is None:
            return Outcome(sign_in=self._to_sign_in())
        try:
            return Outcome(await asyncio.to_thread(service, actor, *args, **kwargs))
        except InvalidInput as exc:
            return Outcome(field=exc.field, message=exc.message)
        except DomainError as exc:
            return Outcome(message=exc.message)

    @rx.event
    async def require_builder(self):
        """``on_load`` of builder pages: send anyone not signed in to the sign-in page and back."""
        who = await self.actor()
        if who is None:
            return self._to_sign_in()
        self.signed_in, self.builder_name, self.builder_slug = True, who.builder_name, who.builder_slug

    @rx.event
    async def sign_out(self):
        await asyncio.to_thread(sessions.sign_out, self.session_token)
        self.session_token, self.signed_in, self.builder_name, self.builder_slug = "", False, "", ""
        return rx.redirect("/login/")
