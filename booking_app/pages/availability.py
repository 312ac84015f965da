"""``/dashboard/availability``: the builder's time zone, weekly hours and date overrides
(days off or different hours on one date). Writes go through ``booking_app.offers.service``;
changes show in the booking wizard at once and never move existing bookings."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from booking_app import messages
from booking_app.components.dashboard_shell import dashboard_shell
from booking_app.components.forms import error_callout, labelled_field
from booking_app.errors import InvalidInput
from booking_app.offers import service as offers
from booking_app.offers.validation import MAX_WINDOWS_PER_DAY, WEEKDAYS, parse_windows
from booking_app.state.auth import AuthState
from booking_app.state.checked import between, checked, text
from booking_app.timezones import selectable_zone_names

ROUTE = "/dashboard/availability"
DAY_FIELDS = tuple(name.lower() for name in WEEKDAYS)  # how offers.set_week names a bad day
SELECT_STYLE = {"width": "100%", "padding": "0.45rem", "borderRadius": "6px",
                "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 1)}


def _for_input(end: str) -> str:
    """A time input cannot show 24:00: the midnight that ends the day is shown as 00:00 ..."""
    return "00:00" if end == "24:00" else end


def _from_input(window: list[str]) -> tuple[str, str]:
    """... and an end of 00:00 means that midnight, not the one before the start."""
    start, end = window
    return start, "24:00" if end == "00:00" else end


def _and_reload(change: Callable[..., object]) -> Callable[..., offers.Availability]:
    """``change(actor_user_id, ...)``, then the builder's availability as it is now."""
    def run(actor_user_id: int, *args: object) -> offers.Availability:
        change(actor_user_id, *args)
        return offers.get_availability(actor_user_id)
    return run


class AvailabilityState(AuthState):
    timezone: str = ""
    saved_timezone: str = ""
    hours: list[list[list[str]]] = [[] for _ in range(7)]  # weekday → windows → [start, end]
    day_errors: list[str] = [""] * 7
    overrides: list[dict[str, str]] = []  # {"day", "label", "hours", "note"}
    override_day: str = ""
    override_kind: str = "off"  # "off" or "hours"
    override_start: str = "10:00"
    override_end: str = "14:00"
    override_note: str = ""
    override_errors: dict[str, str] = {}
    reminders: str = ""
    saved_reminders: str = ""
    reminders_error: str = ""
    error: str = ""
    busy: bool = False

    @rx.var
    def zone_names(self) -> list[str]:
        names = list(selectable_zone_names())  # a zone saved under an old name stays choosable
        return names if not self.saved_timezone or self.saved_timezone in names else [self.saved_timezone, *names]

    def _apply(self, availability: offers.Availability) -> None:
        self.timezone = self.saved_timezone = availability.timezone
        self.hours = [[[w.start, _for_input(w.end)] for w in day.windows] for day in availability.weekly]
        self.day_errors = [""] * 7
        self.overrides = [
            {"day": o.day.isoformat(), "label": f"{o.day:%A} {o.day.day} {o.day:%B %Y}",
             "hours": "Day off" if o.is_day_off else ", ".join(f"{w.start}–{w.end}" for w in o.windows),
             "note": o.note}
            for o in availability.overrides
        ]

    @rx.event
    @checked()
    async def load(self):
        outcome = await self._as_builder(offers.get_availability)
        if outcome.sign_in:
            return outcome.sign_in
        if outcome.ok:
            self._apply(outcome.value)
            reminders = await self._as_builder(offers.get_reminder_hours)
            if reminders.ok:
                self.reminders = self.saved_reminders = reminders.value
        else:
            self.error = outcome.message
        return None

    # -- reminders ------------------------------------------------------------------------------

    @rx.event
    @checked(value=text(50))
    def set_reminders(self, value: str):
        self.reminders, self.reminders_error = value[:50], ""

    @rx.event
    @checked()
    async def save_reminders(self):
        outcome = await self._as_builder(offers.set_reminder_hours, self.reminders)
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.reminders_error = outcome.message
            return None
        self.reminders = self.saved_reminders = outcome.value
        return rx.toast.success("Reminders saved." if outcome.value else "Customers get no reminders now.")

    # -- time zone ----------------------------------------------------------------------------

    @rx.event
    @checked(value=text(64))
    def set_timezone(self, value: str):
        self.timezone = value

    @rx.event
    @checked()
    async def save_timezone(self):
        outcome = await self._as_builder(offers.set_timezone, self.timezone)
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.error = outcome.message
            return None
        self.saved_timezone = outcome.value
        return rx.toast.success(f"Your hours are now read in {self.saved_timezone}.")

    # -- weekly hours -------------------------------------------------------------------------

    @rx.event
    @checked(weekday=between(0, 6), index=between(0, MAX_WINDOWS_PER_DAY - 1), end=between(0, 1), value=text(5))
    def set_window(self, weekday: int, index: int, end: int, value: str):
        hours = [list(map(list, day)) for day in self.hours]
        if index >= len(hours[weekday]):  # a window that is not (or no longer) there
            return
        hours[weekday][index][end] = value
        self.hours = hours

    @rx.event
    @checked(weekday=between(0, 6))
    def add_window(self, weekday: int):
        hours = [list(map(list, day)) for day in self.hours]
        if len(hours[weekday]) >= MAX_WINDOWS_PER_DAY:
            too_many = messages.HOURS_TOO_MANY.format(limit=MAX_WINDOWS_PER_DAY)
            self.day_errors = [too_many if day == weekday else e for day, e in enumerate(self.day_errors)]
            return
        last_end = hours[weekday][-1][1] if hours[weekday] else "09:00"
        start = last_end if last_end < "23:00" else "09:00"
        hours[weekday].append([start, "17:00" if start < "17:00" else "24:00"])
        self.hours = hours

    @rx.event
    @checked(weekday=between(0, 6), index=between(0, MAX_WINDOWS_PER_DAY - 1))
    def remove_window(self, weekday: int, index: int):
        hours = [list(map(list, day)) for day in self.hours]
        if index >= len(hours[weekday]):
            return
        del hours[weekday][index]
        self.hours = hours

    @rx.event
    @checked()
    async def save_weekly_hours(self):
        """Check every day first, showing each day's problem; then save all seven in one call."""
        errors = [""] * 7
        for weekday, windows in enumerate(self.hours):
            try:
                parse_windows([_from_input(window) for window in windows])
            except InvalidInput as exc:
                errors[weekday] = exc.message
        self.day_errors = errors
        if any(errors):
            return None
        self.busy = True
        week = {weekday: [_from_input(w) for w in windows] for weekday, windows in enumerate(self.hours)}
        outcome = await self._as_builder(_and_reload(offers.set_week), week)  # seven days, one transaction
        self.busy = False
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            if outcome.field in DAY_FIELDS:  # the service names the day at fault
                self.day_errors = [outcome.message if day == outcome.field else "" for day in DAY_FIELDS]
            else:
                self.error = outcome.message
            return None
        self._apply(outcome.value)
        return rx.toast.success("Weekly hours saved. The booking page shows them now.")

    # -- date overrides -----------------------------------------------------------------------

    @rx.event
    @checked(field=text(10), value=text(500))
    def set_override_field(self, field: str, value: str):
        if field in ("day", "kind", "start", "end", "note"):
            setattr(self, f"override_{field}", value)
            self.override_errors = {}

    @rx.event
    @checked()
    async def add_override(self):
        if not self.override_day:
            self.override_errors = {"day": "Pick a date."}
            return None
        windows = [] if self.override_kind == "off" else [_from_input([self.override_start, self.override_end])]
        outcome = await self._as_builder(_and_reload(offers.set_date_override), self.override_day, windows,
                                         self.override_note)
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.override_errors, self.error = outcome.field_errors, outcome.callout
            return None
        self._apply(outcome.value)
        self.override_day, self.override_note, self.override_errors = "", "", {}
        return rx.toast.success("Date saved.")

    @rx.event
    @checked(day=text(10))
    async def remove_override(self, day: str):
        outcome = await self._as_builder(_and_reload(offers.remove_date_override), day)
        if outcome.sign_in:
            return outcome.sign_in
        if outcome.ok:
            self._apply(outcome.value)
        else:
            self.error = outcome.message
        return None


# -- view -----------------------------------------------------------------------------------


def _time_input(weekday, index, end: int, value, label) -> rx.Component:
    return rx.input(type="time", value=value, step="900", size="2",
                    on_change=lambda v: AvailabilityState.set_window(weekday, index, end, v), aria_label=label)


def _day_row(windows, weekday) -> rx.Component:
    s = AvailabilityState
    name = rx.Var.create(list(WEEKDAYS))[weekday]
    return rx.flex(
        rx.text(name, weight="medium", width="7rem", flex_shrink="0", padding_top="0.35rem"),
        rx.vstack(
            rx.cond(windows.length() == 0, rx.text("Unavailable", size="2", color_scheme="gray", padding_top="0.35rem")),
            rx.foreach(
                windows,
                lambda window, index: rx.hstack(
                    _time_input(weekday, index, 0, window[0], name + " window start"),
                    rx.text("–"),
                    _time_input(weekday, index, 1, window[1], name + " window end"),
                    rx.icon_button(rx.icon("x", size=14), variant="ghost", color_scheme="gray", size="1",
                                   on_click=s.remove_window(weekday, index), aria_label="Remove these hours"),
                    align="center", spacing="2",
                ),
            ),
            rx.cond(s.day_errors[weekday] != "",
                    rx.text(s.day_errors[weekday], size="1", color=rx.color("red", 11), role="alert")),
            spacing="2",
        ),
        rx.spacer(),
        rx.button(rx.icon("plus", size=14), "Add hours", variant="ghost", size="1", on_click=s.add_window(weekday),
                  aria_label="Add hours on " + name),
        gap="0.75rem", align="start", wrap="wrap", width="100%", padding_y="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _weekly() -> rx.Component:
    s = AvailabilityState
    return rx.card(
        rx.vstack(
            rx.heading("Weekly hours", as_="h2", size="4"),
            rx.text("When people can book you each week, in " + s.saved_timezone + ".", size="2",
                    color_scheme="gray"),
            rx.foreach(s.hours, _day_row),
            rx.button("Save weekly hours", on_click=s.save_weekly_hours, loading=s.busy),
            spacing="2", width="100%",
        ),
        size="3", width="100%",
    )


def _timezone() -> rx.Component:
    s = AvailabilityState
    return rx.card(
        rx.flex(
            labelled_field("Time zone", "tz-select",
                           rx.el.select(rx.foreach(s.zone_names, lambda z: rx.el.option(z, value=z)), id="tz-select",
                                        value=s.timezone, on_change=s.set_timezone, style=SELECT_STYLE),
                           hint="Your weekly hours and dates are read in this zone. Booked sessions keep their time."),
            rx.button("Save time zone", on_click=s.save_timezone, disabled=s.timezone == s.saved_timezone,
                      variant="soft"),
            gap="0.75rem", align="end", wrap="wrap", width="100%",
        ),
        size="3", width="100%",
    )


def _reminders() -> rx.Component:
    s = AvailabilityState
    return rx.card(
        rx.flex(
            labelled_field("Remind customers (hours before the session)", "reminder-hours",
                           rx.input(id="reminder-hours", value=s.reminders, on_change=s.set_reminders,
                                    placeholder="24, 1", input_mode="numeric",
                                    aria_invalid=rx.cond(s.reminders_error != "", "true", "false"),
                                    aria_describedby=rx.cond(s.reminders_error != "", "reminder-hours-error", "")),
                           s.reminders_error,
                           hint="E-mail reminders, e.g. 24, 1. Leave empty for none. Never sent for bookings made "
                                "inside that time."),
            rx.button("Save reminders", on_click=s.save_reminders, disabled=s.reminders == s.saved_reminders,
                      variant="soft"),
            gap="0.75rem", align="end", wrap="wrap", width="100%",
        ),
        size="3", width="100%",
    )


def _overrides() -> rx.Component:
    s = AvailabilityState
    return rx.card(
        rx.vstack(
            rx.heading("Date overrides", as_="h2", size="4"),
            rx.text("A day off, or different hours on one date.", size="2", color_scheme="gray"),
            rx.foreach(
                s.overrides,
                lambda o: rx.hstack(
                    rx.vstack(rx.text(o["label"], weight="medium", size="2"),
                              rx.text(o["hours"] + rx.cond(o["note"] != "", " · " + o["note"], ""), size="1",
                                      color_scheme="gray"), spacing="0"),
                    rx.spacer(),
                    rx.button("Remove", variant="ghost", color_scheme="red", size="1",
                              on_click=s.remove_override(o["day"]), aria_label="Remove the override of " + o["label"]),
                    width="100%", align="center",
                ),
            ),
            rx.separator(size="4"),
            rx.grid(
                labelled_field("Date", "ov-day", rx.input(id="ov-day", type="date", value=s.override_day,
                                                          on_change=lambda v: s.set_override_field("day", v)),
                               s.override_errors.get("day", "")),
                labelled_field("That day", "ov-kind",
                               rx.el.select(rx.el.option("Day off", value="off"),
                                            rx.el.option("Different hours", value="hours"), id="ov-kind",
                                            value=s.override_kind,
                                            on_change=lambda v: s.set_override_field("kind", v), style=SELECT_STYLE)),
                rx.cond(s.override_kind == "hours",
                        labelled_field("From – to", "ov-start", rx.hstack(
                            rx.input(id="ov-start", type="time", step="900", value=s.override_start,
                                     on_change=lambda v: s.set_override_field("start", v)),
                            rx.input(type="time", step="900", value=s.override_end, aria_label="Until",
                                     on_change=lambda v: s.set_override_field("end", v)),
                            spacing="2"), s.override_errors.get("windows", ""))),
                labelled_field("Note (optional)", "ov-note", rx.input(id="ov-note", value=s.override_note,
                                                                      on_change=lambda v: s.set_override_field("note", v)),
                               s.override_errors.get("note", "")),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
            ),
            rx.button("Add override", on_click=s.add_override, variant="soft"),
            spacing="3", width="100%",
        ),
        size="3", width="100%",
    )


def availability_page() -> rx.Component:
    return dashboard_shell("/dashboard/availability/", "Availability", error_callout(AvailabilityState.error),
                           _timezone(), _weekly(), _overrides(), _reminders())


def register(app: rx.App) -> None:
    app.add_page(availability_page, route=ROUTE, title="Availability", on_load=AvailabilityState.load)
