"""``/dashboard/session-types``: the builder creates, edits, deactivates and reactivates the
sessions customers can book. Writes go through ``booking_app.offers.service``, which checks
the acting user and validates every field; its messages show next to the fields."""

from __future__ import annotations

import reflex as rx

from booking_app.components.dashboard_shell import dashboard_shell
from booking_app.components.forms import error_callout, labelled_field
from booking_app.money import STRIPE_MINIMUM_CHARGE
from booking_app.offers import service as offers
from booking_app.models import LocationKind
from booking_app.offers.service import SessionTypeDraft, SessionTypeView
from booking_app.offers.terms import (
    LOCATION_LABELS,
    MAX_QUESTIONS,
    MAX_TIERS,
    QUESTION_KIND_LABELS,
    QuestionKind,
    new_question_id,
)
from booking_app.state.auth import AuthState
from booking_app.state.checked import Id, between, checked
from booking_app.state.checked import text as limited_text

ROUTE = "/dashboard/session-types"
CURRENCIES = sorted(STRIPE_MINIMUM_CHARGE)
# Form fields: name, label, hint. Numbers are typed as text and checked by the service.
NUMBER_FIELDS = (
    ("duration_minutes", "Duration (minutes)", ""),
    ("interval_minutes", "Start times every (minutes)", "Empty: back to back, every session length."),
    ("buffer_before_minutes", "Buffer before (minutes)", "Kept free before each session."),
    ("buffer_after_minutes", "Buffer after (minutes)", "Kept free after each session."),
    ("minimum_notice_minutes", "Minimum notice (minutes)",
     "How soon before the start people can still book (240 = 4 hours)."),
    ("horizon_days", "Bookable up to (days ahead)", ""),
    ("seats", "Seats", "1 for one-to-one; more for a group session."),
    ("reschedule_cutoff_hours", "Customers can move it until (hours before)", "You can move it until the start."),
    ("cancel_cutoff_hours", "Customers can cancel until (hours before)", "0: until the session starts."),
)
EMPTY_FORM = {"title": "", "description": "", "price": "0", "currency": "gbp", "duration_minutes": "60",
              "interval_minutes": "", "buffer_before_minutes": "0", "buffer_after_minutes": "0",
              "minimum_notice_minutes": "240", "horizon_days": "60", "seats": "1", "cancel_cutoff_hours": "0",
              "reschedule_cutoff_hours": "24", "location_kind": LocationKind.BUILDER_SENDS.value,
              "location_detail": "", "is_active": "true", "requires_sign_in": "false"}
DEFAULT_TIERS = [{"hours_before": "24", "percent": "100"}]
NEW_QUESTION = {"label": "", "kind": QuestionKind.SHORT_TEXT.value, "required": "false", "choices": ""}
TIER_FIELDS = ("hours_before", "percent")
QUESTION_FIELDS = ("label", "kind", "required", "choices")


def _form_of(view: SessionTypeView) -> dict[str, str]:
    # Field by field: the view's lists live in the State as proxies that ``asdict`` cannot copy.
    draft = view.draft()
    values = {key: getattr(draft, key) for key in EMPTY_FORM}
    form = {key: "" if values.get(key) is None else str(values[key]) for key in EMPTY_FORM}
    form["is_active"] = "true" if view.is_active else "false"
    form["requires_sign_in"] = "true" if view.requires_sign_in else "false"
    return form


def _tiers_of(view: SessionTypeView) -> list[dict[str, str]]:
    return [{"hours_before": str(tier["hours_before"]), "percent": str(tier["percent"])} for tier in view.refund_tiers]


def _questions_of(view: SessionTypeView) -> list[dict[str, str]]:
    return [{"id": q["id"], "label": q["label"], "kind": q["kind"], "required": "true" if q["required"] else "false",
             "choices": "\n".join(q.get("choices") or ())} for q in view.questions]


def _draft_of(form: dict[str, str], tiers: list[dict[str, str]], questions: list[dict[str, str]]) -> SessionTypeDraft:
    def number(key: str):
        text = form.get(key, "").strip()
        return text if text else None

    return SessionTypeDraft(
        title=form.get("title", ""), description=form.get("description", ""), price=form.get("price", "").strip() or "0",
        currency=form.get("currency", "gbp"), duration_minutes=number("duration_minutes") or 0,
        interval_minutes=number("interval_minutes"),
        **{key: number(key) or 0 for key in ("buffer_before_minutes", "buffer_after_minutes",
                                             "minimum_notice_minutes", "horizon_days", "seats",
                                             "cancel_cutoff_hours", "reschedule_cutoff_hours")},
        refund_tiers=tiers, questions=questions, location_kind=form.get("location_kind", ""),
        location_detail=form.get("location_detail", ""),
        is_active=form.get("is_active", "true") == "true",
        requires_sign_in=form.get("requires_sign_in", "false") == "true",
    )


def _position(index: object, rows: list) -> bool:
    """A real position in ``rows`` (bools are not positions, though Python counts them as ints)."""
    return isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(rows)


def _save(actor_user_id: int, session_type_id: int, draft: SessionTypeDraft) -> list[SessionTypeView]:
    """Create (id 0) or update a session type; the builder's session types afterwards."""
    if session_type_id:
        offers.update_session_type(actor_user_id, session_type_id, draft)
    else:
        offers.create_session_type(actor_user_id, draft)
    return offers.list_session_types(actor_user_id)


def _reorder(actor_user_id: int, ordered_ids: list[int]) -> list[SessionTypeView]:
    offers.reorder_session_types(actor_user_id, ordered_ids)
    return offers.list_session_types(actor_user_id)  # everything, hidden ones included, in order


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
    tiers: list[dict[str, str]] = list(DEFAULT_TIERS)  # refund tiers as typed
    questions: list[dict[str, str]] = []  # booking questions as typed; choices one per line
    errors: dict[str, str] = {}
    busy: bool = False
    loaded: bool = False  # the list arrived (an empty one is explained, not shown blank)

    @rx.event
    @checked()
    async def load(self):
        outcome = await self._as_builder(offers.list_session_types)
        if outcome.sign_in:
            return outcome.sign_in
        if outcome.ok:
            self.session_types, self.loaded = outcome.value, True
        else:
            self.error = outcome.message
        return None

    @rx.event
    @checked(session_type_id=Id, step=between(-1, 1))
    async def move_session_type(self, session_type_id: int, step: int):
        """Up (-1) or down (1) one place in the booking page's order."""
        ids = [view.id for view in self.session_types]
        if session_type_id not in ids or step == 0:
            return None
        at = ids.index(session_type_id)
        if not 0 <= at + step < len(ids):
            return None
        ids[at], ids[at + step] = ids[at + step], ids[at]
        outcome = await self._as_builder(_reorder, ids)
        if outcome.sign_in:
            return outcome.sign_in
        if not outcome.ok:
            self.error = outcome.message
            return None
        self.session_types = outcome.value
        return None

    @rx.event
    @checked()
    def new_session_type(self):
        self.editing_id, self.form, self.errors, self.error, self.editor_open = 0, dict(EMPTY_FORM), {}, "", True
        self.tiers, self.questions = [dict(tier) for tier in DEFAULT_TIERS], []

    @rx.event
    @checked(session_type_id=Id)
    def edit_session_type(self, session_type_id: int):
        view = next((v for v in self.session_types if v.id == session_type_id), None)
        if view is not None:
            self.editing_id, self.form, self.errors, self.error = view.id, _form_of(view), {}, ""
            self.tiers, self.questions = _tiers_of(view), _questions_of(view)
            self.editor_open = True

    # Tiers and questions are edited by position; a position or field the editor does not
    # show (a stale or crafted event) changes nothing.

    @rx.event
    @checked()
    def add_tier(self):
        if len(self.tiers) < MAX_TIERS:
            self.tiers = [*self.tiers, {"hours_before": "", "percent": ""}]

    @rx.event
    @checked(index=between(0, 100))
    def remove_tier(self, index: int):
        if _position(index, self.tiers):
            self.tiers = [tier for n, tier in enumerate(self.tiers) if n != index]
            self.errors = {k: v for k, v in self.errors.items() if k != "refund_tiers"}

    @rx.event
    @checked(index=between(0, 100), field=limited_text(20), value=limited_text(20))
    def set_tier(self, index: int, field: str, value: str):
        if _position(index, self.tiers) and field in TIER_FIELDS:
            self.tiers = [{**tier, field: str(value)[:10]} if n == index else tier
                          for n, tier in enumerate(self.tiers)]
            self.errors = {k: v for k, v in self.errors.items() if k != "refund_tiers"}

    @rx.event
    @checked()
    def add_question(self):
        if len(self.questions) < MAX_QUESTIONS:
            self.questions = [*self.questions, {"id": new_question_id(), **NEW_QUESTION}]

    @rx.event
    @checked(index=between(0, 100))
    def remove_question(self, index: int):
        if _position(index, self.questions):
            self.questions = [q for n, q in enumerate(self.questions) if n != index]
            self.errors = {k: v for k, v in self.errors.items() if k != "questions"}

    @rx.event
    @checked(index=between(0, 100), step=between(-1, 1))
    def move_question(self, index: int, step: int):
        if _position(index, self.questions) and step in (-1, 1) and _position(index + step, self.questions):
            order = list(self.questions)
            order[index], order[index + step] = order[index + step], order[index]
            self.questions = order

    @rx.event
    @checked(index=between(0, 100), field=limited_text(20), value=limited_text(2500) | bool)
    def set_question(self, index: int, field: str, value: str | bool):
        if _position(index, self.questions) and field in QUESTION_FIELDS:
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)[:2500]
            self.questions = [{**q, field: text} if n == index else q for n, q in enumerate(self.questions)]
            self.errors = {k: v for k, v in self.errors.items() if k != "questions"}

    @rx.event
    @checked()
    def set_editor_open(self, is_open: bool):
        self.editor_open = is_open

    @rx.event
    @checked(field=limited_text(40), value=limited_text(10_000) | bool)
    def set_form_field(self, field: str, value: str | bool):
        if field in EMPTY_FORM:
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)[:5000]
            self.form = {**self.form, field: text}
            self.errors = {k: v for k, v in self.errors.items() if k not in (field, "price", "location_detail")}

    @rx.event
    @checked()
    async def save(self):
        if self.busy:
            return
        self.busy, self.errors, self.error = True, {}, ""
        yield
        outcome = await self._as_builder(_save, self.editing_id, _draft_of(self.form, self.tiers, self.questions))
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


def _card(view, index) -> rx.Component:
    s = SessionTypesState
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.heading(view.title, as_="h2", size="4"),  # under the page's h1 (axe heading-order)
                    rx.cond(view.is_active, rx.badge("Offered", color_scheme="green"),
                            rx.badge("Hidden", color_scheme="gray")),
                    rx.cond(view.requires_sign_in, rx.badge("Members only", color_scheme="violet")),
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
                rx.icon_button(rx.icon("arrow-up", size=16), variant="ghost", color_scheme="gray", size="2",
                               on_click=s.move_session_type(view.id, -1), disabled=index == 0,
                               aria_label="Move " + view.title + " up", title="Move up"),
                rx.icon_button(rx.icon("arrow-down", size=16), variant="ghost", color_scheme="gray", size="2",
                               on_click=s.move_session_type(view.id, 1),
                               disabled=index == s.session_types.length() - 1,
                               aria_label="Move " + view.title + " down", title="Move down"),
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


_SELECT_STYLE = {"width": "100%", "padding": "0.4rem", "borderRadius": "6px", "fontSize": "16px",
                 "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 1)}


def _section(title: str, hint: str, *children) -> rx.Component:
    return rx.vstack(
        rx.heading(title, as_="h2", size="3"),  # the dialog title is an h1 (Radix Themes)
        rx.text(hint, size="1", color_scheme="gray"),
        *children,
        spacing="2", width="100%", padding_top="0.5rem", border_top=f"1px solid {rx.color('gray', 5)}",
    )


def _location_editor() -> rx.Component:
    s = SessionTypesState
    kind = s.form["location_kind"]
    return _section(
        "Where it happens", "Customers see the link or address once their booking is confirmed.",
        rx.el.select(*(rx.el.option(label, value=value.value) for value, label in LOCATION_LABELS.items()),
                     id="st-location_kind", value=kind, aria_label="Where it happens",
                     on_change=lambda v: s.set_form_field("location_kind", v), style=_SELECT_STYLE),
        rx.cond((kind == "video") | (kind == "in_person"),
                labelled_field(rx.cond(kind == "video", "Video-call link", "Address"), "st-location_detail",
                               _input("location_detail"), s.errors.get("location_detail", ""))),
        rx.cond(s.errors.get("location_kind", "") != "",
                rx.text(s.errors.get("location_kind", ""), size="1", color=rx.color("red", 11), role="alert")),
    )


def _tier_row(tier, index) -> rx.Component:
    s = SessionTypesState
    return rx.hstack(
        rx.input(value=tier["hours_before"], on_change=lambda v: s.set_tier(index, "hours_before", v),
                 input_mode="numeric", width="3.5rem", aria_label="Hours before the start, tier " + (index + 1).to_string()),
        rx.text("h or more →", size="2", white_space="nowrap"),
        rx.input(value=tier["percent"], on_change=lambda v: s.set_tier(index, "percent", v),
                 input_mode="numeric", width="3.5rem", aria_label="Percent refunded, tier " + (index + 1).to_string()),
        rx.text("% back", size="2", white_space="nowrap"),
        rx.icon_button(rx.icon("x", size=14), variant="ghost", color_scheme="gray", type="button",
                       on_click=s.remove_tier(index), aria_label="Remove refund tier " + (index + 1).to_string()),
        align="center", spacing="2",
    )


def _refund_editor() -> rx.Component:
    s = SessionTypesState
    return _section(
        "Refunds when the customer cancels",
        "Less notice than the last tier: no refund. Bookings keep the terms they were made under; "
        "when you cancel, the customer always gets everything back.",
        rx.foreach(s.tiers, _tier_row),
        rx.cond(s.tiers.length() < 5,
                rx.button(rx.icon("plus", size=14), "Add a tier", type="button", variant="soft", size="1",
                          on_click=s.add_tier)),
        rx.cond(s.errors.get("refund_tiers", "") != "",
                rx.text(s.errors.get("refund_tiers", ""), id="st-refund_tiers-error", size="1",
                        color=rx.color("red", 11), role="alert")),
    )


def _question_row(question, index) -> rx.Component:
    s = SessionTypesState
    number = (index + 1).to_string()
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.input(value=question["label"], on_change=lambda v: s.set_question(index, "label", v),
                         placeholder="The question", aria_label="Question " + number, flex="1", min_width="10rem"),
                rx.el.select(*(rx.el.option(label, value=kind.value) for kind, label in QUESTION_KIND_LABELS.items()),
                             value=question["kind"], on_change=lambda v: s.set_question(index, "kind", v),
                             aria_label="Kind of question " + number,
                             style={**_SELECT_STYLE, "width": "auto"}),
                spacing="2", width="100%", wrap="wrap",
            ),
            rx.cond(question["kind"] == "choice",
                    rx.text_area(value=question["choices"], rows="3", width="100%",
                                 on_change=lambda v: s.set_question(index, "choices", v),
                                 placeholder="One choice per line", aria_label="Choices for question " + number)),
            rx.hstack(
                rx.el.label(rx.hstack(rx.switch(checked=question["required"] == "true", size="1",
                                                on_change=lambda v: s.set_question(index, "required", v)),
                                      rx.text("Required", size="1"), align="center", spacing="1")),
                rx.hstack(
                    rx.icon_button(rx.icon("arrow-up", size=14), variant="ghost", color_scheme="gray", type="button",
                                   on_click=s.move_question(index, -1), aria_label="Move question " + number + " up",
                                   disabled=index == 0),
                    rx.icon_button(rx.icon("arrow-down", size=14), variant="ghost", color_scheme="gray",
                                   type="button", on_click=s.move_question(index, 1),
                                   aria_label="Move question " + number + " down",
                                   disabled=index == s.questions.length() - 1),
                    rx.icon_button(rx.icon("trash-2", size=14), variant="ghost", color_scheme="red", type="button",
                                   on_click=s.remove_question(index), aria_label="Remove question " + number),
                    spacing="1",
                ),
                justify="between", align="center", width="100%",
            ),
            spacing="2", width="100%",
        ),
        size="1", width="100%",
    )


def _questions_editor() -> rx.Component:
    s = SessionTypesState
    return _section(
        "Questions for the customer", "Asked with their name and e-mail; up to 10. The answers show in the "
        "booking's details and in your e-mail.",
        rx.foreach(s.questions, _question_row),
        rx.cond(s.questions.length() < 10,
                rx.button(rx.icon("plus", size=14), "Add a question", type="button", variant="soft", size="1",
                          on_click=s.add_question)),
        rx.cond(s.errors.get("questions", "") != "",
                rx.text(s.errors.get("questions", ""), id="st-questions-error", size="1",
                        color=rx.color("red", 11), role="alert")),
    )


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
                    _location_editor(),
                    _refund_editor(),
                    _questions_editor(),
                    rx.el.label(
                        rx.hstack(rx.switch(checked=s.form["is_active"] == "true",
                                            on_change=lambda v: s.set_form_field("is_active", v)),
                                  rx.text("Offered on the booking page", size="2"), align="center", spacing="2"),
                    ),
                    # Members only (issue 16): customers sign in with an e-mailed code before booking.
                    rx.el.label(
                        rx.hstack(rx.switch(checked=s.form["requires_sign_in"] == "true", id="st-requires_sign_in",
                                            on_change=lambda v: s.set_form_field("requires_sign_in", v)),
                                  rx.vstack(rx.text("Customers must sign in to book", size="2"),
                                            rx.text("They sign in with a code sent to their e-mail; the booking "
                                                    "is linked to their account.", size="1", color_scheme="gray"),
                                            spacing="0"),
                                  align="center", spacing="2"),
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                        rx.button("Save", type="submit", loading=s.busy, disabled=s.busy),
                        # The actions stay in sight at the bottom while the long form scrolls under them.
                        justify="end", spacing="3", position="sticky",
                        bottom="calc(-1 * var(--dialog-content-padding))", z_index="1",
                        margin="var(--space-2) calc(-1 * var(--dialog-content-padding)) "
                               "calc(-1 * var(--dialog-content-padding))",
                        padding="var(--space-3) var(--dialog-content-padding)",
                        width="calc(100% + 2 * var(--dialog-content-padding))",
                        background="var(--color-panel-solid)", border_top=f"1px solid {rx.color('gray', 5)}",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=lambda _: SessionTypesState.save(),
            ),
            max_width="640px",
            max_height="calc(100dvh - 2 * max(var(--space-6), 6vh))",
        ),
        open=s.editor_open,
        on_open_change=s.set_editor_open,
    )


def session_types_page() -> rx.Component:
    s = SessionTypesState
    return dashboard_shell(
        "/dashboard/session-types/", "Session types",
        rx.hstack(rx.text("What customers can book, in this order (the arrows move one up or down).",
                          color_scheme="gray", size="2"),
                  rx.button(rx.icon("plus", size=16), "New session type", on_click=s.new_session_type),
                  justify="between", align="center", width="100%", wrap="wrap"),
        rx.cond(~s.editor_open, error_callout(s.error)),
        rx.cond(
            s.loaded & (s.session_types.length() == 0),
            rx.callout(
                rx.text(rx.text.strong("No session types yet. "),
                        "A session type is something customers can book with you: a title, a length and a "
                        "price (0 for a free call). Add one with \u201cNew session type\u201d; your booking "
                        "page offers it as soon as you have weekly hours in Availability."),
                icon="info", color_scheme="gray", width="100%",
            ),
        ),
        rx.vstack(rx.foreach(s.session_types, _card), spacing="2", width="100%"),
        _editor(),
    )


def register(app: rx.App) -> None:
    app.add_page(session_types_page, route=ROUTE, title="Session types", on_load=SessionTypesState.load)
