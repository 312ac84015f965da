"""``/dashboard/developers``: the builder's API keys (made, shown once, revoked) and outgoing
webhook endpoints (registered with their events, secret shown once, removed, enabled again),
with each endpoint's delivery log and "Resend".

Writes go through ``booking_app.integrations`` (which checks the acting builder); handlers run
them in a worker thread through ``AuthState._as_builder``.
"""

from __future__ import annotations

from typing import Annotated

from datetime import UTC, datetime

import reflex as rx
from pydantic import Field

from booking_app.components.dashboard_shell import dashboard_shell
from booking_app.components.forms import error_callout, labelled_field
from booking_app.db import read_session
from booking_app.bookings.outgoing import EVENT_TYPES
from booking_app.integrations import api_keys, webhooks
from booking_app.scheduling.service import builder_of
from booking_app.scheduling.slots import load_timezone
from booking_app.settings import get_settings
from booking_app.state.auth import AuthState
from booking_app.state.checked import checked, text

ROUTE = "/dashboard/developers"

# Ids come back from the page as the text it was given; anything else is not one of ours.
ID_TEXT = Annotated[str, Field(pattern=r"^[1-9][0-9]{0,8}$")]


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


def endpoint_rows(actor_user_id: int) -> list[dict[str, str]]:
    zone = _zone(actor_user_id)
    return [{"id": str(e.id), "url": e.url, "events": ", ".join(e.events), "enabled": "true" if e.enabled else "",
             "created": _when(e.created_at, zone), "reason": e.disabled_reason,
             "failing": _when(e.failing_since, zone, never="") if e.failing_since else ""}
            for e in webhooks.list_endpoints(actor_user_id)]


def delivery_rows(actor_user_id: int, endpoint_id: int) -> list[dict[str, str]]:
    zone = _zone(actor_user_id)
    return [{"id": str(d.id), "event": d.event_type, "status": d.status,
             "code": str(d.response_code) if d.response_code is not None else "—",
             "when": _when(d.last_attempt_at or d.created_at, zone), "attempts": str(d.attempts),
             "error": d.last_error, "message_id": d.message_id}
            for d in webhooks.list_deliveries(actor_user_id, endpoint_id)]


def _add_endpoint(actor_user_id: int, url: str, events: list[str]) -> tuple[str, list[dict[str, str]]]:
    made = webhooks.create_endpoint(actor_user_id, url, events, now=_now())
    return made.secret, endpoint_rows(actor_user_id)


def _delete_endpoint(actor_user_id: int, endpoint_id: int) -> list[dict[str, str]]:
    webhooks.delete_endpoint(actor_user_id, endpoint_id)
    return endpoint_rows(actor_user_id)


def _enable_endpoint(actor_user_id: int, endpoint_id: int) -> list[dict[str, str]]:
    webhooks.enable_endpoint(actor_user_id, endpoint_id)
    return endpoint_rows(actor_user_id)


def _resend(actor_user_id: int, endpoint_id: int, delivery_id: int) -> list[dict[str, str]]:
    webhooks.resend(actor_user_id, delivery_id, now=_now())
    return delivery_rows(actor_user_id, endpoint_id)


class DevelopersState(AuthState):
    keys: list[dict[str, str]] = []
    key_name: str = ""
    key_error: str = ""
    new_key: str = ""  # the key just made: shown once, forgotten when dismissed
    endpoints: list[dict[str, str]] = []
    hook_url: str = ""
    hook_events: list[str] = list(EVENT_TYPES)
    hook_errors: dict[str, str] = {}
    new_secret: str = ""  # the signing secret of the endpoint just added: shown once
    log_endpoint: str = ""  # the endpoint whose delivery log is open ("" = none)
    log_url: str = ""
    deliveries: list[dict[str, str]] = []
    app_url: str = ""
    error: str = ""
    busy: bool = False

    @rx.var
    def embed_inline(self) -> str:
        return (f'<script src="{self.app_url}/embed.js" data-builder="{self.builder_slug}" '
                'data-mode="inline"></script>')

    @rx.var
    def embed_popup(self) -> str:
        return (f'<script src="{self.app_url}/embed.js" data-builder="{self.builder_slug}" '
                'data-mode="popup" data-label="Book a session"></script>')

    @rx.event
    @checked()
    async def load(self):
        self.new_key, self.key_error, self.error, self.new_secret, self.hook_errors = "", "", "", "", {}
        self.log_endpoint, self.deliveries, self.app_url = "", [], get_settings().app_url
        outcome = await self._as_builder(lambda actor: (key_rows(actor), endpoint_rows(actor)))
        if outcome.sign_in:
            return outcome.sign_in
        if outcome.ok:
            self.keys, self.endpoints = outcome.value
        else:
            self.error = outcome.message
        return None

    @rx.event
    @checked(value=text(200))
    def set_key_name(self, value: str):
        self.key_name, self.key_error = value[:200], ""

    @rx.event
    @checked()
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
    @checked()
    def dismiss_new_key(self):
        self.new_key = ""

    @rx.event
    @checked(key_id=ID_TEXT)
    async def revoke_key(self, key_id: str):
        outcome = await self._as_builder(_revoke_key, int(key_id))
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.error = outcome.message
            return None
        self.keys = outcome.value
        return rx.toast.success("Key revoked: it no longer works.")


    @rx.event
    @checked(value=text(2100))
    def set_hook_url(self, value: str):
        self.hook_url = value[:2100]
        self.hook_errors = {k: v for k, v in self.hook_errors.items() if k != "url"}

    @rx.event
    @checked(name=text(40))
    def toggle_event(self, name: str, checked: bool):
        if name in EVENT_TYPES:
            chosen = set(self.hook_events) | {name} if checked else set(self.hook_events) - {name}
            self.hook_events = [e for e in EVENT_TYPES if e in chosen]
            self.hook_errors = {k: v for k, v in self.hook_errors.items() if k != "events"}

    @rx.event
    @checked()
    async def add_endpoint(self):
        if self.busy:
            return
        self.busy, self.hook_errors, self.error, self.new_secret = True, {}, "", ""
        yield
        outcome = await self._as_builder(_add_endpoint, self.hook_url, list(self.hook_events))
        self.busy = False
        if outcome.sign_in:
            yield outcome.sign_in
            return
        if not outcome.ok:
            self.hook_errors, self.error = outcome.field_errors, outcome.callout
            return
        self.new_secret, self.endpoints = outcome.value
        self.hook_url = ""

    @rx.event
    @checked()
    def dismiss_new_secret(self):
        self.new_secret = ""

    @rx.event
    @checked(endpoint_id=ID_TEXT)
    async def delete_endpoint(self, endpoint_id: str):
        outcome = await self._as_builder(_delete_endpoint, int(endpoint_id))
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.error = outcome.message
            return None
        self.endpoints = outcome.value
        if self.log_endpoint == endpoint_id:
            self.log_endpoint, self.deliveries = "", []
        return rx.toast.success("Endpoint removed: nothing more is sent to it.")

    @rx.event
    @checked(endpoint_id=ID_TEXT)
    async def enable_endpoint(self, endpoint_id: str):
        outcome = await self._as_builder(_enable_endpoint, int(endpoint_id))
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.error = outcome.message
            return None
        self.endpoints = outcome.value
        return rx.toast.success("Enabled again. Resend what it missed from its delivery log.")

    @rx.event
    @checked(endpoint_id=ID_TEXT)
    async def show_log(self, endpoint_id: str):
        outcome = await self._as_builder(delivery_rows, int(endpoint_id))
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.error = outcome.message
            return None
        self.log_endpoint, self.deliveries = endpoint_id, outcome.value
        self.log_url = next((e["url"] for e in self.endpoints if e["id"] == endpoint_id), "")
        return None

    @rx.event
    @checked()
    def close_log(self):
        self.log_endpoint, self.deliveries = "", []

    @rx.event
    @checked(delivery_id=ID_TEXT)
    async def resend(self, delivery_id: str):
        if not self.log_endpoint:
            return None
        outcome = await self._as_builder(_resend, int(self.log_endpoint), int(delivery_id))
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.error = outcome.message
            return None
        self.deliveries = outcome.value
        return rx.toast.success("Queued: it is sent again in a moment, with the same webhook-id.")


# -- view -----------------------------------------------------------------------------------


def _secret_once(title: str, value, on_done, element_id: str, warning: str) -> rx.Component:
    """A just-made secret with a copy button, and the warning that it is shown only now."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("key-round")),
        rx.vstack(
            rx.text(title, weight="bold"),
            rx.text("Copy it now: it is shown only this once. " + warning, size="2"),
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
            rx.cond(s.new_key != "", _secret_once("Your new API key", s.new_key, s.dismiss_new_key, "new-api-key",
                                                        "Anyone with it can act as you in the API.")),
            rx.cond(s.keys.length() == 0,
                    rx.text("No keys yet.", size="2", color_scheme="gray"),
                    rx.vstack(rx.foreach(s.keys, _key_card), spacing="2", width="100%")),
            spacing="3", width="100%",
        ),
        size="3", width="100%",
    )


DELIVERY_COLORS = {"succeeded": "green", "pending": "amber", "failed": "red"}


def _endpoint_card(endpoint) -> rx.Component:
    s = DevelopersState
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.hstack(rx.code(endpoint["url"], size="2", variant="ghost", style={"wordBreak": "break-all"}),
                              rx.cond(endpoint["enabled"] != "", rx.badge("enabled", color_scheme="green"),
                                      rx.badge("disabled", color_scheme="red")),
                              spacing="2", align="center", wrap="wrap"),
                    rx.text(endpoint["events"], size="1", color_scheme="gray"),
                    rx.text("Added " + endpoint["created"]
                            + rx.cond(endpoint["failing"] != "", " · failing since " + endpoint["failing"], ""),
                            size="1", color_scheme="gray"),
                    spacing="1", min_width="0",
                ),
                rx.hstack(
                    rx.button("Delivery log", size="1", variant="soft", type="button",
                              on_click=s.show_log(endpoint["id"]), aria_label="Delivery log of " + endpoint["url"]),
                    rx.cond(endpoint["enabled"] == "",
                            rx.button("Enable again", size="1", variant="soft", color_scheme="green", type="button",
                                      on_click=s.enable_endpoint(endpoint["id"]),
                                      aria_label="Enable " + endpoint["url"] + " again")),
                    rx.button("Remove", size="1", variant="outline", color_scheme="red", type="button",
                              on_click=s.delete_endpoint(endpoint["id"]), aria_label="Remove " + endpoint["url"]),
                    spacing="2", wrap="wrap",
                ),
                justify="between", align="center", gap="0.75rem", wrap="wrap", width="100%",
            ),
            rx.cond(endpoint["reason"] != "", rx.callout(endpoint["reason"], icon="triangle-alert",
                                                         color_scheme="red", size="1", width="100%")),
            spacing="2", width="100%",
        ),
        size="1", width="100%", class_name="webhook-endpoint",
    )


def _delivery_row(item) -> rx.Component:
    s = DevelopersState
    return rx.flex(
        rx.vstack(
            rx.hstack(rx.text(item["event"], weight="medium", size="2"),
                      rx.badge(item["status"], color_scheme=rx.match(item["status"], *DELIVERY_COLORS.items(), "gray")),
                      spacing="2", align="center", wrap="wrap"),
            rx.text(item["when"] + " · HTTP " + item["code"] + " · " + item["attempts"] + " attempt(s)"
                    + rx.cond(item["error"] != "", " · " + item["error"], ""), size="1", color_scheme="gray"),
            rx.code(item["message_id"], size="1", variant="ghost"),
            spacing="1", min_width="0",
        ),
        rx.button("Resend", size="1", variant="soft", type="button", disabled=item["status"] == "pending",
                  on_click=s.resend(item["id"]), aria_label="Resend " + item["event"] + " " + item["message_id"]),
        justify="between", align="center", gap="0.75rem", wrap="wrap", width="100%", padding_y="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}", class_name="webhook-delivery",
    )


def _delivery_log() -> rx.Component:
    s = DevelopersState
    return rx.cond(
        s.log_endpoint != "",
        rx.card(
            rx.vstack(
                rx.flex(
                    rx.heading("Delivery log", as_="h3", size="3"),
                    rx.hstack(rx.button("Refresh", size="1", variant="soft", type="button",
                                        on_click=s.show_log(s.log_endpoint)),
                              rx.button("Close", size="1", variant="outline", type="button", on_click=s.close_log),
                              spacing="2"),
                    justify="between", align="center", width="100%", wrap="wrap", gap="0.5rem",
                ),
                rx.code(s.log_url, size="1", variant="ghost", style={"wordBreak": "break-all"}),
                rx.cond(s.deliveries.length() == 0,
                        rx.text("Nothing sent yet: events arrive here as your bookings change.", size="2",
                                color_scheme="gray"),
                        rx.vstack(rx.foreach(s.deliveries, _delivery_row), spacing="0", width="100%")),
                spacing="2", width="100%",
            ),
            size="2", width="100%", id="delivery-log",
        ),
    )


def _webhooks_section() -> rx.Component:
    s = DevelopersState
    return rx.card(
        rx.vstack(
            rx.heading("Webhooks", as_="h2", size="5"),
            rx.text("We POST booking events to your URL, signed as Standard Webhooks (headers webhook-id, "
                    "webhook-timestamp, webhook-signature), and retry failures for a day.", size="2",
                    color_scheme="gray"),
            rx.form(
                rx.vstack(
                    labelled_field("Endpoint URL", "dev-hook-url",
                                   rx.input(id="dev-hook-url", value=s.hook_url, on_change=s.set_hook_url,
                                            placeholder="https://example.com/hooks/makerhours", type="url",
                                            width="100%"),
                                   s.hook_errors.get("url", "")),
                    rx.el.fieldset(
                        rx.el.legend(rx.text("Events", size="2", weight="medium")),
                        rx.flex(*(rx.el.label(rx.hstack(
                            rx.checkbox(checked=s.hook_events.contains(name), aria_label=name,
                                        on_change=lambda checked, name=name: s.toggle_event(name, checked)),
                            rx.text(name, size="2"), spacing="1", align="center")) for name in EVENT_TYPES),
                            gap="0.5rem 1rem", wrap="wrap"),
                        rx.cond(s.hook_errors.get("events", "") != "",
                                rx.text(s.hook_errors.get("events", ""), size="1", color=rx.color("red", 11),
                                        role="alert")),
                        style={"border": "none", "padding": "0", "margin": "0"},
                    ),
                    rx.button(rx.icon("plus", size=16), "Add endpoint", type="submit", loading=s.busy,
                              disabled=s.busy),
                    spacing="3", width="100%",
                ),
                on_submit=lambda _: DevelopersState.add_endpoint(),
                width="100%",
            ),
            rx.cond(s.new_secret != "", _secret_once("Signing secret of the new endpoint", s.new_secret,
                                                     s.dismiss_new_secret, "new-webhook-secret",
                                                     "Your receiver checks our signatures with it.")),
            rx.cond(s.endpoints.length() == 0,
                    rx.text("No endpoints yet.", size="2", color_scheme="gray"),
                    rx.vstack(rx.foreach(s.endpoints, _endpoint_card), spacing="2", width="100%")),
            _delivery_log(),
            spacing="3", width="100%",
        ),
        size="3", width="100%",
    )


def _snippet(label: str, value, element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        rx.flex(
            rx.code(value, id=element_id, size="1", style={"wordBreak": "break-all"}, flex="1", min_width="0"),
            rx.button(rx.icon("copy", size=14), "Copy", size="1", variant="soft", type="button",
                      on_click=[rx.set_clipboard(value), rx.toast.success("Copied.")],
                      aria_label="Copy the " + label.lower() + " snippet"),
            gap="0.5rem", align="center", width="100%",
        ),
        spacing="1", width="100%",
    )


def _embed_section() -> rx.Component:
    s = DevelopersState
    return rx.card(
        rx.vstack(
            rx.heading("Booking widget", as_="h2", size="5"),
            rx.text("Paste one of these into your own site: your booking page appears in it (inline) or opens "
                    "over it from a button (popup). Payment continues on Stripe Checkout in the same window. "
                    "Add data-type=\"<session link name>\" to offer one session type only.", size="2",
                    color_scheme="gray"),
            _snippet("Inline", s.embed_inline, "embed-inline"),
            _snippet("Popup", s.embed_popup, "embed-popup"),
            spacing="3", width="100%",
        ),
        size="3", width="100%",
    )


def developers_page() -> rx.Component:
    return dashboard_shell(
        "/dashboard/developers/", "Developers",
        error_callout(DevelopersState.error),
        _keys_section(),
        _webhooks_section(),
        _embed_section(),
    )


def register(app: rx.App) -> None:
    app.add_page(developers_page, route=ROUTE, title="Developers", on_load=DevelopersState.load)
