"""Customer accounts (issue 16): ``/account/sign-in`` (a code by e-mail, no password),
``/account/sign-in/link`` (the mail's one-time link: a click signs in — not the page load,
so mail scanners that open links do not spend it), and ``/account`` ("My bookings")."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import reflex as rx

from booking_app import messages
from booking_app.accounts import customers
from booking_app.bookings.mine import Row
from booking_app.components.forms import error_callout, labelled_field
from booking_app.components.layout import page_shell
from booking_app.errors import DomainError
from booking_app.pages.oidc import oidc_button
from booking_app.state.checked import checked, text
from booking_app.state.customer import CustomerState


def _now() -> datetime:
    return datetime.now(UTC)


class CustomerSignInState(CustomerState):
    """Two steps: the address (a code is mailed), then the code. Nothing here says whether
    the address has an account."""

    email: str = ""
    code: str = ""
    sent_to: str = ""  # the address the code went to ("" = the first step)
    sent: str = ""
    error: str = ""
    busy: bool = False

    def _next(self) -> str:
        return customers.safe_next(self.router.url.query_parameters.get("next", "/account/"))

    @rx.var
    def oidc_start(self) -> str:
        """The "Sign in with …" button's address (OIDC), coming back to the same place."""
        from booking_app.accounts.oidc import start_url

        return start_url("customer", self._next())

    @rx.event
    @checked()
    async def load(self):
        """Already signed in: straight on."""
        if await self._customer() is not None:
            return rx.redirect(self._next())

    @rx.event
    @checked(value=text(320))
    def set_email(self, value: str):
        self.email = value

    @rx.event
    @checked(value=text(20))
    def set_code(self, value: str):
        self.code = value

    @rx.event
    @checked()
    def other_address(self):
        self.sent_to, self.sent, self.code, self.error = "", "", "", ""

    @rx.event
    @checked()
    async def request(self, _form: dict | None = None):
        if self.busy:
            return
        self.busy, self.error = True, ""
        yield
        try:
            address = await asyncio.to_thread(customers.request_code, self.email[:320],
                                              client_address=self.router.session.client_ip or None, now=_now(),
                                              next_path=self._next())
        except DomainError as exc:
            self.busy, self.error = False, exc.message
            return
        self.busy, self.sent_to, self.code = False, address, ""
        self.sent = messages.CUSTOMER_CODE_SENT.format(email=address)

    @rx.event
    @checked()
    async def verify(self, _form: dict | None = None):
        if self.busy or not self.sent_to:
            return
        code = "".join(self.code.split())
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            self.error = messages.CUSTOMER_CODE_FORMAT
            return
        self.busy, self.error = True, ""
        yield
        try:
            token = await asyncio.to_thread(customers.verify_code, self.sent_to, code,
                                            client_address=self.router.session.client_ip or None, now=_now())
        except DomainError as exc:
            self.busy, self.error = False, exc.message
            return
        target = self._next()
        await self._customer_signed_in_as(token)
        yield rx.redirect(target)


class CustomerLinkState(CustomerState):
    link_error: str = ""
    link_busy: bool = False

    @rx.event
    @checked()
    async def use_link(self):
        if self.link_busy:
            return
        query = self.router.url.query_parameters
        self.link_busy, self.link_error = True, ""
        yield
        try:
            token = await asyncio.to_thread(customers.verify_link, query.get("token", ""), now=_now())
        except DomainError as exc:
            self.link_busy, self.link_error = False, exc.message
            return
        target = customers.safe_next(query.get("next", "/account/"))
        await self._customer_signed_in_as(token)
        yield rx.redirect(target)


# -- pages ----------------------------------------------------------------------------------


def _card(*children, max_width: str = "440px") -> rx.Component:
    return page_shell(rx.card(rx.vstack(*children, spacing="4", width="100%"), size="4", width="100%",
                              max_width=max_width, margin_x="auto", margin_top="2.5rem"))


def customer_sign_in_page() -> rx.Component:
    s = CustomerSignInState
    email_step = rx.form(
        rx.vstack(
            labelled_field("E-mail", "customer-email",
                           rx.input(id="customer-email", type="email", name="email", value=s.email,
                                    on_change=s.set_email, auto_complete="email", required=True, size="3",
                                    width="100%")),
            rx.button("E-mail me a sign-in code", type="submit", loading=s.busy, disabled=s.busy, size="3",
                      width="100%"),
            spacing="4", width="100%",
        ),
        on_submit=s.request, reset_on_submit=False, width="100%",
    )
    code_step = rx.vstack(
        rx.callout(s.sent, icon="mail-check", color_scheme="green", width="100%", id="customer-code-sent"),
        rx.form(
            rx.vstack(
                labelled_field("6-digit code", "customer-code",
                               rx.input(id="customer-code", name="code", value=s.code, on_change=s.set_code,
                                        auto_complete="one-time-code", input_mode="numeric", max_length=12,
                                        size="3", width="100%", placeholder="123456")),
                rx.button("Sign in", type="submit", loading=s.busy, disabled=s.busy, size="3", width="100%"),
                spacing="4", width="100%",
            ),
            on_submit=s.verify, reset_on_submit=False, width="100%",
        ),
        rx.hstack(
            rx.button("Send a new code", variant="ghost", size="2", on_click=s.request, disabled=s.busy),
            rx.button("Use another address", variant="ghost", size="2", on_click=s.other_address),
            spacing="4", wrap="wrap",
        ),
        spacing="4", width="100%",
    )
    return _card(
        rx.heading("Sign in to see your bookings", as_="h1", size="6"),
        rx.text("No password: we e-mail you a code that works once, for 15 minutes.", color_scheme="gray", size="2"),
        rx.box(error_callout(s.error), role="status", width="100%"),
        rx.cond(s.sent_to != "", code_step, rx.vstack(email_step, oidc_button(s.oidc_start), width="100%")),
        rx.text("A builder? ", rx.link("Sign in to your dashboard", href="/login/"), size="2"),
    )


def customer_link_page() -> rx.Component:
    s = CustomerLinkState
    return _card(
        rx.heading("Sign in to Makerhours", as_="h1", size="6"),
        rx.text("Continue to sign in with the link from your e-mail. It works once.", color_scheme="gray", size="2"),
        error_callout(s.link_error),
        rx.button("Continue", id="customer-link-continue", on_click=s.use_link, loading=s.link_busy,
                  disabled=s.link_busy, size="3", width="100%"),
        rx.text(rx.link("Ask for a new code", href="/account/sign-in/"), size="2"),
    )


def register(app: rx.App) -> None:
    app.add_page(customer_sign_in_page, route="/account/sign-in", title="Sign in to see your bookings",
                 on_load=CustomerSignInState.load)
    app.add_page(account_page, route="/account", title="My bookings", on_load=AccountState.load)
    app.add_page(customer_link_page, route="/account/sign-in/link", title="Sign in to Makerhours")


# -- My bookings -----------------------------------------------------------------------------


class AccountState(CustomerState):
    upcoming: list[Row] = []
    past: list[Row] = []
    loaded: bool = False

    @rx.event
    @checked()
    async def load(self):
        """``on_load`` of ``/account``: the list, or the sign-in page (and back here)."""
        from booking_app.bookings import mine

        if await self._customer() is None:
            return self._to_customer_sign_in("/account/")
        root = await self.get_state(CustomerState)
        try:
            found = await asyncio.to_thread(mine.my_bookings, root.customer_token, now=_now())
        except DomainError:
            return self._to_customer_sign_in("/account/")
        self.upcoming, self.past, self.loaded = mine.rows(found.upcoming), mine.rows(found.past), True



def _booking_card(row: Row) -> rx.Component:
    actions = rx.hstack(
        rx.link(rx.button("Open", size="2", variant="soft"), href=row.url, reload_document=True,
                aria_label=row.open_label),
        rx.cond(row.pay, rx.link(rx.button("Pay", size="2"), href=row.url, reload_document=True)),
        rx.cond(row.can_reschedule,
                rx.link(rx.button("Reschedule", size="2", variant="outline"), href=row.url, reload_document=True)),
        rx.cond(row.can_cancel,
                rx.link(rx.button("Cancel", size="2", variant="outline", color_scheme="red"), href=row.url,
                        reload_document=True)),
        spacing="2", wrap="wrap",
    )
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row.title, as_="h3", size="3"),
                rx.spacer(),
                rx.badge(row.status_label, color_scheme=rx.match(row.status, ("confirmed", "green"),
                                                                    ("pending_payment", "amber"), "gray")),
                width="100%", align="center", wrap="wrap",
            ),
            rx.text("with ", row.builder, size="2"),
            rx.text(row.when, size="2", color_scheme="gray"),
            rx.text(row.payment, size="2"),
            actions,
            spacing="2", width="100%",
        ),
        width="100%", class_name="account-booking",
    )


def _section(title: str, items, empty: str, section_id: str) -> rx.Component:
    return rx.vstack(
        rx.heading(title, as_="h2", size="4"),
        rx.cond(items.length() > 0, rx.vstack(rx.foreach(items, _booking_card), spacing="3", width="100%"),
                rx.text(empty, size="2", color_scheme="gray")),
        spacing="3", width="100%", id=section_id,
    )


def account_page() -> rx.Component:
    s = AccountState
    return page_shell(rx.vstack(
        rx.hstack(
            rx.vstack(
                rx.heading("My bookings", as_="h1", size="7"),
                rx.text("Signed in as ", rx.text.strong(s.customer_email), size="2", color_scheme="gray"),
                spacing="1",
            ),
            rx.spacer(),
            rx.button("Sign out", variant="outline", on_click=s.sign_out_customer, id="customer-sign-out"),
            width="100%", align="center", wrap="wrap", spacing="3",
        ),
        rx.cond(s.loaded,
                rx.vstack(
                    _section("Upcoming", s.upcoming, "No upcoming bookings.", "account-upcoming"),
                    _section("Past and cancelled", s.past, "Nothing here yet.", "account-past"),
                    spacing="6", width="100%"),
                rx.text("Loading…", color_scheme="gray", size="2")),
        spacing="5", width="100%", max_width="760px", margin_x="auto", margin_top="2rem",
    ))
