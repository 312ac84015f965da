"""``/dashboard/profile``: what customers see of the builder — photo, name, headline and bio,
shown on the home page's cards and the booking page (``offers.update_profile`` checks every
field; ``offers.photo`` checks, crops and stores the photo)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.vars.object import ObjectVar
from reflex_base.vars.sequence import ArrayVar

from booking_app.components.avatar import builder_avatar
from booking_app.components.dashboard_shell import dashboard_shell
from booking_app.components.forms import error_callout, labelled_field
from booking_app.offers import photo as photos
from booking_app.offers import service as offers
from booking_app.offers.service import ProfileView
from booking_app.pages.wizard_data import initials
from booking_app.state.auth import AuthState
from booking_app.state.checked import checked, text, uploads

ROUTE = "/dashboard/profile"
FIELDS = ("display_name", "headline", "bio")
UPLOAD_ID = "profile-photo"
OPEN_PICKER = f"document.querySelector('#{UPLOAD_ID} input[type=file]')?.click()"
HIDE_INPUT = f"document.querySelector('#{UPLOAD_ID} input[type=file]')?.setAttribute('aria-hidden', 'true')"
MAX_MB = photos.MAX_UPLOAD_BYTES // (1024 * 1024)
# What the browser may pick (the server decodes the file whatever its name or type says).
ACCEPT = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]}
# react-dropzone's reasons for refusing a file before it is sent, in the builder's words.
REJECTIONS = {
    "file-too-large": f"The photo is larger than {MAX_MB} MB. Please choose a smaller one.",
    "file-invalid-type": "Please choose a PNG, JPEG or WebP photo.",
    "too-many-files": "Please choose one photo.",
}


def _save(actor_user_id: int, display_name: str, headline: str, bio: str) -> ProfileView:
    return offers.update_profile(actor_user_id, display_name, headline, bio)


def _store_photo(actor_user_id: int, upload: rx.UploadFile) -> ProfileView:
    # Never more than the limit and one byte: the service says "over 5 MB" without reading more.
    return photos.set_photo(actor_user_id, upload.file.read(photos.MAX_UPLOAD_BYTES + 1))


class ProfileState(AuthState):
    display_name: str = ""
    headline: str = ""
    bio: str = ""
    errors: dict[str, str] = {}
    error: str = ""
    busy: bool = False
    photo_url: str = ""
    photo_error: str = ""
    photo_busy: bool = False

    @rx.var
    def initials(self) -> str:
        return initials(self.display_name)

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
        self.photo_url = profile.photo_url
        self.errors, self.error, self.photo_error = {}, "", ""

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

    def _show_photo(self, profile: ProfileView) -> None:
        self.photo_url, self.photo_error = profile.photo_url, ""

    @rx.event
    @checked(files=uploads(1))
    async def upload_photo(self, files: list[rx.UploadFile]):
        """``rx.upload``'s drop: the chosen photo, checked and stored by ``offers.photo``."""
        if self.photo_busy or not files:
            return
        async for update in self._change_photo(_store_photo, files[0], done="Photo saved. Customers see it now."):
            yield update

    @rx.event
    @checked(codes=text(200))
    def photo_rejected(self, codes: str):
        """``rx.upload``'s refusal before sending (too large, not an image type, several files):
        react-dropzone's error codes, comma-separated (``_rejection_codes``)."""
        self.photo_error = next((REJECTIONS[code] for code in codes.split(",") if code in REJECTIONS),
                                "This file cannot be used as a photo. Please choose a PNG, JPEG or WebP image.")

    @rx.event
    @checked()
    async def remove_photo(self):
        if self.photo_busy:
            return
        async for update in self._change_photo(photos.remove_photo, done="Photo removed. Customers see your initials."):
            yield update

    async def _change_photo(self, action, *args, done: str):
        """A change of photo as the signed-in builder (``offers.photo``): busy meanwhile, a
        refusal shown under the photo, the new photo and a toast once it is done."""
        self.photo_busy, self.photo_error = True, ""
        yield
        try:
            outcome = await self._as_builder(action, *args)
        finally:
            self.photo_busy = False
        if outcome.sign_in:
            yield outcome.sign_in
            return
        if not outcome.ok:
            self.photo_error = outcome.message
            return
        self._show_photo(outcome.value)
        yield rx.toast.success(done)


def _rejection_codes(rejected) -> rx.event.EventSpec:
    """Only the reasons go to the server: the rejected files themselves (react-dropzone passes
    them along) would be sent over the websocket, megabytes of them."""
    items = rejected.to(ArrayVar, list[dict[str, Any]])
    codes = items.map(lambda item: item.to(ObjectVar, dict[str, Any])["errors"].to(ArrayVar, list[dict[str, Any]])
                      .map(lambda error: error.to(ObjectVar, dict[str, Any])["code"].to(str)).join(","))
    return ProfileState.photo_rejected(codes.join(","))


def _photo_card() -> rx.Component:
    s = ProfileState
    return rx.card(
        rx.vstack(
            rx.heading("Photo", as_="h2", size="4", id="profile-photo-heading"),
            rx.flex(
                rx.box(builder_avatar(s.photo_url, s.initials, s.display_name,
                                      size=rx.breakpoints(initial="6", sm="8")),
                       id="profile-photo-preview", flex_shrink="0"),
                rx.vstack(
                    # A real button (focusable; Enter and Space work) opens the picker of the drop zone's
                    # file input, which stays out of the keyboard's and screen readers' way; photos can
                    # also be dropped on the button.
                    rx.upload.root(
                        rx.button(rx.cond(s.photo_busy, rx.spinner(size="2"), rx.icon("image-up", size=16)),
                                  rx.cond(s.photo_busy, "Saving photo…",
                                          rx.cond(s.photo_url != "", "Replace photo", "Upload a photo")),
                                  type="button", variant="soft", size="3", disabled=s.photo_busy, white_space="nowrap",
                                  aria_describedby="profile-photo-hint", on_click=rx.call_script(OPEN_PICKER)),
                        id=UPLOAD_ID, accept=ACCEPT, max_files=1, multiple=False,
                        max_size=photos.MAX_UPLOAD_BYTES, disabled=s.photo_busy, no_click=True, no_keyboard=True,
                        on_drop=ProfileState.upload_photo, on_drop_rejected=_rejection_codes,
                        on_mount=rx.call_script(HIDE_INPUT), border_radius="var(--radius-3)",
                    ),
                    rx.cond(s.photo_error != "",
                            rx.text(s.photo_error, id="profile-photo-error", size="2", color=rx.color("red", 11),
                                    role="alert")),
                    rx.text(f"PNG, JPEG or WebP, up to {MAX_MB} MB (or drop it on the button). It is cropped to a "
                            "square around its centre.", id="profile-photo-hint", size="1", color_scheme="gray"),
                    rx.cond(s.photo_url != "",
                            rx.button(rx.icon("trash-2", size=16), "Remove photo", on_click=ProfileState.remove_photo,
                                      type="button", variant="ghost", color_scheme="red", size="2",
                                      disabled=s.photo_busy)),
                    spacing="2", align="start", min_width="12rem", flex="1",
                ),
                gap="1.25rem", align="center", wrap="wrap", width="100%",
            ),
            spacing="3", width="100%",
        ),
        size="3", width="100%", max_width="640px",
    )


def _text_input(field: str, **props) -> rx.Component:
    s = ProfileState
    return rx.input(id=f"profile-{field}", value=getattr(s, field), on_change=lambda v: s.set_field(field, v),
                    size="3", width="100%", **props)


def profile_page() -> rx.Component:
    s = ProfileState
    return dashboard_shell(
        "/dashboard/profile/", "Profile",
        rx.text("What customers see of you on the home page and your booking page.", color_scheme="gray", size="2"),
        _photo_card(),
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
