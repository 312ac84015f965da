"""``/booking/[token]``: the customer's private confirmation and manage page.

It is Stripe's ``success_url``: on load it fulfils the returning Checkout Session (the webhook
may not have arrived yet), then keeps itself up to date while a payment is processing.
Everything is rebuilt from the token, so the link works in any tab, any day.
"""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from booking_app.components.layout import page_shell
from booking_app.components.skeleton import page_skeleton
from booking_app.errors import DomainError
from booking_app.pages import booking_snapshot
from booking_app.pages.navigation import go_to_checkout
from booking_app.state.checked import checked, text

log = logging.getLogger(__name__)
ROUTE = "/booking/[token]"
POLL_SECONDS = 2
# The 12/24-hour choice the customer made in the wizard (kept by the browser), else the browser's habit.
CLOCK_PREFERENCE = (
    "(() => { let chosen = null; try { chosen = localStorage.getItem('makerhours.clock'); } catch (e) {}"
    " return chosen ? chosen === '12h'"
    " : Intl.DateTimeFormat(undefined, {hour: 'numeric'}).resolvedOptions().hour12 === true; })()"
)
POLL_LIMIT = 300  # ten minutes of live updates, then a reload button is enough


class BookingPageState(rx.State):
    found: bool = True
    loaded: bool = False
    status: str = ""
    payment_status: str = ""
    title: str = ""
    rebook_url: str = ""
    when_customer: str = ""
    when_builder: str = ""
    zones_differ: bool = False
    amount_display: str = ""
    refunded_display: str = ""
    refund_pending_display: str = ""
    refund_attention_display: str = ""
    can_cancel: bool = False
    cancel_refusal: str = ""
    can_reschedule: bool = False
    reschedule_refusal: str = ""
    reschedule_url: str = ""
    refund_now_display: str = ""
    refund_percent: int = 0
    refund_rate_until: str = ""
    cancellation_policy: str = ""
    location: str = ""
    location_url: str = ""
    answers: list[list[str]] = []
    is_free: bool = False
    failure: str = ""
    cancellation_reason: str = ""
    cancelled_by: str = ""
    builder_name: str = ""
    ics_url: str = ""
    google_url: str = ""
    busy: bool = False
    error_message: str = ""
    cancel_reason: str = ""
    hour12: bool = False  # the customer's clock: their choice in the wizard, else their browser's
    _polling: bool = False

    @rx.var
    def waiting_for_payment(self) -> bool:
        """An open or processing payment: the page keeps itself up to date."""
        return self.status == "pending_payment" and self.payment_status != "failed"

    @rx.var
    def keeps_updating(self) -> bool:
        """A payment still settling, or a refund on its way: the page refreshes itself."""
        return self.waiting_for_payment or self.refund_pending_display != ""

    def _apply(self, snapshot: dict | None) -> None:
        self.loaded = True
        self.found = snapshot is not None
        for key, value in (snapshot or {}).items():
            setattr(self, key, value)

    @rx.event
    @checked()
    async def load(self):
        token = self.token
        session_id = self.router.url.query_parameters.get("session_id")
        self._apply(await asyncio.to_thread(booking_snapshot.load_snapshot, token, session_id, hour12=self.hour12))
        events = [rx.call_script(CLOCK_PREFERENCE, callback=BookingPageState.clock_preference)]
        if self.keeps_updating and not self._polling:
            events.append(BookingPageState.poll)
        return events

    @rx.event
    @checked()
    async def clock_preference(self, hour12: bool):
        """Callback of ``CLOCK_PREFERENCE``: show the times on that clock (read again if it changed)."""
        if hour12 is self.hour12 or not self.found:
            return
        self.hour12 = hour12
        self._apply(await asyncio.to_thread(booking_snapshot.load_snapshot, self.token, hour12=hour12))

    @rx.event(background=True)
    @checked()
    async def poll(self):
        """Refresh while the payment is open or processing, or a refund is on its way, until it settles."""
        async with self:
            if self._polling:
                return
            self._polling = True
            token = self.token
        try:
            for _ in range(POLL_LIMIT):
                await asyncio.sleep(POLL_SECONDS)
                snapshot = await asyncio.to_thread(booking_snapshot.load_snapshot, token, hour12=self.hour12)
                async with self:
                    self._apply(snapshot)
                    if not self.keeps_updating:
                        break
        finally:
            async with self:
                self._polling = False

    @rx.event
    @checked()
    async def cancel(self):
        self.busy, self.error_message = True, ""
        yield
        token = self.token
        try:
            message = await asyncio.to_thread(booking_snapshot.cancel, token, self.cancel_reason)
        except DomainError as exc:
            self.busy, self.error_message = False, exc.message
            return
        self._apply(await asyncio.to_thread(booking_snapshot.load_snapshot, token))
        self.busy = False
        yield rx.toast.success(message)
        if self.keeps_updating and not self._polling:
            yield BookingPageState.poll

    @rx.event
    @checked(value=text(500))
    def set_cancel_reason(self, value: str):
        self.cancel_reason = value[:500]

    @rx.event
    @checked()
    async def choose_another_time(self):
        """Give up this hold (its time is released at once) and pick a new time in the wizard."""
        self.busy, self.error_message = True, ""
        yield
        try:
            await asyncio.to_thread(booking_snapshot.release, self.token)
        except DomainError as exc:
            log.info("releasing hold %s… before rebooking: %s", self.token[:6], exc.message)  # already gone: fine
        self.busy = False
        yield rx.redirect(self.rebook_url)

    @rx.event
    @checked()
    async def pay_again(self):
        self.busy, self.error_message = True, ""
        yield
        token = self.token
        try:
            url = await asyncio.to_thread(booking_snapshot.retry_checkout, token)
        except DomainError as exc:
            self.busy, self.error_message = False, exc.message
            return
        yield go_to_checkout(url)


def _row(label: str, value) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def _details() -> rx.Component:
    s = BookingPageState
    return rx.data_list.root(
        _row("Session", s.title),
        _row("When (your time)", s.when_customer),
        rx.cond(s.zones_differ, _row("Builder's time", s.when_builder)),
        rx.cond(s.location != "", _row("Where", rx.cond(
            s.location_url != "",
            rx.vstack(rx.text("Video call"), rx.link(s.location_url, href=s.location_url, is_external=True,
                                                     overflow_wrap="anywhere"), spacing="1"),
            rx.text(s.location, overflow_wrap="anywhere", white_space="pre-line"),
        ))),
        _row("Price", s.amount_display),
        rx.cond(s.refund_rate_until != "",
                _row("If you cancel", rx.text(
                    s.refund_now_display + " back until " + s.refund_rate_until, id="refund-until"))),
        rx.foreach(s.answers, lambda pair: _row(pair[0], rx.text(pair[1], white_space="pre-line",
                                                                 overflow_wrap="anywhere"))),
        rx.cond(s.refunded_display != "", _row("Refunded", s.refunded_display)),
        rx.cond(s.refund_pending_display != "",
                _row("Refund", rx.hstack(
                    rx.spinner(size="1", margin_top="4px", flex_shrink="0"),
                    rx.text(s.refund_pending_display, " on its way — sent to your original payment method. "
                            "This page updates by itself when it is done."),
                    align="start", spacing="2", id="refund-pending",
                ))),
        rx.cond(s.refund_attention_display != "",
                _row("Refund", rx.text(s.refund_attention_display, " is delayed; the builder has been told and will "
                                       "sort it out with you", color_scheme="amber", weight="medium",
                                       id="refund-attention"))),
        orientation={"initial": "vertical", "sm": "horizontal"},
        size="2",
    )


def _refund_announcement() -> rx.Component:
    """Tells screen readers when the refund on its way is done (the page updates by itself)."""
    s = BookingPageState
    return rx.el.p(
        rx.cond(s.refund_pending_display != "", "Your refund of " + s.refund_pending_display + " is on its way.",
                rx.cond((s.status == "cancelled") & (s.refunded_display != ""),
                        "Your refund of " + s.refunded_display + " is complete.", "")),
        role="status", class_name="visually-hidden",
    )


def _cancellation_note() -> rx.Component:
    """Who cancelled, and the builder's message to the customer if they left one."""
    s = BookingPageState
    return rx.cond(
        (s.cancelled_by == "builder") & (s.cancellation_reason != ""),
        rx.vstack(
            rx.text("Message from " + s.builder_name, size="1", color_scheme="gray", weight="medium"),
            rx.blockquote(s.cancellation_reason, size="2", overflow_wrap="anywhere", white_space="pre-line"),
            spacing="1", width="100%", id="cancellation-message",
        ),
    )


def _headline(icon: str, color: str, title, text) -> rx.Component:
    return rx.hstack(
        rx.center(rx.icon(icon, size=22), width="44px", height="44px", border_radius="50%",
                  background=rx.color(color, 3), color=rx.color(color, 11), flex_shrink="0"),
        rx.vstack(rx.heading(title, as_="h1", size="6"), rx.text(text, color_scheme="gray", size="2"), spacing="1"),
        align="center",
        spacing="3",
    )


def _status_header() -> rx.Component:
    s = BookingPageState
    return rx.match(
        s.status,
        ("confirmed", _headline("circle-check", "green", "You're booked",
                                "A confirmation of your session. Keep this link to manage it.")),
        ("pending_payment", rx.match(
            s.payment_status,
            ("processing", _headline("hourglass", "amber", "Payment processing",
                                     "Your bank transfer is on its way. This page updates by itself when it arrives.")),
            ("failed", _headline("circle-x", "red", "Payment failed",
                                 s.failure + " Your time is still held for a little while: you can try again.")),
            _headline("loader", "blue", "Confirming your payment…",
                      "This takes a few seconds. If you left checkout without paying, you can pay below."),
        )),
        ("expired", rx.cond(
            s.payment_status == "failed",
            _headline("circle-x", "red", "Payment failed",
                      "The payment did not go through, so the time was released."),
            _headline("clock", "gray", "This reservation expired",
                      "It was not paid in time, so the time was released for others."),
        )),
        ("cancelled", _headline("calendar-x", "gray", "Booking cancelled", rx.match(
            s.cancelled_by,
            ("builder", s.builder_name + " cancelled this booking; its time is free again."),
            ("customer", "You cancelled this booking; its time is free again."),
            rx.cond(s.cancellation_reason != "", s.cancellation_reason,
                    "This booking was cancelled; its time is free again."),
        ))),
        _headline("info", "gray", "Booking", ""),
    )


def _actions() -> rx.Component:
    s = BookingPageState
    confirmed_actions = rx.vstack(
        rx.hstack(
            # Plain <a> elements: rx.el.a is a client-side router link, which would not download.
            # One control each: a link drawn as a button (not a button inside a link).
            rx.button(rx.el.elements.a(rx.icon("download", size=16), "Download .ics", href=s.ics_url,
                                       download="booking.ics"), as_child=True, variant="soft"),
            rx.button(rx.el.elements.a(rx.icon("calendar-plus", size=16), "Add to Google Calendar", href=s.google_url,
                                       target="_blank", rel="noopener"), as_child=True, variant="soft"),
            wrap="wrap",
            spacing="2",
        ),
        rx.text("Cancellation policy: " + s.cancellation_policy, size="2", color_scheme="gray",
                id="cancellation-policy"),
        rx.cond(s.can_reschedule,
                rx.button(rx.el.elements.a(rx.icon("calendar-clock", size=16), "Reschedule", href=s.reschedule_url,
                                           id="reschedule-link"), as_child=True, variant="soft"),
                rx.cond(s.reschedule_refusal != "",
                        rx.text(s.reschedule_refusal, size="2", id="reschedule-refusal"))),
        rx.cond(s.can_cancel, _cancel_dialog(), rx.text(s.cancel_refusal, size="2", id="cancel-refusal")),
        align="start",
        spacing="3",
    )
    return rx.match(
        s.status,
        ("confirmed", confirmed_actions),
        ("pending_payment", rx.match(
            s.payment_status,
            ("processing", rx.spinner(size="3")),
            ("failed", rx.hstack(
                rx.button("Try again", on_click=BookingPageState.pay_again, loading=s.busy, disabled=s.busy),
                rx.button("Choose another time", on_click=BookingPageState.choose_another_time, disabled=s.busy,
                          variant="soft", color_scheme="gray"),
                wrap="wrap", spacing="3",
            )),
            rx.button("Complete payment", on_click=BookingPageState.pay_again, loading=s.busy, disabled=s.busy),
        )),
        ("expired", rx.button(rx.el.elements.a("Choose another time", href=s.rebook_url), as_child=True)),
        ("cancelled", rx.button(rx.el.elements.a("Book again", href=s.rebook_url), as_child=True, variant="soft")),
        rx.fragment(),
    )


def _cancel_dialog() -> rx.Component:
    s = BookingPageState
    refund_text = rx.cond(
        s.refund_now_display != "",
        rx.cond(s.refund_percent == 100, "You will be refunded " + s.refund_now_display + " in full.",
                "You will be refunded " + s.refund_now_display + " (" + s.refund_percent.to_string()
                + " % under the cancellation policy)."),
        rx.cond(s.is_free, "Nothing was paid, so there is nothing to refund.",
                "Under the cancellation policy, no refund is due if you cancel now."),
    )
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Cancel booking", color_scheme="red", variant="outline")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Cancel this booking?"),
            rx.alert_dialog.description(refund_text),
            rx.el.label(rx.text("Reason for the builder (optional)", size="2", weight="medium"),
                        html_for="cancel-reason", style={"display": "block", "marginTop": "0.75rem"}),
            rx.text_area(id="cancel-reason", value=s.cancel_reason, on_change=s.set_cancel_reason, max_length=500,
                         width="100%", margin_top="0.25rem"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep booking", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Yes, cancel", color_scheme="red",
                                                 on_click=BookingPageState.cancel, loading=s.busy)),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
        ),
    )


def _not_found() -> rx.Component:
    return rx.card(
        rx.vstack(
            _headline("search-x", "gray", "Booking not found",
                      "This link does not match a booking. Check that you copied the whole link."),
            rx.link("Get the links to your bookings by e-mail", href="/bookings/find/"),
            rx.link("Go to the home page", href="/"),
            spacing="4",
        ),
        size="3",
    )


def booking_page() -> rx.Component:
    s = BookingPageState
    return page_shell(
        rx.box(
            rx.cond(
                ~s.loaded,
                page_skeleton(side=False),
                rx.cond(
                    s.found,
                    rx.card(
                        rx.vstack(
                            _status_header(),
                            _cancellation_note(),
                            rx.cond(s.error_message != "",
                                    rx.callout(s.error_message, icon="triangle-alert", color_scheme="red",
                                               role="alert", width="100%")),
                            rx.separator(size="4"),
                            _details(),
                            _refund_announcement(),
                            _actions(),
                            spacing="5",
                        ),
                        size="3",
                    ),
                    _not_found(),
                ),
            ),
            max_width="640px",
            margin_x="auto",
            padding_top="2rem",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(booking_page, route=ROUTE, title="Your booking", on_load=BookingPageState.load)
