"""``/dashboard/session-types``: the builder creates, edits, deactivates and reactivates the
sessions customers can book. Writes go through ``booking_app.offers.service``, which checks
the acting user and validates every field; its messages show next to the fields."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx

from booking_app.components.dashboard_shell import dashboard_shell
from booking_app.components.forms import error_callout, labelled_field
from booking_app.money import STRIPE_MINIMUM_CHARGE
from booking_app.offers import service as offers
from booking_app.offers.service import SessionTypeDraft, SessionTypeView
from booking_app.state.auth import AuthState
from booking_app.state.checked import Id, checked
from booking_app.state.checked import text as limited_text

ROUTE = "/dashboard/session-types"
CURRENCIES = sorted(STRIPE_MINIMUM_CHARGE)
# Form fields: name, label, hint. Numbers are typed as text and checked by the service.
NUMBER_FIELDS = (
    ("duration_minutes", "Duration (minutes)", ""),
    ("interval_minutes", "Start times every (minutes)", "Empty: back to back, every session length."),
    ("buffer_before_minutes", "Buffer before (minutes)", "Kept free before each session."),
    ("buffer_after_minutes", "Buffer after (minutes)", "Kept free after each session."),
    ("minimum_notice_minutes", "Minimum notice (minutes)", "How soon before the start people can still book."),
    ("horizon_days", "Bookable up to (days ahead)", ""),
    ("seats", "Seats", "1 for one-to-one; more for a group session."),
    ("refund_cutoff_hours", "Full refund until (hours before)", "Customers who cancel later get no refund."),
    ("reschedule_cutoff_hours", "Customers can move it until (hours before)", "You can move it until the start."),
)
EMPTY_FORM = {"title": "", "description": "", "price": "0", "currency": "gbp", "duration_minutes": "60",
              "interval_minutes": "", "buffer_before_minutes": "0", "buffer_after_minutes": "0",
              "minimum_notice_minutes": "0", "horizon_days": "60", "seats": "1", "refund_cutoff_hours": "24",
              "reschedule_cutoff_hours": "24",
              "is_active": "true"}


def _form_of(view: SessionTypeView) -> dict[str, str]:
    values = asdict(view.draft())
    form = {key: "" if values.get(key) is None else str(values[key]) for key in EMPTY_FORM}
    form["is_active"] = "true" if view.is_active else "false"
    return form


def _draft_of(form: dict[str, str]) -> SessionTypeDraft:
    def number(key: str):
        text = form.get(key, "").strip()
        return text if text else None

    return SessionTypeDraft(
        title=form.get("title", ""), description=form.get("description", ""), price=form.get("price", "").strip() or "0",
        currency=form.get("currency", "gbp"), duration_minutes=number("duration_minutes") or 0,
        interval_minutes=number("interval_minutes"),
        **{key: number(key) or 0 for key in ("buffer_before_minutes", "buffer_after_minutes",
                                             "minimum_notice_minutes", "horizon_days", "seats",
                                             "refund_cutoff_hours", "reschedule_cutoff_hours")},
        is_active=form.get("is_active", "true") == "true",
    )


def _save(actor_user_id: int, session_type_id: int, draft: SessionTypeDraft) -> list[SessionTypeView]:
    """Create (id 0) or update a session type; the builder's session types afterwards."""
    if session_type_id:
        offers.update_session_type(actor_user_id, session_type_id, draft)
    else:
        offers.create_session_type(actor_user_id, draft)
    return offers.list_session_types(actor_user_id)


def _set_active(actor_user_id: int, session_type_id: int, active: bool) -> list[SessionTypeView]:
    change = offers.activate_session_type if active else offers.deactivate_session_type
    change(actor_user_id, session_type_id)
    return offers.list_session_types(actor_user_id)


class SessionTypesState(AuthState):
    session_types: list[SessionTypeView] = []
    error: str = ""
    editor_open: bool = False
    editing_id: int = 0  # 0 = a new session type
    form: dict[str, str] = dict(EMPTY_FORM)
    errors: dict[str, str] = {}
    busy: bool = False

    @rx.event
    @checked()
    async def load(self):
        outcome = await self._as_builder(offers.list_session_types)
        if outcome.sign_in:
            return outcome.sign_in
        if outcome.ok:
            self.session_types = outcome.value
        else:
            self.error = outcome.message
        return None

    @rx.event
    @checked()
    def new_session_type(self):
        self.editing_id, self.form, self.errors, self.error, self.editor_open = 0, dict(EMPTY_FORM), {}, "", True

    @rx.event
    @checked(session_type_id=Id)
    def edit_session_type(self, session_type_id: int):
        view = next((v for v in self.session_types if v.id == session_type_id), None)
        if view is not None:
            self.editing_id, self.form, self.errors, self.error = view.id, _form_of(view), {}, ""
            self.editor_open = True

    @rx.event
    @checked()
    def set_editor_open(self, is_open: bool):
        self.editor_open = is_open

    @rx.event
    @checked(field=limited_text(40), value=limited_text(10_000) | bool)
    def set_form_field(self, field: str, value: str | bool):
        if field in EMPTY_FORM:
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            self.form = {**self.form, field: text}
            self.errors = {k: v for k, v in self.errors.items() if k not in (field, "price")}

    @rx.event
    @checked()
    async def save(self):
        if self.busy:
            return
        self.busy, self.errors, self.error = True, {}, ""
        yield
        outcome = await self._as_builder(_save, self.editing_id, _draft_of(self.form))
        self.busy = False
        if outcome.sign_in:
            yield outcome.sign_in
            return
        if not outcome.ok:
            self.errors, self.error = outcome.field_errors, outcome.callout
            return
        self.session_types, self.editor_open = outcome.value, False
        yield rx.toast.success("Saved. The booking page shows it now.")

    @rx.event
    @checked(session_type_id=Id)
    async def set_active(self, session_type_id: int, active: bool):
        outcome = await self._as_builder(_set_active, session_type_id, active)
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.error = outcome.message
            return None
        self.session_types = outcome.value
        return rx.toast.success("Offered again." if active else "Hidden from the booking page. Bookings are kept.")


# -- view -----------------------------------------------------------------------------------


def _card(view) -> rx.Component:
    s = SessionTypesState
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.heading(view.title, as_="h3", size="4"),
                    rx.cond(view.is_active, rx.badge("Offered", color_scheme="green"),
                            rx.badge("Hidden", color_scheme="gray")),
                    align="center", spacing="2", wrap="wrap",
                ),
                rx.text(view.price_label + " · " + view.duration_minutes.to_string() + " min · "
                        + rx.cond(view.seats > 1, view.seats.to_string() + " seats", "one-to-one"),
                        size="2", color_scheme="gray"),
                rx.text("Link: /book/" + AuthState.builder_slug + "/?type=" + view.slug, size="1",
                        color_scheme="gray"),
                spacing="1", min_width="0",
            ),
            rx.hstack(
                rx.button("Edit", variant="soft", size="2", on_click=s.edit_session_type(view.id),
                          aria_label="Edit " + view.title),
                rx.cond(
                    view.is_active,
                    rx.button("Hide", variant="outline", color_scheme="gray", size="2",
                              on_click=s.set_active(view.id, False), aria_label="Hide " + view.title),
                    rx.button("Offer again", variant="outline", size="2", on_click=s.set_active(view.id, True),
                              aria_label="Offer " + view.title + " again"),
                ),
                spacing="2",
            ),
            justify="between", align="center", gap="1rem", wrap="wrap", width="100%",
        ),
        size="2", width="100%",
    )


def _input(field: str, **props) -> rx.Component:
    s = SessionTypesState
    return rx.input(id=f"st-{field}", value=s.form[field], on_change=lambda v: s.set_form_field(field, v),
                    size="2", width="100%", **props)


def _editor() -> rx.Component:
    s = SessionTypesState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(s.editing_id == 0, "New session type", "Edit session type")),
            rx.dialog.description("Changes apply to new bookings; existing bookings keep their price and time.",
                                  size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    error_callout(s.error),
                    labelled_field("Title", "st-title", _input("title"), s.errors.get("title", "")),
                    labelled_field("Description", "st-description",
                                   rx.text_area(id="st-description", value=s.form["description"], rows="3",
                                                on_change=lambda v: s.set_form_field("description", v),
                                                width="100%"), s.errors.get("description", "")),
                    rx.grid(
                        labelled_field("Price", "st-price", _input("price", input_mode="decimal"),
                                       s.errors.get("price", ""), "0 = free"),
                        labelled_field("Currency", "st-currency",
                                       rx.el.select(*(rx.el.option(c.upper(), value=c) for c in CURRENCIES),
                                                    id="st-currency", value=s.form["currency"],
                                                    on_change=lambda v: s.set_form_field("currency", v),
                                                    style={"width": "100%", "padding": "0.4rem",
                                                           "borderRadius": "6px",
                                                           "border": f"1px solid {rx.color('gray', 7)}"}),
                                       s.errors.get("currency", "")),
                        *(labelled_field(label, f"st-{field}", _input(field, input_mode="numeric"),
                                         s.errors.get(field, ""), hint)
                          for field, label, hint in NUMBER_FIELDS),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                    ),
                    rx.el.label(
                        rx.hstack(rx.switch(checked=s.form["is_active"] == "true",
                                            on_change=lambda v: s.set_form_field("is_active", v)),
                                  rx.text("Offered on the booking page", size="2"), align="center", spacing="2"),
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                        rx.button("Save", type="submit", loading=s.busy, disabled=s.busy),
                        justify="end", spacing="3", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=lambda _: SessionTypesState.save(),
            ),
            max_width="640px",
        ),
        open=s.editor_open,
        on_open_change=s.set_editor_open,
    )


def session_types_page() -> rx.Component:
    s = SessionTypesState
    return dashboard_shell(
        "/dashboard/session-types/", "Session types",
        rx.hstack(rx.text("What customers can book, in this order.", color_scheme="gray", size="2"),
                  rx.button(rx.icon("plus", size=16), "New session type", on_click=s.new_session_type),
                  justify="between", align="center", width="100%", wrap="wrap"),
        rx.cond(~s.editor_open, error_callout(s.error)),
        rx.vstack(rx.foreach(s.session_types, _card), spacing="2", width="100%"),
        _editor(),
    )


def register(app: rx.App) -> None:
    app.add_page(session_types_page, route=ROUTE, title="Session types", on_load=SessionTypesState.load)
