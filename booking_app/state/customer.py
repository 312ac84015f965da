"""``CustomerState``: which customer is signed in, for the customer pages (``/account``, the
wizard of a members-only session type).

Separate from ``AuthState`` (builders): its own token in its own local-storage key
(``makerhours_customer``), checked against ``customer_session`` on every action — a person
can be signed in as a builder and as a customer at once, and neither opens the other's pages.
The customer pages' states are substates of ``CustomerState`` and are emptied on sign-out and
whenever another customer (or nobody) is found behind the token than the one whose data the
tab holds, as for builders. Helpers start with an underscore (Reflex makes public methods
event handlers).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from urllib.parse import quote

import reflex as rx

from booking_app.accounts import customers
from booking_app.state.checked import checked


def _now() -> datetime:
    return datetime.now(UTC)


class CustomerState(rx.State):
    customer_token: str = rx.LocalStorage("", name="makerhours_customer", sync=True)
    customer_signed_in: bool = False
    customer_email: str = ""
    customer_name: str = ""
    _customer_holder: int | None = None

    async def _customer(self) -> customers.SignedInCustomer | None:
        """The signed-in customer behind this browser's token (checked in the database); another
        customer (or nobody) than the one whose data this tab holds empties it first."""
        root = await self.get_state(CustomerState)
        who = await asyncio.to_thread(customers.signed_in_customer, root.customer_token, now=_now())
        holder = who.customer_id if who else None
        if root._customer_holder is not None and root._customer_holder != holder:
            await self._forget_customer_data()
        root._customer_holder = holder
        root.customer_signed_in = who is not None
        root.customer_email, root.customer_name = (who.email, who.name) if who else ("", "")
        return who

    async def _forget_customer_data(self) -> None:
        root = await self.get_state(CustomerState)
        for page_state in _all_substates(CustomerState):
            (await self.get_state(page_state)).reset()
        root.customer_signed_in, root.customer_email, root.customer_name, root._customer_holder = False, "", "", None

    async def _customer_signed_in_as(self, token: str) -> None:
        await self._forget_customer_data()
        (await self.get_state(CustomerState)).customer_token = token

    def _to_customer_sign_in(self, next_path: str | None = None):
        return rx.redirect("/account/sign-in/?next=" + quote(next_path or self.router.url.path or "/account/"))

    @rx.event
    @checked()
    async def check_customer(self):
        """``on_load``: who is signed in (the header's account link), without redirecting."""
        await self._customer()

    @rx.event
    @checked()
    async def sign_out_customer(self):
        """End the customer session on the server and empty the customer pages of this tab."""
        root = await self.get_state(CustomerState)
        await asyncio.to_thread(customers.sign_out_customer, root.customer_token)
        await self._forget_customer_data()
        root.customer_token = ""
        return rx.redirect("/account/sign-in/")


def _all_substates(state: type[rx.State]) -> list[type[rx.State]]:
    found = []
    for substate in state.__subclasses__():
        found += [substate, *_all_substates(substate)]
    return found
