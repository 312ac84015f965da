"""``/dashboard``: the builder's bookings (tabs, search, pages), a booking's details with
"Cancel and refund", and the revenue summary with a chart.

Every handler asks ``AuthState.actor`` who is signed in and passes that user to the services,
which refuse another builder's data themselves.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import reflex as rx

from booking_app.bookings.attendance import mark_attendance
from booking_app.bookings.cancel import cancel_as_builder
from booking_app.components.dashboard_shell import dashboard_shell
from booking_app.components.forms import error_callout
from booking_app.dashboard import bookings as data
from booking_app.dashboard.bookings import BookingDetail, BookingRow, Revenue
from booking_app.errors import DomainError
from booking_app.pages import wizard_data
from booking_app.pages.booking import CLOCK_PREFERENCE
from booking_app.pages.wizard_data import SlotChoice
from booking_app.state.auth import AuthState
from booking_app.state.checked import Id, between, checked, text

log = logging.getLogger(__name__)
ROUTE = "/dashboard"
WATCH_SECONDS = 2
WATCH_LIMIT = 90  # three minutes of live updates of an open booking whose refund is on its way
NO_ROW = BookingRow(0, "", "", "", "", "", "", "", "")
ATTENDANCE_CHOICES = {"completed": "completed", "no_show": "as a no-show"}
NO_DETAIL = BookingDetail(NO_ROW, "", "", "", "", "", "", "", "", "", False, "", [])


# The builder's 12/24-hour clock, for the times of the list, the details and their timeline: the
# choice made in this browser (the booking wizard's 12h/24h switch), else the browser's habit.
BROWSER_CLOCK = CLOCK_PREFERENCE


def _now() -> datetime:
    return datetime.now(UTC)


class DashboardState(AuthState):
    tab: str = "upcoming"
    search: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[BookingRow] = []
    revenue: Revenue = Revenue("GBP", "", "", "", 0, 0, 0, [])
    loading: bool = False
    hour12: bool = False  # the builder's browser shows 12-hour times
    error: str = ""
    detail_open: bool = False
    detail: BookingDetail = NO_DETAIL
    cancel_busy: bool = False
    cancel_outcome: str = ""
    cancel_reason: str = ""
    move_days: dict[str, list[SlotChoice]] = {}  # the open booking's free times, by the builder's date
    move_date: str = ""
    move_start: str = ""
    move_message: str = ""
    move_busy: bool = False
    move_error: str = ""
    move_outcome: str = ""
    _watching: bool = False

    @rx.var
    def move_day_slots(self) -> list[SlotChoice]:
        return self.move_days.get(self.move_date, [])

    @rx.var
    def move_first_day(self) -> str:
        return min(self.move_days, default="")

    @rx.var
    def move_last_day(self) -> str:
        return max(self.move_days, default="")

    @rx.var
    def chart_data(self) -> list[dict[str, str | float]]:
        return [{"day": day.day, "net": day.net} for day in self.revenue.daily]

    async def _refresh(self, actor_user_id: int) -> None:
        listing, revenue = await asyncio.gather(
            asyncio.to_thread(data.list_bookings, actor_user_id=actor_user_id, tab=self.tab, search=self.search,
                              page=self.page, now=_now(), hour12=self.hour12),
            asyncio.to_thread(data.revenue_summary, actor_user_id=actor_user_id, now=_now()),
        )
        self.rows, self.total, self.page, self.pages = listing.rows, listing.total, listing.page, listing.pages
        self.revenue = revenue

    @rx.event
    @checked()
    async def load(self):
        actor = await self._actor_id()
        if actor is None:
            return self._to_sign_in()
        # The tab's state outlives a reload: a fresh page starts with no details open.
        self.detail_open, self.cancel_outcome, self.move_outcome = False, "", ""
        self.loading = True
        try:
            await self._refresh(actor)
        except DomainError as exc:
            self.error = exc.message
        self.loading = False
        return rx.call_script(BROWSER_CLOCK, callback=DashboardState.clock_preference)

    @rx.event
    @checked()
    async def clock_preference(self, hour12: bool):
        """Callback of ``BROWSER_CLOCK``: the builder's browser's 12/24-hour habit (issue 18)."""
        if hour12 is not self.hour12:
            self.hour12 = hour12
            return await self._reload_list()
        return None

    async def _reload_list(self):
        actor = await self._actor_id()
        if actor is None:
            return self._to_sign_in()
        try:
            await self._refresh(actor)
        except DomainError as exc:
            self.error = exc.message
        return None

    @rx.event
    @checked(tab=text(20))
    async def set_tab(self, tab: str):
        if tab in data.TABS:
            self.tab, self.page = tab, 1
            return await self._reload_list()

    @rx.event
    @checked(search=text(100))
    async def set_search(self, search: str):
        self.search, self.page = search[:100], 1
        return await self._reload_list()

    @rx.event
    @checked(page=between(1, 1_000_000))
    async def go_to_page(self, page: int):
        self.page = page
        return await self._reload_list()

    @rx.event
    @checked(booking_id=Id)
    async def open_detail(self, booking_id: int):
        actor = await self._actor_id()
        if actor is None:
            return self._to_sign_in()
        self.cancel_outcome, self.error, self.cancel_reason = "", "", ""
        self.move_outcome = ""
        try:
            self.detail = await asyncio.to_thread(data.booking_detail, actor_user_id=actor, booking_id=booking_id,
                                                  hour12=self.hour12,
                                                  now=_now())
        except DomainError as exc:
            self.error = exc.message
            return None
        self._reset_move()
        await self._load_move_days()
        self.detail_open = True
        return DashboardState.watch_refund if self.detail.refund_pending else None

    def _reset_move(self) -> None:
        self.move_days, self.move_date, self.move_start, self.move_message = {}, "", "", ""
        self.move_busy, self.move_error = False, ""

    async def _load_move_days(self) -> None:
        """The free times of the open booking's session type, when the builder may move it."""
        if not (self.detail.can_reschedule and self.detail.session_type_id):
            self.move_days = {}
            return
        try:
            self.move_days = await asyncio.to_thread(wizard_data.load_slots, self.detail.session_type_id,
                                                     self.detail.builder_timezone, _now())
        except DomainError as exc:
            self.move_days, self.move_error = {}, exc.message
        if self.move_date not in self.move_days:  # the booking's own day when it has free times
            own_day = self.detail.local_date if self.detail.local_date in self.move_days else ""
            self.move_date, self.move_start = own_day or min(self.move_days, default=""), ""

    @rx.event
    @checked(day=text(10))
    def set_move_date(self, day: str):
        self.move_date, self.move_error = day[:10], ""
        if not any(slot.start == self.move_start for slot in self.move_days.get(self.move_date, [])):
            self.move_start = ""

    @rx.event
    @checked(start=text(40))
    def set_move_start(self, start: str):
        self.move_start, self.move_error = start, ""

    @rx.event
    @checked(message=text(500))
    def set_move_message(self, message: str):
        self.move_message = message[:500]

    @rx.event
    @checked()
    async def move_booking(self):
        """Move the open booking to the chosen free time, as its builder."""
        if self.move_busy or not self.detail.row.id:
            return
        self.move_busy, self.move_error, self.move_outcome = True, "", ""
        yield
        booking_id = self.detail.row.id
        outcome = await self._as_builder(data.move_booking, booking_id, self.move_start, self.move_message, _now())
        if outcome.sign_in is not None:
            self.move_busy = False
            yield outcome.sign_in
            return
        if not outcome.ok:
            # Whatever went wrong (most often the time was taken meanwhile), show the free times
            # as they are now and let the builder choose again.
            self.move_busy, self.move_error, self.move_start = False, outcome.message, ""
            await self._load_move_days()
            return
        actor = await self._actor_id()
        self.detail = await asyncio.to_thread(data.booking_detail, actor_user_id=actor, booking_id=booking_id,
                                                  hour12=self.hour12,
                                              now=_now())
        self.move_outcome = (f"Moved to {self.detail.row.when}. The customer gets an e-mail with the updated "
                             "invitation.")
        self._reset_move()
        await self._load_move_days()
        await self._refresh(actor)
        yield rx.toast.success("Booking moved")

    @rx.event
    @checked(attendance=text(20))
    async def mark_attendance(self, attendance: str):
        """"Completed" / "No-show" on the open booking, once it has started."""
        if not self.detail.row.id or attendance not in ATTENDANCE_CHOICES:
            return None
        actor = await self._actor_id()
        if actor is None:
            return self._to_sign_in()
        booking_id = self.detail.row.id
        try:
            await asyncio.to_thread(mark_attendance, actor_user_id=actor, booking_id=booking_id,
                                    attendance=attendance, now=_now())
            self.detail = await asyncio.to_thread(data.booking_detail, actor_user_id=actor, booking_id=booking_id,
                                                  hour12=self.hour12,
                                                  now=_now())
        except DomainError as exc:
            self.cancel_outcome = exc.message
            return None
        await self._refresh(actor)
        return rx.toast.success("Marked " + ATTENDANCE_CHOICES[attendance] + ".")

    @rx.event
    @checked(reason=text(500))
    def set_cancel_reason(self, reason: str):
        self.cancel_reason = reason[:500]

    @rx.event
    @checked()
    def set_detail_open(self, is_open: bool):
        self.detail_open = is_open

    @rx.event
    @checked()
    async def cancel_and_refund(self):
        """Cancel the open booking as its builder; the customer is refunded in full."""
        if self.cancel_busy or not self.detail.row.id:
            return
        self.cancel_busy, self.cancel_outcome = True, ""
        yield
        actor = await self._actor_id()
        if actor is None:
            self.cancel_busy = False
            yield self._to_sign_in()
            return
        booking_id, quoted = self.detail.row.id, self.detail.refund_on_cancel
        try:
            result = await asyncio.to_thread(cancel_as_builder, actor_user_id=actor, booking_id=booking_id,
                                             now=_now(), reason=self.cancel_reason)
        except DomainError as exc:
            self.cancel_busy, self.cancel_outcome = False, exc.message
            return
        self.detail = await asyncio.to_thread(data.booking_detail, actor_user_id=actor, booking_id=booking_id,
                                                  hour12=self.hour12,
                                              now=_now())
        if not result.refund_amount:
            self.cancel_outcome = "Cancelled. Nothing had been paid, so nothing is refunded."
        elif self.detail.refund_pending:
            self.cancel_outcome = (f"Cancelled. The full refund of {quoted} is on its way to the customer; "
                                   "the timeline below shows when Stripe has completed it.")
        else:
            self.cancel_outcome = f"Cancelled. The customer has been refunded {quoted} in full."
        self.cancel_busy = False
        await self._refresh(actor)
        yield rx.toast.success("Booking cancelled")
        if self.detail.refund_pending:
            yield DashboardState.watch_refund

    @rx.event(background=True)
    @checked()
    async def watch_refund(self):
        """While the open booking's refund is on its way, refresh its details (timeline, money
        rows) and the list every few seconds, so the builder sees Stripe complete it."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            for _ in range(WATCH_LIMIT):
                await asyncio.sleep(WATCH_SECONDS)
                async with self:
                    if not (self.detail_open and self.detail.refund_pending):
                        break
                    booking_id, hour12 = self.detail.row.id, self.hour12
                    actor = await self._actor_id()
                if actor is None:
                    break
                try:
                    detail = await asyncio.to_thread(data.booking_detail, actor_user_id=actor, hour12=hour12,
                                                     booking_id=booking_id, now=_now())
                except DomainError:
                    break
                async with self:
                    if not self.detail_open or self.detail.row.id != booking_id:
                        continue  # another booking was opened meanwhile: watch that one
                    self.detail = detail
                    if not detail.refund_pending:
                        if self.cancel_outcome and detail.refund_attention:
                            self.cancel_outcome = ("Cancelled, but Stripe did not make the refund of "
                                                   f"{detail.refund_attention}: it needs your attention (see the "
                                                   "timeline).")
                        elif self.cancel_outcome:
                            self.cancel_outcome = f"Cancelled. The customer has been refunded {detail.refunded}."
                        await self._refresh(actor)
        finally:
            async with self:
                self._watching = False


# -- view -----------------------------------------------------------------------------------

STATUS_COLORS = {"confirmed": "green", "pending_payment": "amber", "cancelled": "gray", "expired": "gray"}
PAYMENT_COLORS = {"paid": "green", "refunded": "blue", "partially_refunded": "blue", "open": "amber",
                  "processing": "amber", "failed": "red", "expired": "gray", "free": "gray", "none": "gray"}


def _badge(value, colors: dict[str, str]) -> rx.Component:
    return rx.badge(value.replace("_", " "), color_scheme=rx.match(value, *colors.items(), "gray"), variant="soft")


def _attendance_badge(attendance) -> rx.Component:
    return rx.match(attendance,
                    ("completed", rx.badge("completed", color_scheme="green", variant="outline")),
                    ("no_show", rx.badge("no-show", color_scheme="orange", variant="outline")),
                    rx.fragment())


def _attendance_control() -> rx.Component:
    """After the start: did the session take place?"""
    s = DashboardState
    d = s.detail
    return rx.hstack(
        rx.text("Did it take place?", size="2", weight="medium"),
        rx.button(rx.icon("circle-check", size=14), "Completed", size="1", type="button",
                  variant=rx.cond(d.row.attendance == "completed", "solid", "soft"), color_scheme="green",
                  aria_pressed=rx.cond(d.row.attendance == "completed", "true", "false"),
                  on_click=s.mark_attendance("completed")),
        rx.button(rx.icon("user-x", size=14), "No-show", size="1", type="button",
                  variant=rx.cond(d.row.attendance == "no_show", "solid", "soft"), color_scheme="orange",
                  aria_pressed=rx.cond(d.row.attendance == "no_show", "true", "false"),
                  on_click=s.mark_attendance("no_show")),
        align="center", spacing="2", wrap="wrap", id="attendance-control",
    )


def _summary_card(label: str, value, icon: str) -> rx.Component:
    # The label wraps and the figure may shrink: a phone shows two tiles a row, neither clipped.
    return rx.card(
        rx.hstack(
            rx.center(rx.icon(icon, size=18), width="36px", height="36px", border_radius="10px",
                      background=rx.color("accent", 3), color=rx.color("accent", 11), flex_shrink="0",
                      display=rx.breakpoints(initial="none", sm="flex")),
            rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                      rx.text(value, size=rx.breakpoints(initial="4", sm="5"), weight="bold", white_space="nowrap",
                              custom_attrs={"data-tile-value": ""}),
                      spacing="0", min_width="0"),
            align="center", spacing="3", min_width="0",
        ),
        size="2", min_width="0",
    )


def _revenue() -> rx.Component:
    s = DashboardState
    return rx.vstack(
        rx.grid(
            _summary_card("Taken this month (gross)", s.revenue.this_month, "wallet"),
            _summary_card("Taken, 30 days (gross)", s.revenue.last_30_days, "trending-up"),
            _summary_card("Refunds, 30 days", s.revenue.refunds_30_days, "undo-2"),
            _summary_card("Bookings, 30 days", s.revenue.bookings_30_days.to_string(), "calendar-check"),
            _summary_card("Completed, 30 days", s.revenue.completed_30_days.to_string(), "circle-check"),
            _summary_card("No-shows, 30 days", s.revenue.no_shows_30_days.to_string(), "user-x"),
            # Three a row on a wide screen: six would clip a busy builder's figures.
            columns=rx.breakpoints(initial="2", md="3"), spacing="3", width="100%",
            id="revenue-tiles",
        ),
        rx.card(
            rx.vstack(
                rx.text("Net revenue per day, after refunds, last 30 days (" + s.revenue.currency + ")", size="2",
                        weight="medium"),
                rx.recharts.bar_chart(
                    rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
                    rx.recharts.x_axis(data_key="day", interval="preserveStartEnd", tick_line=False),
                    rx.recharts.y_axis(width=48, tick_line=False),
                    rx.recharts.graphing_tooltip(),
                    rx.recharts.bar(data_key="net", name="Net revenue", fill=rx.color("accent", 9), radius=3),
                    data=s.chart_data, width="100%", height=220,
                ),
                spacing="2", width="100%",
            ),
            size="2", width="100%",
        ),
        spacing="3", width="100%",
    )


def _table(rows) -> rx.Component:
    def row(booking) -> rx.Component:
        return rx.table.row(
            rx.table.cell(rx.vstack(rx.text(booking.customer, weight="medium"),
                                    rx.text(booking.email, size="1", color_scheme="gray"), spacing="0")),
            rx.table.cell(booking.session_type),
            rx.table.cell(booking.when),
            rx.table.cell(rx.hstack(_badge(booking.status, STATUS_COLORS), _attendance_badge(booking.attendance),
                                    spacing="1", wrap="wrap")),
            rx.table.cell(_badge(booking.payment_status, PAYMENT_COLORS)),
            rx.table.cell(booking.amount),
            rx.table.cell(rx.code(booking.reference, size="1", variant="ghost")),
            rx.table.cell(rx.button("Details", size="1", variant="soft", on_click=DashboardState.open_detail(booking.id),
                                    aria_label="Details of the booking by " + booking.customer,
                                    custom_attrs={"data-details-for": booking.id})),
        )

    return rx.table.root(
        rx.table.header(rx.table.row(*(rx.table.column_header_cell(h) for h in (
            "Customer", "Session", "When (your time)", "Booking", "Payment", "Amount", "Stripe reference")),
            # The details buttons' column: named for screen readers (axe empty-table-header).
            rx.table.column_header_cell(rx.el.span("Details", class_name="visually-hidden")))),
        rx.table.body(rx.foreach(rows, row)),
        variant="surface", size="2", width="100%",
    )


def _cards(rows) -> rx.Component:
    """The same rows as cards, for phones."""
    def card(booking) -> rx.Component:
        return rx.card(
            rx.vstack(
                rx.hstack(rx.text(booking.customer, weight="bold"), rx.text(booking.amount, weight="medium"),
                          justify="between", width="100%"),
                rx.text(booking.session_type + " · " + booking.when, size="2", color_scheme="gray"),
                rx.hstack(_badge(booking.status, STATUS_COLORS), _attendance_badge(booking.attendance),
                          _badge(booking.payment_status, PAYMENT_COLORS), rx.spacer(),
                          rx.button("Details", size="1", variant="soft", on_click=DashboardState.open_detail(booking.id),
                                    aria_label="Details of the booking by " + booking.customer,
                                    custom_attrs={"data-details-for": booking.id}),
                          width="100%", align="center"),
                spacing="2", width="100%",
            ),
            size="2", width="100%",
        )

    return rx.vstack(rx.foreach(rows, card), spacing="2", width="100%")


def _bookings() -> rx.Component:
    s = DashboardState
    # The tabs' panels hold the list (each trigger's aria-controls names a panel that exists).
    return rx.tabs.root(rx.vstack(
        rx.flex(
            rx.tabs.list(rx.tabs.trigger("Upcoming", value="upcoming"), rx.tabs.trigger("Past", value="past"),
                         rx.tabs.trigger("Cancelled", value="cancelled")),
            rx.el.label("Search by customer", html_for="booking-search", class_name="visually-hidden"),
            rx.input(rx.input.slot(rx.icon("search", size=16)), id="booking-search",
                     placeholder="Name or e-mail", value=s.search,
                     on_change=s.set_search.debounce(250), width=rx.breakpoints(initial="100%", sm="280px")),
            justify="between", align="center", wrap="wrap", gap="0.75rem", width="100%",
        ),
        *(rx.tabs.content(_booking_list(), value=tab, width="100%") for tab in ("upcoming", "past", "cancelled")),
        spacing="3", width="100%",
    ), value=s.tab, on_change=s.set_tab, width="100%")


def _booking_list() -> rx.Component:
    s = DashboardState
    return rx.vstack(
        error_callout(s.error),
        rx.cond(
            s.total == 0,
            rx.callout(rx.cond(s.search != "", "No bookings match this search.",
                               rx.match(s.tab, ("upcoming", "No upcoming bookings yet. Share your booking page!"),
                                        ("past", "No past bookings yet."), "No cancelled bookings.")),
                       icon="calendar", color_scheme="gray", width="100%"),
            rx.box(
                rx.box(_table(s.rows), display=rx.breakpoints(initial="none", md="block"), width="100%"),
                rx.box(_cards(s.rows), display=rx.breakpoints(initial="block", md="none"), width="100%"),
                width="100%",
            ),
        ),
        rx.hstack(
            rx.text(s.total.to_string() + rx.cond(s.total == 1, " booking", " bookings") + " · page " + s.page.to_string() + " of " + s.pages.to_string(),
                    size="2", color_scheme="gray"),
            rx.hstack(
                rx.button("Previous", size="1", variant="soft", disabled=s.page <= 1,
                          on_click=DashboardState.go_to_page(s.page - 1)),
                rx.button("Next", size="1", variant="soft", disabled=s.page >= s.pages,
                          on_click=DashboardState.go_to_page(s.page + 1)),
                spacing="2",
            ),
            justify="between", align="center", width="100%",
        ),
        spacing="3", width="100%",
    )


def _row(label: str, value) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="9rem"), rx.data_list.value(value))


# The dialog opens from a list, not from a trigger: on close, give the focus back to the
# Details button of the booking that was open (the visible one, table or card), as a trigger would.
def _focus_details_button(booking_id) -> rx.event.EventSpec:
    return rx.call_script(
        "[...document.querySelectorAll('[data-details-for=\"" + booking_id.to_string() + "\"]')]"
        ".find((button) => button.offsetParent !== null)?.focus()"
    ).prevent_default


def _detail_dialog() -> rx.Component:
    s = DashboardState
    d = s.detail
    wrap = {"overflow_wrap": "anywhere"}
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(d.row.session_type + " with " + d.row.customer, **wrap),
            rx.dialog.description("Booking details", class_name="visually-hidden"),
            rx.vstack(
                rx.cond(s.cancel_outcome != "",
                        rx.callout(s.cancel_outcome, icon="info", color_scheme="blue", role="status", width="100%")),

                rx.data_list.root(
                    _row("When (your time)", d.row.when),
                    _row("Customer's time", d.when_customer),
                    _row("Customer", rx.vstack(rx.text(d.row.customer), rx.text(d.row.email, color_scheme="gray"),
                                               spacing="0", **wrap)),
                    _row("Booking", _badge(d.row.status, STATUS_COLORS)),
                    _row("Payment", _badge(d.row.payment_status, PAYMENT_COLORS)),
                    _row("Price", d.row.amount),
                    rx.cond(d.has_money, _row("Paid (not refunded)", d.paid)),
                    rx.cond(d.has_money, _row("Refunded", d.refunded)),
                    rx.cond(d.refund_pending != "",
                            _row("Refund on its way", rx.hstack(rx.spinner(size="1"), rx.text(d.refund_pending),
                                                                align="center", spacing="2",
                                                                id="detail-refund-pending"))),
                    rx.cond(d.refund_attention != "",
                            _row("Refund failed", rx.text(d.refund_attention, " — needs your attention (see the "
                                                          "timeline)", color_scheme="red", weight="medium",
                                                          id="detail-refund-attention"))),
                    rx.cond(d.row.reference != "", _row("Stripe reference", rx.code(d.row.reference, size="1", **wrap))),
                    rx.cond(d.location != "", _row("Where", rx.text(d.location, **wrap))),
                    rx.cond(d.phone != "", _row("Phone", rx.link(d.phone, href="tel:" + d.phone))),
                    rx.foreach(d.answers, lambda pair: _row(pair[0], rx.text(pair[1], white_space="pre-line",
                                                                             **wrap))),
                    rx.cond(d.notes != "", _row("Notes", rx.text(d.notes, **wrap))),
                    rx.cond(d.cancellation_reason != "", _row("Cancellation", rx.text(d.cancellation_reason, **wrap))),
                    orientation=rx.breakpoints(initial="vertical", sm="horizontal"), size="2", width="100%",
                ),
                rx.cond(d.can_mark_attendance, _attendance_control()),
                rx.cond(d.can_reschedule, _reschedule_control()),
                _timeline(),
                spacing="4", width="100%",
            ),
            # The actions stay in sight at the bottom while a long timeline scrolls under them.
            rx.hstack(
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                rx.cond(d.can_cancel, _cancel_confirmation()),
                justify="end", spacing="3",
                position="sticky", bottom="calc(-1 * var(--dialog-content-padding))", z_index="1",
                margin="var(--space-4) calc(-1 * var(--dialog-content-padding)) "
                       "calc(-1 * var(--dialog-content-padding))",
                padding="var(--space-3) var(--dialog-content-padding)",
                background="var(--color-panel-solid)", border_top=f"1px solid {rx.color('gray', 5)}",
            ),
            max_width="560px",
            max_height="calc(100dvh - 2 * max(var(--space-6), 6vh))",
            on_close_auto_focus=_focus_details_button(d.row.id),
        ),
        open=s.detail_open,
        on_open_change=s.set_detail_open,
    )


def _reschedule_control() -> rx.Component:
    """Move the open booking: a date, one of that day's free times, an optional message."""
    s = DashboardState
    return rx.card(
        rx.vstack(
            rx.heading("Reschedule", as_="h2", size="3", id="reschedule-heading"),
            rx.cond(s.move_outcome != "",
                    rx.callout(s.move_outcome, icon="calendar-check", color_scheme="green", role="status",
                               width="100%", id="move-outcome")),
            rx.cond(
                s.move_first_day == "",
                rx.text("No free times to move this booking to in the coming weeks.", size="2", color_scheme="gray"),
                rx.vstack(
                    rx.flex(
                        rx.vstack(
                            rx.el.label(rx.text("New date", size="2", weight="medium"), html_for="move-date"),
                            rx.input(id="move-date", type="date", value=s.move_date, on_change=s.set_move_date,
                                     min=s.move_first_day, max=s.move_last_day, width="100%"),
                            spacing="1", flex="1", min_width="10rem",
                        ),
                        rx.vstack(
                            rx.el.label(rx.text("Free time (your time)", size="2", weight="medium"),
                                        html_for="move-time"),
                            rx.select.root(
                                rx.select.trigger(id="move-time", width="100%",
                                                  placeholder=rx.cond(s.move_day_slots.length() > 0, "Pick a time",
                                                                      "No free times that day")),
                                rx.select.content(rx.foreach(
                                    s.move_day_slots,
                                    lambda slot: rx.select.item(rx.cond(s.hour12, slot.time_12h, slot.time_24h),
                                                               value=slot.start),
                                )),
                                value=s.move_start, on_change=s.set_move_start,
                                disabled=s.move_day_slots.length() == 0,
                            ),
                            spacing="1", flex="1", min_width="10rem",
                        ),
                        gap="0.75rem", wrap="wrap", width="100%",
                    ),
                    rx.vstack(
                        rx.el.label(rx.text("Message to the customer (optional)", size="2", weight="medium"),
                                    html_for="move-message"),
                        rx.text_area(id="move-message", value=s.move_message, on_change=s.set_move_message,
                                     max_length=500, rows="2", resize="vertical", width="100%"),
                        spacing="1", width="100%",
                    ),
                    error_callout(s.move_error),
                    rx.button(rx.icon("calendar-clock", size=16), "Move booking", on_click=s.move_booking,
                              loading=s.move_busy, disabled=(s.move_start == "") | s.move_busy),
                    spacing="3", width="100%",
                ),
            ),
            spacing="3", width="100%",
        ),
        size="2", width="100%", aria_labelledby="reschedule-heading",
    )


def _timeline_entry(item) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.box(width="10px", height="10px", border_radius="50%", background=rx.color(item.tone, 9),
                   margin_top="6px", flex_shrink="0", aria_hidden="true"),
            rx.vstack(
                rx.text(item.title, weight="medium", size="2"),
                rx.text(item.when, size="1", color_scheme="gray"),
                rx.cond(item.detail != "", rx.text(item.detail, size="1", color_scheme="gray",
                                                   overflow_wrap="anywhere")),
                spacing="0", min_width="0",
            ),
            spacing="2", align="start",
        ),
        class_name="timeline-entry",
    )


def _timeline() -> rx.Component:
    """What happened to the booking, oldest first (booking events)."""
    d = DashboardState.detail
    return rx.cond(
        d.timeline.length() > 0,
        rx.vstack(
            rx.hstack(
                rx.heading("Timeline", as_="h2", size="3", id="booking-timeline-heading"),
                rx.text("times in " + d.builder_timezone, size="1", color_scheme="gray"),
                align="baseline", spacing="2", wrap="wrap",
            ),
            rx.el.ol(rx.foreach(d.timeline, _timeline_entry), id="booking-timeline",
                     aria_labelledby="booking-timeline-heading",
                     style={"listStyle": "none", "padding": 0, "margin": 0, "display": "grid", "gap": "10px"}),
            spacing="2", width="100%",
        ),
    )


def _cancel_confirmation() -> rx.Component:
    s = DashboardState
    refund = rx.cond(s.detail.refund_on_cancel != "",
                     "The customer will be refunded " + s.detail.refund_on_cancel + " in full.",
                     "Nothing has been paid, so there is nothing to refund.")
    # Nothing to refund (a free session, an unpaid hold): the button says what it does.
    cancel_label = rx.cond(s.detail.refund_on_cancel != "", "Cancel and refund", "Cancel booking")
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(cancel_label, color_scheme="red", loading=s.cancel_busy)),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Cancel this booking?"),
            rx.alert_dialog.description(refund, " The customer's time slot is released. This cannot be undone."),
            rx.vstack(
                rx.el.label(rx.text("Reason for the customer (optional)", size="2", weight="medium"),
                            html_for="cancel-reason"),
                rx.text_area(id="cancel-reason", value=s.cancel_reason, on_change=s.set_cancel_reason,
                             max_length=500, rows="3", resize="vertical", width="100%",
                             aria_describedby="cancel-reason-hint"),
                rx.text("Shown to the customer on their booking page.", size="1", color_scheme="gray",
                        id="cancel-reason-hint"),
                spacing="1", width="100%", margin_top="0.75rem",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep booking", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(cancel_label, color_scheme="red",
                                                 on_click=DashboardState.cancel_and_refund)),
                justify="end", spacing="3", margin_top="1rem", wrap="wrap",
            ),
        ),
    )


def dashboard_page() -> rx.Component:
    return dashboard_shell("/dashboard/", "Bookings", _revenue(), _bookings(), _detail_dialog())


def register(app: rx.App) -> None:
    app.add_page(dashboard_page, route=ROUTE, title="Dashboard", on_load=DashboardState.load)
