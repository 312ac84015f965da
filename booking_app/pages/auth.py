"""Builder sign-in and sign-up (``/login``, ``/signup``). Their states extend ``AuthState``
(``booking_app/state/auth.py``), which every builder page shares: signing in or up stores the
session token it keeps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import reflex as rx

from booking_app import messages
from booking_app.accounts import sessions
from booking_app.accounts.passwords import MAX_PASSWORD_LENGTH
from booking_app.accounts.service import NewBuilder
from booking_app.accounts.signup import confirm_sign_up, request_sign_up
from booking_app.components.forms import error_callout, labelled_field
from booking_app.components.layout import page_shell
from booking_app.errors import DomainError, InvalidInput
from booking_app.accounts.oidc import start_url as oidc_start_url
from booking_app.pages.oidc import oidc_button
from booking_app.state.auth import AuthState
from booking_app.state.checked import checked, text
from booking_app.timezones import canonical_zone, selectable_zone_names

DETECT_ZONE = "Intl.DateTimeFormat().resolvedOptions().timeZone"


def _now() -> datetime:
    return datetime.now(UTC)


def _safe_next(target: str) -> str:
    """Only local paths: a ``next`` parameter must not send anyone to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/dashboard/"


class LoginState(AuthState):
    """The password is never state: its field is uncontrolled and read once, from the form's
    data on submit, so it does not travel over the websocket while typed nor come back."""

    email: str = ""
    error: str = ""
    busy: bool = False

    @rx.event
    @checked(value=text(320))
    def set_email(self, value: str):
        self.email = value

    @rx.event
    @checked()
    async def submit(self, form: dict):
        if self.busy:
            return
        email, password = form.get("email"), form.get("password")
        if not isinstance(email, str) or not isinstance(password, str) or not email.strip() or not password:
            self.error = "Please enter your e-mail address and password."
            return
        if len(email) > 320 or len(password) > MAX_PASSWORD_LENGTH:
            self.error = sessions.SIGN_IN_FAILED
            return
        self.busy, self.error, self.email = True, "", email
        yield
        try:
            token = await sessions.sign_in_async(email, password, client_address=self.router.session.client_ip or None,
                                                 now=_now())
        except DomainError as exc:
            self.busy, self.error = False, exc.message
            return
        target = _safe_next(self.router.url.query_parameters.get("next", "/dashboard/"))
        await self._signed_in_as(token)
        yield rx.redirect(target)


class SignupState(AuthState):
    """Sign-up asks for the e-mail to be confirmed (``accounts/signup.py``): the form answers
    "we sent you a link" for every address. The password is not state (uncontrolled field,
    read from the form's data on submit)."""

    name: str = ""
    email: str = ""
    slug: str = ""
    timezone: str = ""
    errors: dict[str, str] = {}
    error: str = ""
    busy: bool = False
    sent: str = ""  # "we sent a link to …" once the form was accepted

    @rx.var
    def zone_names(self) -> list[str]:
        return list(selectable_zone_names())

    @rx.event
    @checked()
    def load(self):
        return rx.call_script(DETECT_ZONE, callback=SignupState.detected_zone)

    @rx.event
    @checked(zone=text(64))
    def detected_zone(self, zone: str):
        if not self.timezone:
            self.timezone = canonical_zone(zone) or "UTC"  # "Asia/Calcutta" from a browser: Asia/Kolkata

    @rx.event
    @checked(field=text(20), value=text(1024))
    def setlabelled_field(self, field: str, value: str):
        if field in ("name", "email", "slug", "timezone"):
            setattr(self, field, value)
            self.errors = {k: v for k, v in self.errors.items() if k != field}

    @rx.event
    @checked(field=text(20))
    def clear_error(self, field: str):
        """Typing in a field clears its message (the password field sends only this)."""
        if field in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k != field}

    @rx.event
    @checked()
    async def submit(self, form: dict):
        if self.busy:
            return
        password = form.get("password")
        if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
            self.errors = {"password": "Please enter a password."}
            return
        self.busy, self.error, self.errors = True, "", {}
        yield
        new = NewBuilder(email=self.email, password=password, slug=self.slug, display_name=self.name,
                         timezone=self.timezone or "UTC")
        try:
            address = await asyncio.to_thread(request_sign_up, new, client_address=self.router.session.client_ip
                                              or None, now=_now())
        except InvalidInput as exc:  # every field that is wrong, at once
            self.busy, self.errors = False, getattr(exc, "fields", None) or {exc.field: exc.message}
            return
        except DomainError as exc:
            self.busy, self.error = False, exc.message
            return
        self.busy, self.sent = False, messages.SIGN_UP_SENT.format(email=address)
        yield rx.set_value("signup-password", "")


class ConfirmSignupState(AuthState):
    """``/signup/confirm/?token=``: the link of the sign-up mail creates the account."""

    confirm_error: str = ""

    @rx.event
    @checked()
    async def confirm(self):
        token = self.router.url.query_parameters.get("token", "")
        try:
            session_token = await asyncio.to_thread(confirm_sign_up, token, now=_now())
        except DomainError as exc:
            self.confirm_error = exc.message
            return None
        await self._signed_in_as(session_token)
        return rx.redirect("/dashboard/availability/")


# -- pages ----------------------------------------------------------------------------------


def _card(*children) -> rx.Component:
    return page_shell(rx.card(rx.vstack(*children, spacing="4", width="100%"), size="4", width="100%",
                              max_width="440px", margin_x="auto", margin_top="2.5rem"))


def login_page() -> rx.Component:
    s = LoginState
    return _card(
        rx.heading("Sign in", as_="h1", size="6"),
        rx.text("For builders: manage your bookings, sessions and hours.", color_scheme="gray", size="2"),
        error_callout(s.error),
        rx.form(
            rx.vstack(
                labelled_field("E-mail", "login-email", rx.input(id="login-email", name="email", type="email",
                                                         value=s.email, on_change=s.set_email,
                                                         auto_complete="username", size="3", width="100%")),
                # Uncontrolled (no value, no on_change): read from the form data on submit only.
                labelled_field("Password", "login-password", rx.input(id="login-password", name="password",
                                                              type="password", auto_complete="current-password",
                                                              size="3", width="100%")),
                rx.button("Sign in", type="submit", loading=s.busy, disabled=s.busy, size="3", width="100%"),
                spacing="4", width="100%",
            ),
            on_submit=LoginState.submit,
            reset_on_submit=False,
            width="100%",
        ),
        oidc_button(oidc_start_url("builder", "/dashboard/")),  # absent without OIDC_ISSUER (issue 16)
        rx.text("New here? ", rx.link("Create a builder account", href="/signup/", underline="always"), size="2"),
    )


def signup_page() -> rx.Component:
    s = SignupState

    def error(field: str):
        return s.errors.get(field, "")

    def text_input(field: str, **props) -> rx.Component:
        return rx.input(id=f"signup-{field}", value=getattr(s, field), on_change=lambda v: s.setlabelled_field(field, v),
                        size="3", width="100%", **props)

    form = rx.form(
        rx.vstack(
            labelled_field("Your name", "signup-name", text_input("name", auto_complete="name"), error("display_name")),
            labelled_field("E-mail", "signup-email", text_input("email", type="email", auto_complete="email"),
                           error("email")),
            # Uncontrolled: read from the form data on submit; typing only clears its message.
            labelled_field("Password", "signup-password",
                           rx.input(id="signup-password", name="password", type="password",
                                    auto_complete="new-password", on_change=lambda _value: s.clear_error("password"),
                                    size="3", width="100%"),
                           error("password"),
                           "At least 10 characters, and not easy to guess (no common passwords, names or repeats)."),
            labelled_field("Booking address", "signup-slug", text_input("slug", placeholder="your-name"),
                           error("slug"), "Customers book you at /book/<address>."),
            labelled_field("Time zone", "signup-timezone",
                           rx.el.select(rx.foreach(s.zone_names, lambda z: rx.el.option(z, value=z)),
                                        id="signup-timezone", value=s.timezone,
                                        on_change=lambda v: s.setlabelled_field("timezone", v),
                                        style={"width": "100%", "padding": "0.5rem", "borderRadius": "6px",
                                               "border": f"1px solid {rx.color('gray', 7)}",
                                               "background": rx.color("gray", 1), "fontSize": "1rem"}),
                           error("timezone"), "Your weekly hours are read in this zone."),
            rx.button("Create account", type="submit", loading=s.busy, disabled=s.busy, size="3", width="100%"),
            spacing="4", width="100%",
        ),
        on_submit=SignupState.submit,
        reset_on_submit=False,
        width="100%",
    )
    sent = rx.callout(s.sent, icon="mail-check", color_scheme="green", role="status", id="signup-sent")
    return _card(
        rx.heading("Create your builder account", as_="h1", size="6"),
        rx.text("Customers will book you at your own address; you set your hours next.", color_scheme="gray",
                size="2"),
        error_callout(s.error),
        rx.cond(s.sent != "", sent, form),
        rx.text("Already have an account? ", rx.link("Sign in", href="/login/", underline="always"), size="2"),
    )


def confirm_signup_page() -> rx.Component:
    s = ConfirmSignupState
    return _card(
        rx.heading("Creating your account", as_="h1", size="6"),
        rx.cond(
            s.confirm_error != "",
            rx.vstack(error_callout(s.confirm_error),
                      rx.text(rx.link("Sign up again", href="/signup/", underline="always"), " · ", rx.link("Sign in", href="/login/", underline="always"),
                              size="2")),
            rx.text("One moment…", color_scheme="gray", size="2"),
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(login_page, route="/login", title="Sign in")
    app.add_page(confirm_signup_page, route="/signup/confirm", title="Creating your account",
                 on_load=ConfirmSignupState.confirm)
    app.add_page(signup_page, route="/signup", title="Create a builder account", on_load=SignupState.load)
