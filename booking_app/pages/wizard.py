"""``/book/[builder]``: the booking wizard's layout. State and handlers: ``wizard_state``.

A side panel tells who and what is being booked; the main panel shows one step at a time
under a progress indicator. On a phone the two stack.
"""

from __future__ import annotations

import reflex as rx

from booking_app.components.avatar import builder_avatar
from booking_app.components.forms import error_callout, labelled_field
from booking_app.components.layout import page_shell
from booking_app.components.skeleton import page_skeleton
from booking_app.pages.wizard_state import STEPS
from booking_app.pages.wizard_state import WizardState as W

ROUTE = "/book/[builder]"
STEP_LABELS = (("type", "Session"), ("time", "Time"), ("details", "Details"), ("review", "Pay"))


# After a step change the focus would fall to <body>: move it to the new step's heading (read out
# by screen readers), or on the details step to the first empty field. Not on the page's first
# render: arriving on a page keeps the browser's own focus.
_FOCUS_STEP = """
(() => {
  if (!window.__makerhoursStepShown) { window.__makerhoursStepShown = true; return; }
  const empty = FIRST_EMPTY && ['name', 'email', 'phone'].map((id) => document.getElementById(id))
    .find((field) => field && field.value.trim() === '');
  (empty || document.getElementById('step-heading'))?.focus({preventScroll: false});
})()
"""


def _step_heading(key: str, title, *, first_empty_field: bool = False) -> rx.Component:
    """The step's h1; its own React key, so each step change mounts it afresh (and moves focus)."""
    script = _FOCUS_STEP.replace("FIRST_EMPTY", "true" if first_empty_field else "false")
    return rx.heading(title, as_="h1", size="6", id="step-heading", tab_index=-1, outline="none", key=key,
                      on_mount=rx.call_script(script))


def _notice(message) -> rx.Component:
    return rx.cond(message != "", rx.callout(message, icon="info", color_scheme="amber", role="alert", width="100%"))


def _avatar(size: str = "5") -> rx.Component:
    return builder_avatar(W.profile.photo_url, W.profile.initials, W.profile.name, size=size)


# -- progress -------------------------------------------------------------------------------


def _progress() -> rx.Component:
    def item(index: int, key: str, label: str) -> rx.Component:
        done = W.step_index > index
        current = W.step_index == index
        marker = rx.center(
            rx.cond(done, rx.icon("check", size=14), rx.text(str(index + 1), size="1", weight="bold")),
            width="24px", height="24px", border_radius="50%", flex_shrink="0",
            background=rx.cond(current | done, rx.color("accent", 9), rx.color("gray", 4)),
            color=rx.cond(current | done, "white", rx.color("gray", 11)),
        )
        content = rx.hstack(marker, rx.text(label, size="2", weight=rx.cond(current, "bold", "regular"),
                                             display=rx.breakpoints(initial=rx.cond(current, "block", "none"), sm="block")),
                            align="center", spacing="2")
        return rx.el.li(
            rx.cond(
                done,
                rx.el.button(content, on_click=W.go_to(key), aria_label=f"Back to step {index + 1}: {label}",
                             style={"background": "none", "border": "none", "padding": "0", "cursor": "pointer",
                                    "color": "inherit", "font": "inherit"}),
                content,
            ),
            aria_current=rx.cond(current, "step", None),
            style={"listStyle": "none", "display": "flex", "alignItems": "center", "gap": "0.5rem", "flex": "1"},
        )

    return rx.el.nav(
        rx.el.ol(*(item(i, key, label) for i, (key, label) in enumerate(STEP_LABELS)),
                 style={"display": "flex", "gap": "0.75rem", "padding": "0", "margin": "0"}),
        aria_label="Booking progress",
        width="100%",
    )


# -- side panel -----------------------------------------------------------------------------


def _side_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                _avatar("4"),
                rx.vstack(rx.text(W.profile.name, weight="bold", size="3"),
                          rx.text(W.profile.headline, size="2", color_scheme="gray"), spacing="0"),
                align="center", spacing="3",
            ),
            rx.cond(W.profile.bio != "", rx.text(W.profile.bio, size="2", white_space="pre-line",
                                                 id="builder-bio")),
            rx.cond(
                W.type_id != 0,
                rx.vstack(
                    rx.separator(size="4"),
                    rx.heading(W.chosen.title, as_="h2", size="4"),
                    rx.hstack(rx.icon("clock", size=16), rx.text(W.chosen.duration, size="2"),
                              align="center", spacing="2", color=rx.color("gray", 11)),
                    rx.hstack(rx.icon("wallet", size=16), rx.text(W.chosen.price, size="2"),
                              align="center", spacing="2", color=rx.color("gray", 11)),
                    rx.cond(W.when_customer != "",
                            rx.hstack(rx.icon("calendar", size=16, flex_shrink="0"), rx.text(W.when_customer, size="2"),
                                      align="start", spacing="2", color=rx.color("gray", 11))),
                    spacing="2", width="100%",
                ),
            ),
            spacing="3", width="100%",
        ),
        size="3",
        width="100%",
    )


# -- step 1 ---------------------------------------------------------------------------------


def _type_card(card) -> rx.Component:
    return rx.el.button(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading(card.title, as_="h2", size="4"),  # under the step's h1 (axe heading-order)
                    rx.badge(card.price, size="2", color_scheme=rx.cond(card.is_free, "green", "iris"),
                             variant="soft", flex_shrink="0"),
                    justify="between", align="start", width="100%", spacing="3",
                ),
                rx.text(card.description, size="2", color_scheme="gray", text_align="left"),
                rx.hstack(rx.icon("clock", size=14), rx.text(card.duration, size="1"),
                          rx.cond(card.location_label != "",
                                  rx.hstack(rx.icon("map-pin", size=14), rx.text(card.location_label, size="1"),
                                            align="center", spacing="1")),
                          align="center", spacing="3", color=rx.color("gray", 11)),
                spacing="2", align="start", width="100%",
            ),
            size="2",
            width="100%",
            class_name="choice-card",
        ),
        on_click=W.choose_type(card.id),
        aria_label=card.title + ", " + card.duration + ", " + card.price,
        style={"all": "unset", "display": "block", "width": "100%", "cursor": "pointer", "borderRadius": "12px"},
        class_name="choice-button",
    )


def _step_type() -> rx.Component:
    return rx.vstack(
        _step_heading("type", "Choose a session"),
        rx.cond(
            W.session_types.length() > 0,
            rx.vstack(rx.foreach(W.session_types, _type_card), spacing="3", width="100%"),
            rx.text("This builder has no sessions on offer right now.", color_scheme="gray"),
        ),
        spacing="4", width="100%",
    )


# -- reschedule mode ----------------------------------------------------------------------------


def _currently() -> rx.Component:
    return rx.cond(
        W.rescheduling,
        rx.callout(rx.text(rx.text.strong("Currently: "), W.current_when), icon="calendar-clock", color_scheme="gray",
                   width="100%", id="current-time"),
    )


def _step_move() -> rx.Component:
    """Reschedule mode's review: the old and the new time, and "Move booking"."""
    return rx.vstack(
        _step_heading("move", "Move your booking"),
        rx.data_list.root(
            _row("Session", W.chosen.title),
            _row("With", W.profile.name),
            _row("Currently", rx.text(W.current_when, text_decoration="line-through", color_scheme="gray")),
            _row("New time (your time)", rx.text(W.when_customer, weight="bold")),
            rx.cond(W.zones_differ, _row(W.profile.name + "'s time", W.when_builder)),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"), size="2",
        ),
        rx.text("Your payment, your booking link and your notes stay as they are; you and "
                + W.profile.name + " get an updated invitation by e-mail.", size="2", color_scheme="gray"),
        error_callout(W.pay_error),
        rx.button("Move booking", on_click=W.move_booking, loading=W.busy, disabled=W.busy, size="3", width="100%",
                  id="move-button"),
        rx.flex(
            rx.button(rx.icon("arrow-left", size=16), "Pick another time", variant="ghost", on_click=W.go_to("time")),
            rx.link(rx.button("Keep the current time", variant="ghost", color_scheme="gray"), href=W.booking_url,
                    reload_document=True),
            justify="between", wrap="wrap", gap="0.5rem", width="100%",
        ),
        spacing="4", width="100%",
    )


def _reschedule_progress() -> rx.Component:
    def item(index: int, key: str, label: str) -> rx.Component:
        active = W.step_index >= STEPS.index(key)
        current = W.step == key
        return rx.el.li(
            rx.hstack(
                rx.center(rx.text(str(index + 1), size="1", weight="bold"), width="24px", height="24px",
                          border_radius="50%", flex_shrink="0",
                          background=rx.cond(active, rx.color("accent", 9), rx.color("gray", 4)),
                          color=rx.cond(active, "white", rx.color("gray", 11))),
                rx.text(label, size="2", weight=rx.cond(current, "bold", "regular")),
                align="center", spacing="2",
            ),
            aria_current=rx.cond(current, "step", None),
            style={"listStyle": "none", "display": "flex", "alignItems": "center", "flex": "1"},
        )

    return rx.el.nav(
        rx.el.ol(item(0, "time", "New time"), item(1, "review", "Move"),
                 style={"display": "flex", "gap": "0.75rem", "padding": "0", "margin": "0"}),
        aria_label="Rescheduling progress", width="100%",
    )


# -- step 2 ---------------------------------------------------------------------------------


def _zone_picker() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(rx.icon("globe", size=16), W.timezone_label_shown, rx.icon("chevron-down", size=14),
                      variant="soft", color_scheme="gray", size="2", aria_label="Time zone: " + W.timezone_label,
                      max_width="100%", overflow="hidden"),
        ),
        rx.popover.content(
            rx.vstack(
                rx.el.label("Search time zones", html_for="zone-search", class_name="visually-hidden"),
                rx.input(placeholder="City, country, PST or GMT+5:30", value=W.zone_query, on_change=W.set_zone_query,
                         id="zone-search", auto_focus=True, width="100%"),
                rx.box(  # a plain scrolling box: the list's height follows its matches, up to 260 px
                    rx.vstack(
                        rx.foreach(
                            W.zone_matches,
                            lambda zone: rx.button(zone.label, on_click=W.choose_timezone(zone.name), variant="ghost",
                                                   size="2", width="100%", justify="start"),
                        ),
                        rx.cond(W.zone_matches.length() == 0, rx.text("No time zone matches.", size="2", color_scheme="gray")),
                        spacing="1", width="100%", padding_right="0.75rem",
                    ),
                    max_height="260px", overflow_y="auto", width="100%",
                ),
                spacing="2", width="100%",
            ),
            width="min(360px, 92vw)",
            aria_label="Choose your time zone",
        ),
        open=W.zone_picker_open,
        on_open_change=W.set_zone_picker_open,
    )


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _calendar() -> rx.Component:
    """The month as a WAI-ARIA date grid (APG date picker): one Tab stop (the selected day, else the
    month's first free day; roving tabindex), arrows / Home / End / Page Up / Page Down move the
    focus in the browser (``assets/calendar-grid.js``), Enter or Space picks the focused day, as a
    click does. Days without times stay focusable, announced as unavailable (``aria-disabled``)."""

    def cell(day) -> rx.Component:
        return rx.cond(
            day.iso != "",
            rx.el.td(
                day.label,
                on_click=W.pick_day(day.iso),
                tab_index=rx.cond(day.tab_stop, 0, -1),
                aria_label=day.aria,
                aria_selected=rx.cond(day.selected, "true", None),
                aria_disabled=rx.cond(day.available, None, "true"),
                custom_attrs={"data-date": day.iso},
                class_name="mh-day",
            ),
            rx.el.td(class_name="mh-pad"),
        )

    return rx.vstack(
        rx.hstack(
            rx.icon_button(rx.icon("chevron-left", size=18), on_click=W.show_month(-1), variant="ghost",
                           disabled=~W.can_go_back_a_month, aria_label="Previous month", id="calendar-previous"),
            rx.text(W.month_title, weight="bold", size="3", id="calendar-month", aria_live="polite"),
            rx.icon_button(rx.icon("chevron-right", size=18), on_click=W.show_month(1), variant="ghost",
                           disabled=~W.can_go_forward_a_month, aria_label="Next month", id="calendar-next"),
            justify="between", align="center", width="100%",
        ),
        rx.el.table(
            rx.el.thead(rx.el.tr(*(
                rx.el.th(rx.el.span(name[:2], aria_hidden="true"), rx.el.span(name, class_name="visually-hidden"),
                         scope="col")
                for name in WEEKDAYS))),
            rx.el.tbody(rx.foreach(W.calendar, lambda week: rx.el.tr(rx.foreach(week, cell)))),
            role="grid",
            aria_labelledby="calendar-month",
            id="calendar-grid",
            class_name="mh-grid",
            custom_attrs={"data-date-grid": "", "data-month": W.month},
        ),
        spacing="2", width="100%", max_width="360px",
    )


def _slot_button(slot) -> rx.Component:
    return rx.button(
        rx.vstack(
            rx.text(rx.cond(W.hour12, slot.time_12h, slot.time_24h), weight="bold", size="2"),
            rx.cond(slot.builder_differs,
                    rx.text(rx.cond(W.hour12, slot.builder_12h, slot.builder_24h) + " in " + W.builder_city,
                            size="1", weight="regular")),
            spacing="0", align="center",
        ),
        on_click=W.pick_slot(slot.start),
        variant=rx.cond(W.selected_start == slot.start, "solid", "outline"),
        size="3", width="100%", height="auto", padding_y="0.5rem",
    )


def _slots() -> rx.Component:
    return rx.vstack(
        rx.text(W.day_title, weight="bold", size="3"),
        rx.grid(rx.foreach(W.day_slots, _slot_button), columns=rx.breakpoints(initial="2", sm="3"),
                spacing="2", width="100%", role="group", aria_label="Times on " + W.day_title),
        spacing="2", width="100%", min_width="0", flex="1",
    )


def _step_time() -> rx.Component:
    return rx.vstack(
        _step_heading("time", rx.cond(W.rescheduling, "Pick a new time", "Pick a date and time")),
        _currently(),
        _notice(W.time_message),
        rx.flex(
            _zone_picker(),
            rx.segmented_control.root(
                rx.segmented_control.item("12h", value="12h"),
                rx.segmented_control.item("24h", value="24h"),
                value=rx.cond(W.hour12, "12h", "24h"), on_change=W.set_clock, size="1",
                aria_label="Clock format",
            ),
            gap="0.5rem", wrap="wrap", align="center", justify="between", width="100%",
        ),
        error_callout(W.slots_error),
        rx.cond(
            W.slots_loading & ~W.has_slots,
            rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
            rx.cond(
                W.has_slots,
                rx.flex(_calendar(), _slots(), direction=rx.breakpoints(initial="column", md="row"),
                        gap="1.5rem", width="100%", aria_busy=rx.cond(W.slots_loading, "true", "false"),
                        id="time-picker"),
                rx.callout("No free times in the coming weeks. Please check back later, or pick another session.",
                           icon="calendar-x", color_scheme="gray", width="100%"),
            ),
        ),
        rx.cond(
            W.rescheduling,
            rx.link(rx.button(rx.icon("arrow-left", size=16), "Keep the current time", variant="ghost"),
                    href=W.booking_url, reload_document=True),
            rx.button(rx.icon("arrow-left", size=16), "Back", variant="ghost", on_click=W.go_to("type")),
        ),
        spacing="4", width="100%",
    )


# -- step 3 ---------------------------------------------------------------------------------


def _question(question) -> rx.Component:
    """One of the session type's questions, with its inline error (ids: ``answer-<id>``)."""
    field_id = "answer-" + question.id
    error = W.answer_errors.get(question.id, "")
    value = W.answers.get(question.id, "")
    invalid = rx.cond(error != "", "true", "false")
    label = question.label + rx.cond(question.required, "", " (optional)")
    control = rx.match(
        question.kind,
        ("long_text", rx.text_area(id=field_id, value=value, rows="3", width="100%", aria_invalid=invalid,
                                   aria_describedby=field_id + "-error",
                                   on_change=lambda v: W.set_answer(question.id, v))),
        ("choice", rx.el.select(
            rx.el.option("Choose…", value=""),
            rx.foreach(question.choices, lambda choice: rx.el.option(choice, value=choice)),
            id=field_id, value=value, aria_invalid=invalid, aria_describedby=field_id + "-error",
            on_change=lambda v: W.set_answer(question.id, v), class_name="native-select",
            style={"width": "100%", "padding": "0.55rem", "borderRadius": "6px", "fontSize": "16px",
                   "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 1)})),
        rx.input(id=field_id, value=value, size="3", width="100%", aria_invalid=invalid,
                 aria_describedby=field_id + "-error", on_change=lambda v: W.set_answer(question.id, v)),
    )
    checkbox = rx.vstack(
        # The label beside the box, not around it: a label around a button-checkbox clicks it twice.
        rx.hstack(rx.checkbox(id=field_id, checked=value == "true", aria_invalid=invalid,
                              aria_describedby=field_id + "-error", margin_top="2px",
                              on_change=lambda v: W.set_answer(question.id, v)),
                  rx.el.label(rx.text(label, size="2"), html_for=field_id),
                  align="start", spacing="2"),
        rx.cond(error != "", rx.text(error, id=field_id + "-error", size="1", color=rx.color("red", 11),
                                     role="alert")),
        spacing="1", width="100%",
    )
    return rx.cond(question.kind == "checkbox", checkbox, labelled_field(label, field_id, control, error))



def _sign_in_first() -> rx.Component:
    """Members-only session types (issue 16): sign in before the details."""
    return rx.vstack(
        rx.heading("Sign in to book this session", as_="h1", size="6"),
        rx.text(W.chosen.title, " is for signed-in customers. Sign in with your e-mail address — we send you a "
                "code, no password — and come back here to finish booking.", size="3"),
        rx.hstack(
            rx.button(rx.icon("arrow-left", size=16), "Back", variant="ghost", on_click=W.go_to("time")),
            rx.link(rx.button("Sign in with e-mail", rx.icon("arrow-right", size=16), size="3"),
                    href=W.member_sign_in_url, id="wizard-sign-in"),
            justify="between", width="100%", align="center", wrap="wrap", spacing="3",
        ),
        spacing="4", width="100%", id="wizard-sign-in-step",
    )


def _step_details() -> rx.Component:
    return rx.cond(W.needs_sign_in, _sign_in_first(), _details_form())


def _details_form() -> rx.Component:
    email_input = rx.cond(
        W.chosen.requires_sign_in,
        rx.input(id="email", type="email", value=W.member_email, read_only=True, size="3", width="100%",
                 variant="soft", aria_describedby="email-error"),
        rx.input(id="email", type="email", value=W.email, on_change=W.set_email,
                 on_blur=W.check_email, auto_complete="email", size="3", width="100%",
                 aria_invalid=rx.cond(W.email_error != "", "true", "false"),
                 aria_describedby="email-error"),
    )
    return rx.vstack(
        _step_heading("details", "Your details", first_empty_field=True),
        labelled_field("Name", "name", rx.input(id="name", value=W.name, on_change=W.set_name, auto_complete="name",
                                        size="3", width="100%", aria_invalid=rx.cond(W.name_error != "", "true", "false"),
                                        aria_describedby="name-error"), W.name_error),
        labelled_field("E-mail", "email", email_input, W.email_error,
                       "Your confirmation and the link to manage the booking go here."),
        rx.cond(W.chosen.requires_sign_in,
                rx.text("Signed in as ", rx.text.strong(W.member_email), " — this booking is linked to your account.",
                        size="1", color_scheme="gray", id="wizard-member")),
        rx.cond(W.chosen.asks_phone,
                labelled_field("Phone number", "phone",
                               rx.input(id="phone", type="tel", value=W.phone, on_change=W.set_phone, auto_complete="tel",
                                        size="3", width="100%", aria_invalid=rx.cond(W.phone_error != "", "true", "false"),
                                        aria_describedby="phone-error"),
                               W.phone_error, "You will be called on this number at the time of the session.")),
        rx.foreach(W.chosen.questions, _question),
        labelled_field("Notes (optional)", "notes", rx.text_area(id="notes", value=W.notes, on_change=W.set_notes, rows="4",
                                                          width="100%", placeholder="What would you like to build or discuss?",
                                                          aria_describedby="notes-error"), W.notes_error),
        rx.hstack(
            rx.button(rx.icon("arrow-left", size=16), "Back", variant="ghost", on_click=W.go_to("time")),
            rx.button("Continue", rx.icon("arrow-right", size=16), on_click=W.continue_to_review, size="3"),
            justify="between", width="100%", align="center",
        ),
        spacing="4", width="100%",
    )


# -- step 4 ---------------------------------------------------------------------------------


def _row(label: str, value) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def _answer_row(question) -> rx.Component:
    """What the customer answered, as they will see it on the booking (unanswered: left out)."""
    value = W.answers.get(question.id, "")
    shown = rx.cond(question.kind == "checkbox", rx.cond(value == "true", "Yes", "No"), value)
    return rx.cond((value != "") | (question.kind == "checkbox"),
                   _row(question.label, rx.text(shown, white_space="pre-line", overflow_wrap="anywhere")))


def _step_review() -> rx.Component:
    return rx.vstack(
        _step_heading("review", "Review and pay"),
        rx.data_list.root(
            _row("Session", W.chosen.title),
            _row("With", W.profile.name),
            _row("When (your time)", W.when_customer),
            rx.cond(W.zones_differ, _row(W.profile.name + "'s time", W.when_builder)),
            _row("Name", W.name),
            _row("E-mail", W.email),
            rx.cond(W.chosen.asks_phone, _row("Phone", W.phone)),
            rx.cond(W.chosen.location_label != "", _row("Where", W.chosen.location_label)),
            rx.foreach(W.chosen.questions, _answer_row),
            _row("Price", W.chosen.price),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"), size="2",
        ),
        rx.text("Cancellation: " + W.chosen.cancellation_policy, size="2", color_scheme="gray",
                id="review-cancellation-policy"),
        error_callout(W.pay_error),
        rx.button(
            rx.cond(W.chosen.is_free, "Confirm booking", "Pay " + W.chosen.price),
            on_click=W.pay, loading=W.busy, disabled=W.busy, size="3", width="100%", id="pay-button",
        ),
        rx.cond(~W.chosen.is_free,
                rx.hstack(rx.icon("lock", size=14, flex_shrink="0"),
                          rx.text("You pay on Stripe's secure page. The time is held for you while you pay.", size="1"),
                          align="center", spacing="2", color=rx.color("gray", 11))),
        rx.button(rx.icon("arrow-left", size=16), "Back", variant="ghost", on_click=W.go_to("details")),
        spacing="4", width="100%",
    )


# -- back from Checkout ------------------------------------------------------------------------


def _step_returned() -> rx.Component:
    return rx.vstack(
        rx.callout("Payment not completed", icon="circle-alert", color_scheme="amber", role="alert", width="100%",
                   size="2"),
        rx.text("You left the payment page before paying. Your time is still held for a little while.", size="3"),
        rx.data_list.root(_row("Session", W.chosen.title), _row("When (your time)", W.when_customer),
                          _row("Price", W.chosen.price), size="2"),
        error_callout(W.pay_error),
        rx.flex(
            rx.button("Try again", on_click=W.try_again, loading=W.busy, disabled=W.busy, size="3"),
            rx.button("Choose another time", on_click=W.choose_another_time, disabled=W.busy, size="3",
                      variant="soft", color_scheme="gray"),
            gap="0.75rem", wrap="wrap",
        ),
        spacing="4", width="100%",
    )


def _not_found() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Builder not found", as_="h1", size="6"),
            rx.text("There is no builder at this address. Check the link, or pick a builder on the home page.",
                    color_scheme="gray"),
            rx.link("See all builders", href="/"),
            spacing="3",
        ),
        size="3", max_width="560px", margin_x="auto", margin_top="2rem",
    )


def wizard_page() -> rx.Component:
    main = rx.card(
        rx.vstack(
            rx.cond(W.step != "returned", rx.cond(W.rescheduling, _reschedule_progress(), _progress())),
            rx.match(
                W.step,
                ("type", _step_type()),
                ("time", _step_time()),
                ("details", _step_details()),
                ("review", rx.cond(W.rescheduling, _step_move(), _step_review())),
                ("returned", _step_returned()),
                _step_type(),
            ),
            spacing="5", width="100%",
        ),
        size=rx.breakpoints(initial="2", sm="4"),
        width="100%",
        min_width="0",
    )
    return page_shell(
        rx.cond(
            ~W.loaded,
            page_skeleton(),
            rx.cond(
                W.found,
                rx.flex(
                    rx.box(_side_panel(), width=rx.breakpoints(initial="100%", md="300px"), flex_shrink="0"),
                    main,
                    direction=rx.breakpoints(initial="column", md="row"),
                    gap="1.25rem", align="start", width="100%", padding_top="1.5rem",
                ),
                _not_found(),
            ),
        )
    )


def calendar_grid_script() -> rx.Component:
    """For the app's <head>: the date grid's keyboard handling (document listeners; tiny, cached)."""
    return rx.el.script(src="/calendar-grid.js", defer=True)


def register(app: rx.App) -> None:
    app.add_page(wizard_page, route=ROUTE, title="Book a session", on_load=W.load)
