"""``/dashboard/developers``: the builder's API keys (made, shown once, revoked).

Writes go through ``booking_app.integrations`` (which checks the acting builder); handlers run
them in a worker thread through ``AuthState._as_builder``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import reflex as rx

from booking_app.components.dashboard_shell import dashboard_shell
from booking_app.components.forms import error_callout, labelled_field
from booking_app.db import read_session
from booking_app.integrations import api_keys
from booking_app.scheduling.service import builder_of
from booking_app.scheduling.slots import load_timezone
from booking_app.state.auth import AuthState

ROUTE = "/dashboard/developers"


def _now() -> datetime:
    return datetime.now(UTC)


def _zone(actor_user_id: int) -> str:
    with read_session() as session:
        return builder_of(session, actor_user_id).timezone


def _when(moment: datetime | None, zone: str, never: str = "Never") -> str:
    if moment is None:
        return never
    local = moment.astimezone(load_timezone(zone))
    return f"{local.day} {local:%b %Y}, {local:%H:%M}"


def key_rows(actor_user_id: int) -> list[dict[str, str]]:
    """The builder's keys as the page shows them (times in the builder's zone)."""
    zone = _zone(actor_user_id)
    return [{"id": str(key.id), "name": key.name, "hint": key.hint, "created": _when(key.created_at, zone),
             "last_used": _when(key.last_used_at, zone),
             "revoked": _when(key.revoked_at, zone, never="") if key.revoked_at else ""}
            for key in api_keys.list_keys(actor_user_id)]


def _create_key(actor_user_id: int, name: str) -> tuple[str, list[dict[str, str]]]:
    made = api_keys.create_key(actor_user_id, name, now=_now())
    return made.secret, key_rows(actor_user_id)


def _revoke_key(actor_user_id: int, key_id: int) -> list[dict[str, str]]:
    api_keys.revoke_key(actor_user_id, key_id, now=_now())
    return key_rows(actor_user_id)


class DevelopersState(AuthState):
    keys: list[dict[str, str]] = []
    key_name: str = ""
    key_error: str = ""
    new_key: str = ""  # the key just made: shown once, forgotten when dismissed
    error: str = ""
    busy: bool = False

    @rx.event
    async def load(self):
        self.new_key, self.key_error, self.error = "", "", ""
        outcome = await self._as_builder(key_rows)
        if outcome.sign_in:
            return outcome.sign_in
        if outcome.ok:
            self.keys = outcome.value
        else:
            self.error = outcome.message
        return None

    @rx.event
    def set_key_name(self, value: str):
        self.key_name, self.key_error = value[:200], ""

    @rx.event
    async def create_key(self):
        if self.busy:
            return
        self.busy, self.key_error, self.error, self.new_key = True, "", "", ""
        yield
        outcome = await self._as_builder(_create_key, self.key_name)
        self.busy = False
        if outcome.sign_in:
            yield outcome.sign_in
            return
        if not outcome.ok:
            self.key_error, self.error = outcome.field_errors.get("name", ""), outcome.callout
            return
        self.new_key, self.keys = outcome.value
        self.key_name = ""

    @rx.event
    def dismiss_new_key(self):
        self.new_key = ""

    @rx.event
    async def revoke_key(self, key_id: str):
        outcome = await self._as_builder(_revoke_key, int(key_id))
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.error = outcome.message
            return None
        self.keys = outcome.value
        return rx.toast.success("Key revoked: it no longer works.")


# -- view -----------------------------------------------------------------------------------


def _secret_once(title: str, value, on_done, element_id: str) -> rx.Component:
    """A just-made secret with a copy button, and the warning that it is shown only now."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("key-round")),
        rx.vstack(
            rx.text(title, weight="bold"),
            rx.text("Copy it now: it is shown only this once. Anyone with it can act as you in the API.", size="2"),
            rx.flex(
                rx.code(value, id=element_id, size="2", style={"wordBreak": "break-all"}),
                rx.hstack(
                    rx.button(rx.icon("copy", size=14), "Copy", size="1", variant="soft", type="button",
                              on_click=[rx.set_clipboard(value), rx.toast.success("Copied.")]),
                    rx.button("Done", size="1", variant="outline", type="button", on_click=on_done),
                    spacing="2",
                ),
                gap="0.5rem", align="center", wrap="wrap", width="100%",
            ),
            spacing="2", width="100%",
        ),
        color_scheme="green", width="100%", role="status",
    )


def _key_card(key) -> rx.Component:
    s = DevelopersState
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(rx.text(key["name"], weight="medium"),
                          rx.cond(key["revoked"] != "", rx.badge("revoked", color_scheme="gray"),
                                  rx.badge("active", color_scheme="green")),
                          spacing="2", align="center", wrap="wrap"),
                rx.code(key["hint"], size="1", variant="ghost"),
                rx.text("Created " + key["created"] + " · last used " + key["last_used"]
                        + rx.cond(key["revoked"] != "", " · revoked " + key["revoked"], ""),
                        size="1", color_scheme="gray"),
                spacing="1", min_width="0",
            ),
            rx.cond(key["revoked"] == "",
                    rx.button("Revoke", size="1", variant="outline", color_scheme="red", type="button",
                              on_click=s.revoke_key(key["id"]), aria_label="Revoke key " + key["name"])),
            justify="between", align="center", gap="0.75rem", wrap="wrap", width="100%",
        ),
        size="1", width="100%", class_name="api-key",
    )


def _keys_section() -> rx.Component:
    s = DevelopersState
    return rx.card(
        rx.vstack(
            rx.heading("API keys", as_="h2", size="5"),
            rx.text("Your scripts and tools use a key to read and manage your bookings through the API "
                    "(", rx.link("/api/docs", href="/api/docs", is_external=True), "). Send it as ",
                    rx.code("Authorization: Bearer mh_live_…"), ".", size="2", color_scheme="gray"),
            rx.form(
                rx.flex(
                    rx.box(labelled_field("Key name", "dev-key-name",
                                          rx.input(id="dev-key-name", value=s.key_name, on_change=s.set_key_name,
                                                   placeholder="e.g. CRM sync", max_length=100, width="100%"),
                                          s.key_error), flex="1", min_width="12rem"),
                    rx.button(rx.icon("plus", size=16), "Create key", type="submit", loading=s.busy,
                              disabled=s.busy),
                    gap="0.75rem", align="end", wrap="wrap", width="100%",
                ),
                on_submit=lambda _: DevelopersState.create_key(),
                width="100%",
            ),
            rx.cond(s.new_key != "", _secret_once("Your new API key", s.new_key, s.dismiss_new_key, "new-api-key")),
            rx.cond(s.keys.length() == 0,
                    rx.text("No keys yet.", size="2", color_scheme="gray"),
                    rx.vstack(rx.foreach(s.keys, _key_card), spacing="2", width="100%")),
            spacing="3", width="100%",
        ),
        size="3", width="100%",
    )


def developers_page() -> rx.Component:
    return dashboard_shell(
        "/dashboard/developers/", "Developers",
        error_callout(DevelopersState.error),
        _keys_section(),
    )


def register(app: rx.App) -> None:
    app.add_page(developers_page, route=ROUTE, title="Developers", on_load=DevelopersState.load)
