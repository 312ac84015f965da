"""``AuthState``: who is signed in, for every builder page (the dashboard's, sign-in, sign-up).

The session token lives in the browser's local storage; the server checks it on every
builder action (``AuthState.actor``), and the services check the acting user again.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from urllib.parse import quote

import reflex as rx

from booking_app.accounts import sessions


def _now() -> datetime:
    return datetime.now(UTC)


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
