"""``/dashboard/calendars``: the builder's own calendars. The secret address of their bookings
feed (copy, or replace it), and the calendars whose events block their times — an iCalendar
address or a CalDAV account, optionally written with their bookings — each with its last
sync, event count and last error. The services (``booking_app/calendars``) check the acting
user and every field; passwords are read from the submitted form, never kept in the State."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import reflex as rx
from pydantic import Field

from booking_app.calendars import connections
from booking_app.calendars.connections import ConnectionView
from booking_app.calendars.feed import feed_address, rotate_feed
from booking_app.components.dashboard_shell import dashboard_shell
from booking_app.components.forms import error_callout, labelled_field
from booking_app.state.auth import AuthState
from booking_app.state.checked import Id, checked, text

ROUTE = "/dashboard/calendars"
KINDS = ("ics", "caldav")


def _now() -> datetime:
    return datetime.now(UTC)


def _load(actor_user_id: int) -> tuple[str, list[ConnectionView]]:
    return feed_address(actor_user_id), connections.list_connections(actor_user_id)


def _add(actor_user_id: int, kind: str, form: dict[str, str]) -> list[ConnectionView]:
    if kind == "ics":
        connections.add_ics(actor_user_id, name=form.get("name", ""), url=form.get("url", ""), now=_now())
    else:
        connections.add_caldav(actor_user_id, name=form.get("name", ""), url=form.get("url", ""),
                               username=form.get("username", ""), password=form.get("password", ""),
                               write_to=form.get("write_to", ""), read_from=form.get("read_from", ""), now=_now())
    return connections.list_connections(actor_user_id)


def _sync(actor_user_id: int, connection_id: int) -> list[ConnectionView]:
    connections.sync_now(actor_user_id, connection_id, now=_now())
    return connections.list_connections(actor_user_id)


def _remove(actor_user_id: int, connection_id: int) -> list[ConnectionView]:
    connections.remove(actor_user_id, connection_id)
    return connections.list_connections(actor_user_id)


WATCH_SECONDS, WATCH_LIMIT = 1.5, 20  # how long the page follows a sync it asked for (30 s)


class CalendarsState(AuthState):
    feed_url: str = ""
    connections: list[ConnectionView] = []
    add_kind: str = "ics"
    errors: dict[str, str] = {}
    error: str = ""
    busy: bool = False
    _watching: bool = False

    @rx.event
    @checked()
    async def load(self):
        outcome = await self._as_builder(_load)
        if outcome.sign_in:
            return outcome.sign_in
        if outcome.ok:
            self.feed_url, self.connections = outcome.value
        else:
            self.error = outcome.message
        return None

    @rx.event
    @checked(kind=text(10) | Annotated[list[text(10)], Field(max_length=2)])
    def set_add_kind(self, kind: str | list[str]):
        if isinstance(kind, str) and kind in KINDS:
            self.add_kind, self.errors, self.error = kind, {}, ""

    @rx.event
    @checked()
    async def add(self, form: dict):
        """The add form, read on submit (the password never sits in the State)."""
        if self.busy:
            return
        values = {key: str(form.get(key, ""))[:2000]
                  for key in ("name", "url", "username", "password", "write_to", "read_from")}
        self.busy, self.errors, self.error = True, {}, ""
        yield
        outcome = await self._as_builder(_add, self.add_kind, values)
        self.busy = False
        if outcome.sign_in:
            yield outcome.sign_in
            return
        if not outcome.ok:
            self.errors, self.error = outcome.field_errors, outcome.callout
            return
        self.connections = outcome.value
        yield rx.call_script("document.getElementById('calendar-form')?.reset()")  # emptied only once it worked
        yield rx.toast.success("Calendar connected. Its events block your times after the first sync.")
        yield CalendarsState.watch_syncs

    @rx.event
    @checked(connection_id=Id)
    async def sync_now(self, connection_id: int):
        done = await self._change(_sync, connection_id, "Syncing now…")
        return done if done is None or self.error else [done, CalendarsState.watch_syncs]

    @rx.event
    @checked(connection_id=Id)
    async def remove(self, connection_id: int):
        return await self._change(_remove, connection_id, "Calendar removed; its events no longer block your times.")

    async def _change(self, service, connection_id: int, done: str):  # noqa: ANN001 - _sync or _remove
        outcome = await self._as_builder(service, connection_id)
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.error = outcome.message
            return None
        self.connections = outcome.value
        return rx.toast.success(done)

    @rx.event(background=True)
    @checked()
    async def watch_syncs(self):
        """After a connection was added or a sync asked for, follow the list for a while, so the
        builder sees the sync's outcome (events counted, or the error) without reloading."""
        async with self:
            if self._watching:
                return
            self._watching = True
            before = [(c.id, c.last_synced, c.last_error) for c in self.connections]
        try:
            for _ in range(WATCH_LIMIT):
                await asyncio.sleep(WATCH_SECONDS)
                async with self:
                    actor = await self._actor_id()
                if actor is None:
                    break
                found = await asyncio.to_thread(connections.list_connections, actor)
                async with self:
                    self.connections = found
                if [(c.id, c.last_synced, c.last_error) for c in found] != before and all(
                        c.last_synced or c.last_error for c in found):
                    break
        finally:
            async with self:
                self._watching = False

    @rx.event
    @checked()
    async def new_feed_address(self):
        outcome = await self._as_builder(rotate_feed)
        if outcome.sign_in:
            return outcome.sign_in
        if outcome.ok:
            self.feed_url = outcome.value
            return rx.toast.success("New address made; the old one no longer works.")
        self.error = outcome.message
        return None

    @rx.event
    @checked()
    def copy_feed(self):
        return [rx.set_clipboard(self.feed_url), rx.toast.success("Address copied.")]


# -- view -----------------------------------------------------------------------------------


def _feed_section() -> rx.Component:
    s = CalendarsState
    return rx.card(
        rx.vstack(
            rx.heading("Your bookings in your calendar app", as_="h2", size="4"),
            rx.text("Subscribe to this private address in Google Calendar (Other calendars → From URL), Apple "
                    "Calendar (File → New Calendar Subscription) or Outlook (Add calendar → Subscribe from web). "
                    "Anyone with the address sees your bookings: keep it to yourself.", size="2",
                    color_scheme="gray"),
            rx.el.label("Private calendar address", html_for="feed-url", class_name="visually-hidden"),
            rx.flex(
                rx.input(id="feed-url", value=s.feed_url, read_only=True, width="100%", size="2",
                         font_family="monospace"),
                rx.hstack(
                    rx.button(rx.icon("copy", size=14), "Copy", on_click=s.copy_feed, size="2", variant="soft"),
                    rx.alert_dialog.root(
                        rx.alert_dialog.trigger(rx.button("New address", size="2", variant="outline",
                                                          color_scheme="gray")),
                        rx.alert_dialog.content(
                            rx.alert_dialog.title("Replace the address?"),
                            rx.alert_dialog.description(
                                "The current address stops working at once; calendars subscribed to it must "
                                "subscribe to the new one."),
                            rx.hstack(
                                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                                rx.alert_dialog.action(rx.button("Replace", color_scheme="red",
                                                                 on_click=s.new_feed_address)),
                                justify="end", spacing="3", margin_top="1rem",
                            ),
                        ),
                    ),
                    spacing="2", flex_shrink="0",
                ),
                gap="0.5rem", width="100%", direction=rx.breakpoints(initial="column", sm="row"),
            ),
            spacing="3", width="100%",
        ),
        size="2", width="100%",
    )


def _connection_card(view) -> rx.Component:
    s = CalendarsState
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.heading(view.name, as_="h3", size="3"),
                    rx.badge(rx.cond(view.kind == "ics", "iCalendar address", "CalDAV"), variant="soft"),
                    rx.cond(view.writes_bookings, rx.badge("bookings written here", color_scheme="green",
                                                          variant="soft")),
                    rx.cond(view.paused, rx.badge("paused", color_scheme="red", variant="soft")),
                    spacing="2", align="center", wrap="wrap",
                ),
                rx.text(view.display_url + rx.cond(view.username != "", " · " + view.username, ""), size="1",
                        color_scheme="gray", overflow_wrap="anywhere"),
                rx.text(rx.cond(view.last_synced != "",
                                "Last synced " + view.last_synced + " · " + view.event_count.to_string()
                                + " busy event(s) ahead",
                                "Not synced yet"), size="2"),
                rx.cond(view.last_error != "",
                        rx.text(view.last_error, size="2", color=rx.color("red", 11), role="alert")),
                rx.cond(view.paused, rx.text("Paused after repeated failures; your booking page uses the last good "
                                             "sync. Fix the problem, then sync again.", size="1",
                                             color_scheme="gray")),
                spacing="1", min_width="0",
            ),
            rx.hstack(
                rx.button(rx.icon("refresh-cw", size=14), "Sync now", size="1", variant="soft",
                          on_click=s.sync_now(view.id), aria_label="Sync " + view.name + " now"),
                rx.button("Remove", size="1", variant="outline", color_scheme="red",
                          on_click=s.remove(view.id), aria_label="Remove " + view.name),
                spacing="2", flex_shrink="0",
            ),
            justify="between", align="start", gap="1rem", wrap="wrap", width="100%",
        ),
        size="2", width="100%",
    )


def _field(label: str, name: str, *, hint: str = "", **props) -> rx.Component:
    s = CalendarsState
    return labelled_field(label, f"calendar-{name}", rx.input(id=f"calendar-{name}", name=name, width="100%",
                                                               size="2", **props),
                          s.errors.get(name, ""), hint)


def _add_form() -> rx.Component:
    s = CalendarsState
    return rx.card(
        rx.vstack(
            rx.heading("Connect a calendar", as_="h2", size="4"),
            rx.text("Its events block the times they cover on your booking page (events marked free do not).",
                    size="2", color_scheme="gray"),
            rx.segmented_control.root(
                rx.segmented_control.item("iCalendar address", value="ics"),
                rx.segmented_control.item("CalDAV account", value="caldav"),
                value=s.add_kind, on_change=s.set_add_kind, aria_label="Kind of calendar",
            ),
            rx.form(
                rx.vstack(
                    error_callout(s.error),
                    _field("Name", "name", placeholder="Work", max_length=200),
                    rx.cond(
                        s.add_kind == "ics",
                        _field("Calendar address", "url", type="url", placeholder="https://… or webcal://…",
                               hint="Google: Settings → your calendar → “Secret address in iCal format”. "
                                    "Apple: share the calendar publicly. Outlook: Publish calendar → ICS."),
                        rx.vstack(
                            _field("CalDAV server address", "url", type="url",
                                   placeholder="https://caldav.example.com/"),
                            _field("User name", "username", auto_complete="username"),
                            _field("App password", "password", type="password", auto_complete="off",
                                   hint="Use an app-specific password; it is stored encrypted."),
                            _field("Calendars to read (optional)", "read_from",
                                   hint="Names, comma-separated; empty: all but the one bookings are written to."),
                            _field("Write my bookings into (optional)", "write_to",
                                   hint="The name of one of this account's calendars."),
                            spacing="3", width="100%",
                        ),
                    ),
                    rx.button("Connect", type="submit", loading=s.busy, disabled=s.busy),
                    spacing="3", width="100%", align="start",
                ),
                on_submit=s.add, reset_on_submit=False, width="100%", id="calendar-form",
            ),
            spacing="3", width="100%",
        ),
        size="2", width="100%",
    )


def calendars_page() -> rx.Component:
    s = CalendarsState
    return dashboard_shell(
        "/dashboard/calendars/", "Calendars",
        _feed_section(),
        rx.heading("Calendars that block your times", as_="h2", size="4"),
        rx.cond(s.connections.length() == 0,
                rx.text("None yet. Connect the calendars you live in, so customers cannot book you while you are "
                        "busy.", size="2", color_scheme="gray"),
                rx.vstack(rx.foreach(s.connections, _connection_card), spacing="2", width="100%")),
        _add_form(),
    )


def register(app: rx.App) -> None:
    app.add_page(calendars_page, route=ROUTE, title="Calendars", on_load=CalendarsState.load)
