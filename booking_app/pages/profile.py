"""``/dashboard/profile``: what customers see of the builder — name, headline and bio, shown on
the home page's cards and the booking page (``offers.update_profile`` checks every field)."""

from __future__ import annotations

import reflex as rx

from booking_app.components.dashboard_shell import dashboard_shell
from booking_app.components.forms import error_callout, labelled_field
from booking_app.offers import service as offers
from booking_app.offers.service import ProfileView
from booking_app.state.auth import AuthState
from booking_app.state.checked import checked, text

ROUTE = "/dashboard/profile"
FIELDS = ("display_name", "headline", "bio")


def _save(actor_user_id: int, display_name: str, headline: str, bio: str) -> ProfileView:
    return offers.update_profile(actor_user_id, display_name, headline, bio)


class ProfileState(AuthState):
    display_name: str = ""
    headline: str = ""
    bio: str = ""
    errors: dict[str, str] = {}
    error: str = ""
    busy: bool = False

    @rx.event
    @checked()
    async def load(self):
        outcome = await self._as_builder(offers.get_profile)
        if outcome.sign_in:
            return outcome.sign_in
        if outcome.ok:
            self._show(outcome.value)
        else:
            self.error = outcome.message
        return None

    def _show(self, profile: ProfileView) -> None:
        self.display_name, self.headline, self.bio = profile.display_name, profile.headline, profile.bio
        self.errors, self.error = {}, ""

    @rx.event
    @checked(field=text(20), value=text(6000))
    def set_field(self, field: str, value: str):
        if field in FIELDS:
            setattr(self, field, value)
            self.errors = {key: message for key, message in self.errors.items() if key != field}

    @rx.event
    @checked()
    async def save(self):
        if self.busy:
            return
        self.busy, self.errors, self.error = True, {}, ""
        yield
        outcome = await self._as_builder(_save, self.display_name, self.headline, self.bio)
        self.busy = False
        if outcome.sign_in:
            yield outcome.sign_in
            return
        if not outcome.ok:
            self.errors, self.error = outcome.field_errors, outcome.callout
            return
        self._show(outcome.value)
        self.builder_name = outcome.value.display_name  # the header's "Signed in as"
        yield rx.toast.success("Profile saved. Customers see it now.")


def _text_input(field: str, **props) -> rx.Component:
    s = ProfileState
    return rx.input(id=f"profile-{field}", value=getattr(s, field), on_change=lambda v: s.set_field(field, v),
                    size="3", width="100%", **props)


def profile_page() -> rx.Component:
    s = ProfileState
    return dashboard_shell(
        "/dashboard/profile/", "Profile",
        rx.text("What customers see of you on the home page and your booking page.", color_scheme="gray", size="2"),
        rx.card(
            rx.form(
                rx.vstack(
                    error_callout(s.error),
                    labelled_field("Name", "profile-display_name", _text_input("display_name", auto_complete="name"),
                                   s.errors.get("display_name", "")),
                    labelled_field("Headline", "profile-headline", _text_input("headline", max_length=200),
                                   s.errors.get("headline", ""), "One line under your name, e.g. what you build."),
                    labelled_field("About you", "profile-bio",
                                   rx.text_area(id="profile-bio", value=s.bio, rows="6", resize="vertical",
                                                on_change=lambda v: s.set_field("bio", v), width="100%"),
                                   s.errors.get("bio", ""), "A few sentences on your booking page; up to 5,000 characters."),
                    rx.button("Save profile", type="submit", loading=s.busy, disabled=s.busy, size="3"),
                    spacing="4", width="100%", align="start",
                ),
                on_submit=lambda _: ProfileState.save(),
                reset_on_submit=False,
                width="100%",
            ),
            size="3", width="100%", max_width="640px",
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(profile_page, route=ROUTE, title="Profile", on_load=ProfileState.load)
