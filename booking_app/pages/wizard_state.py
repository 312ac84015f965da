"""State of the booking wizard ``/book/[builder]``.

Steps: session type → date and time → details → review and pay. Everything the customer
enters lives here until "Pay", which creates the hold and the Checkout Session in the
database and at Stripe (state is per tab and can vanish; the booking's token cannot).
Database and Stripe work runs in worker threads so one slow request never blocks others.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Annotated

import reflex as rx
from pydantic import Field

from booking_app import messages
from booking_app.accounts import customers
from booking_app.errors import Conflict, DomainError, InvalidInput, SignInRequired
from booking_app.models import BookingStatus
from booking_app.pages import wizard_data as data
from booking_app.pages import embedding
from booking_app.pages.navigation import go_to_checkout
from booking_app.pages.wizard_data import BuilderCard, DayCell, SessionTypeCard, SlotChoice
from booking_app.state.checked import Id, between, checked, text
from booking_app.state.customer import CustomerState
from booking_app.timezones import ZoneChoice, canonical_zone, search_zones, selectable_zone_names, zone_choice

log = logging.getLogger(__name__)

STEPS = ("type", "time", "details", "review")
# The browser's zone, its 12/24-hour habit (or the customer's earlier choice), and a mark of this page's JavaScript context: the
# same mark again means the event websocket reconnected (a network blip, an app restart), a
# new one means the page was loaded afresh.
DETECT_BROWSER = (
    "[Intl.DateTimeFormat().resolvedOptions().timeZone,"
    " (() => { let chosen = null; try { chosen = localStorage.getItem('makerhours.clock'); } catch (e) {}"
    "   return chosen ? chosen === '12h' : Intl.DateTimeFormat(undefined, {hour: 'numeric'}).resolvedOptions().hour12 === true; })(),"
    " (window.__makerhoursPage ??= Math.random().toString(36).slice(2))]"
)
EXPIRED_MESSAGE = "Your reservation expired, so the time was released. Please pick a time again."
NO_CARD = SessionTypeCard(0, "", "", "", 0, "", "", False, "", "", False, [], False)
MAX_ANSWER_CHARACTERS = 5000  # what the state keeps of a typed answer; the service says the real limit


def _now() -> datetime:
    return datetime.now(UTC)


class WizardState(rx.State):
    loaded: bool = False
    found: bool = True
    profile: BuilderCard = BuilderCard("", "", "", "", "", "UTC")  # the builder being booked
    session_types: list[SessionTypeCard] = []
    step: str = "type"

    type_id: int = 0
    timezone: str = ""
    timezone_chosen: bool = False  # picked by hand: browser detection must not override it
    hour12: bool = False
    clock_chosen: bool = False
    zone_query: str = ""
    zone_picker_open: bool = False
    slots_by_day: dict[str, list[SlotChoice]] = {}
    slots_loading: bool = False
    slots_error: str = ""
    month: str = ""
    selected_day: str = ""
    selected_start: str = ""
    time_message: str = ""

    name: str = ""
    email: str = ""
    notes: str = ""
    name_error: str = ""
    email_error: str = ""
    notes_error: str = ""
    phone: str = ""  # asked for phone-call sessions
    phone_error: str = ""
    answers: dict[str, str] = {}  # question id → answer ("true"/"false" for a checkbox)
    answer_errors: dict[str, str] = {}  # question id → message
    # Members-only session types (issue 16): the signed-in customer's verified address ("" =
    # nobody signed in). The details step asks to sign in first and books with this address.
    member_email: str = ""

    busy: bool = False
    pay_error: str = ""
    returned_token: str = ""  # a hold the customer came back to from Checkout unpaid
    reschedule_token: str = ""  # reschedule mode: the confirmed booking being moved (?reschedule=)
    current_start: str = ""  # its current time (UTC ISO-8601)
    # Backend only: the page context last seen, the step to resume on a reconnect, and whether
    # the tab left for Checkout (coming back from there is an arrival, whatever the page mark).
    _page_mark: str = ""
    _resume_step: str = ""
    _left_for_checkout: bool = False
    # The booking last made from this tab (paid through Checkout): once it is no longer a
    # hold, the next visit starts a new booking at the first step.
    _booked_token: str = ""

    # -- derived -------------------------------------------------------------------------

    @rx.var
    def step_index(self) -> int:
        return STEPS.index(self.step) if self.step in STEPS else 3

    @rx.var
    def chosen(self) -> SessionTypeCard:
        return next((card for card in self.session_types if card.id == self.type_id), NO_CARD)

    @rx.var
    def zones_differ(self) -> bool:
        """The builder's clock reads differently from the customer's at the chosen time (now,
        before one is chosen): zones with the same offset then are not "different"."""
        if not self.timezone:
            return False
        at = datetime.fromisoformat(self.selected_start) if self.selected_start else _now()
        return data.offsets_differ(self.timezone, self.profile.timezone, at)

    @rx.var
    def builder_city(self) -> str:
        return self.profile.timezone.rsplit("/", 1)[-1].replace("_", " ")

    @rx.var
    def timezone_label(self) -> str:
        return zone_choice(self.timezone, _now()).label if self.timezone else "Detecting your time zone…"

    @rx.var
    def timezone_label_shown(self) -> str:
        """The label on the picker's button: a narrow screen wraps it before "GMT-05:00", not inside."""
        return self.timezone_label.replace("GMT-", "GMT\u2011")

    @rx.var
    def zone_matches(self) -> list[ZoneChoice]:
        return search_zones(self.zone_query, _now()) if self.zone_picker_open else []

    @rx.var
    def month_title(self) -> str:
        return data.month_title(self.month) if self.month else ""

    @rx.var
    def calendar(self) -> list[list[DayCell]]:
        """The month's weeks: the rows of the date grid."""
        return data.month_weeks(self.month, self.slots_by_day, self.selected_day) if self.month else []

    @rx.var
    def can_go_back_a_month(self) -> bool:
        return bool(self.month) and self.month > _now().date().isoformat()[:7]

    @rx.var
    def can_go_forward_a_month(self) -> bool:
        last = max(self.slots_by_day, default="")
        return bool(self.month) and last[:7] > self.month

    @rx.var
    def has_slots(self) -> bool:
        return bool(self.slots_by_day)

    @rx.var
    def day_title(self) -> str:
        return data.day_title(self.selected_day) if self.selected_day else ""

    @rx.var
    def day_slots(self) -> list[SlotChoice]:
        return self.slots_by_day.get(self.selected_day, [])

    @rx.var
    def when_customer(self) -> str:
        if not (self.selected_start and self.timezone):
            return ""
        return data.describe_time(self.selected_start, self.chosen.minutes, self.timezone, self.hour12)

    @rx.var
    def when_builder(self) -> str:
        if not self.selected_start:
            return ""
        return data.describe_time(self.selected_start, self.chosen.minutes, self.profile.timezone, self.hour12)

    @rx.var
    def rescheduling(self) -> bool:
        return self.reschedule_token != ""

    @rx.var
    def current_when(self) -> str:
        if not (self.current_start and self.reschedule_token):
            return ""
        return data.describe_time(self.current_start, self.chosen.minutes, self.timezone or self.profile.timezone,
                                  self.hour12)

    @rx.var
    def booking_url(self) -> str:
        return f"/booking/{self.reschedule_token}/" if self.reschedule_token else ""

    @rx.var
    def needs_sign_in(self) -> bool:
        """A members-only session type and nobody signed in: the details step asks to sign in."""
        return self.chosen.requires_sign_in and self.member_email == "" and self.reschedule_token == ""

    @rx.var
    def member_sign_in_url(self) -> str:
        """The customer sign-in page, coming back to this builder's page and session type."""
        from urllib.parse import quote

        back = f"/book/{self.profile.slug}/?type={self.chosen.slug}"
        return "/account/sign-in/?next=" + quote(back, safe="")

    # -- loading -------------------------------------------------------------------------

    @rx.event
    @checked()
    async def load(self):
        slug = self.builder.strip().lower()  # the route's [builder] argument
        query = self.router.url.query_parameters
        if slug != self.profile.slug:
            self.reset()
        offer = await asyncio.to_thread(data.load_offer, slug)
        self.loaded = True
        if offer is None:
            self.found = False
            return
        self.found = True
        self.profile, self.session_types = offer
        if self.type_id and self.chosen.id == 0:  # the chosen session type was withdrawn meanwhile
            self.type_id, self.step = 0, "type"
        cancelled_checkout = query.get("booking") and query.get("checkout") == "cancelled"
        if self._booked_token and not cancelled_checkout and not await self._booking_still_held():
            self._start_fresh()
        # Arriving on the page (a reload, a link, the browser's Back from Checkout) starts again
        # from the times: what was entered stays, but a time picked earlier must be confirmed.
        # A reconnect of the same page runs this too; browser_settings then resumes the step.
        left_for_checkout, self._left_for_checkout = self._left_for_checkout, False
        self._resume_step = self.step if self.step in ("details", "review") and not left_for_checkout else ""
        if self.step not in ("type", "time"):
            self.step, self.returned_token = "time", ""
        self.time_message, self.pay_error, self.busy = "", "", False
        events = []
        if cancelled_checkout:
            events.extend(await self._returned_from_checkout(query["booking"]))
        elif query.get("type"):
            card = next((c for c in self.session_types if c.slug == query["type"]), None)
            if card is not None and card.id != self.type_id:
                self.type_id, self.selected_start, self.selected_day, self.slots_by_day = card.id, "", "", {}
            if card is not None:
                self.step = "time"
        self._prefill(query)
        await self._check_member()
        await self._reschedule_mode(query.get("reschedule", ""))
        if self.type_id:
            self.slots_loading = True  # until browser_settings' refresh: times shown may be stale
        events.append(rx.call_script(DETECT_BROWSER, callback=WizardState.browser_settings))
        if query.get("embed") == "1":  # inside the embeddable widget (integrations, issue 17)
            events.append(embedding.mark_frame())
        return events

    async def _booking_still_held(self) -> bool:
        hold = await asyncio.to_thread(data.load_returned_hold, self._booked_token, self.profile.slug, _now())
        return hold is not None and hold.status == BookingStatus.PENDING_PAYMENT

    def _start_fresh(self) -> None:
        """A booking was made from this tab: the next one starts at the first step (the
        customer's name, e-mail, phone, zone and clock stay filled in)."""
        self.step, self.type_id, self._booked_token, self._resume_step = "type", 0, "", ""
        self.selected_start, self.selected_day, self.slots_by_day, self.month = "", "", {}, ""
        self.notes, self.answers, self.answer_errors, self.returned_token = "", {}, {}, ""
        self.time_message, self.pay_error = "", ""

    def _prefill(self, query: dict) -> None:
        """``?name=&email=`` (a link from the builder's own site or newsletter) fills the details
        the customer has not typed yet; the booking service checks them as if typed."""
        if query.get("name") and not self.name.strip():
            self.name = " ".join(str(query["name"]).split())[:200]
        if query.get("email") and not self.email.strip():
            self.email = str(query["email"]).strip()[:320]

    async def _check_member(self) -> None:
        """Who is signed in as a customer in this browser (members-only session types): their
        verified address is the booking's, and their name fills an empty name field."""
        token = (await self.get_state(CustomerState)).customer_token
        who = await asyncio.to_thread(customers.signed_in_customer, token, now=_now()) if token else None
        if who is None:
            if self.member_email and self.email == self.member_email:
                self.email = ""
            self.member_email = ""
            return
        self.member_email = who.email
        if self.chosen.requires_sign_in:
            self.email, self.email_error = who.email, ""
            if who.name and not self.name.strip():
                self.name = who.name

    async def _reschedule_mode(self, token: str) -> None:
        """``?reschedule=<token>``: move that confirmed booking (same builder and session type):
        no session choice, no details, no payment. Any other token: the usual wizard."""
        target = await asyncio.to_thread(data.load_reschedule_target, token, self.profile.slug) if token else None
        if target is None or not any(card.id == target.session_type_id for card in self.session_types):
            if self.reschedule_token:  # leaving reschedule mode: start afresh
                self.selected_start = ""
            self.reschedule_token, self.current_start = "", ""
            return
        if target.session_type_id != self.type_id or target.token != self.reschedule_token:
            self.type_id, self.selected_start, self.selected_day, self.slots_by_day = target.session_type_id, "", "", {}
        self.reschedule_token, self.current_start, self.step = target.token, target.start, "time"
        if not self.timezone_chosen:
            self.timezone, self.timezone_chosen = target.timezone, True

    async def _returned_from_checkout(self, token: str) -> list:
        hold = await asyncio.to_thread(data.load_returned_hold, token, self.profile.slug, _now())
        if hold is None:
            return []
        if hold.status == BookingStatus.CONFIRMED:  # paid after all (e.g. in another tab)
            return [rx.redirect(f"/booking/{token}/")]
        self.type_id, self.name, self.email, self.notes = hold.session_type_id, hold.name, hold.email, hold.notes
        self.phone, self.answers = hold.phone, {**self.answers, **hold.answers}
        self.timezone, self.timezone_chosen = hold.timezone, True
        if hold.status == BookingStatus.PENDING_PAYMENT:
            self.step, self.returned_token = "returned", token
            self.selected_start, self.selected_day, self.month = hold.start, hold.local_date, hold.local_date[:7]
        else:
            self.returned_token, self.selected_start = "", ""
            self.step = "time"
            self.time_message = EXPIRED_MESSAGE if hold.status == BookingStatus.EXPIRED else ""
        return []

    @rx.event
    @checked(detected=Annotated[list, Field(max_length=3)])
    def browser_settings(self, detected: list):
        """Callback of ``DETECT_BROWSER``: the zone and 12/24-hour clock the browser uses, and
        whether this is the page seen before (a reconnect: the customer stays on their step;
        refresh_slots still sends them back to the times if the time was taken meanwhile)."""
        zone, hour12, mark = (detected + [None] * 3)[:3] if isinstance(detected, list) else (None,) * 3
        if not self.timezone_chosen:
            self.timezone = canonical_zone(zone) or self.profile.timezone  # old names: their zone today
        if not self.clock_chosen:
            self.hour12 = hour12 is True
        mark = mark if isinstance(mark, str) and len(mark) <= 100 else ""
        reconnected = mark != "" and mark == self._page_mark
        self._page_mark = mark
        if reconnected and self._resume_step and self.step == "time" and self.selected_start:
            self.step = self._resume_step
        self._resume_step = ""
        if self.type_id:
            return WizardState.refresh_slots

    @rx.event
    @checked()
    async def refresh_slots(self):
        if not self.type_id:
            return
        timezone = self.timezone or self.profile.timezone
        self.slots_loading, self.slots_error = True, ""
        yield
        try:
            slots = await asyncio.to_thread(data.load_slots, self.type_id, timezone, _now())
        except DomainError as exc:
            self.slots_loading, self.slots_error, self.slots_by_day = False, exc.message, {}
            return
        self.slots_by_day, self.slots_loading = slots, False
        if self.step == "returned":  # the held time is not free (it is ours): keep showing it
            return
        if self.selected_day not in slots:
            self.selected_day = min(slots, default="")
        if self.selected_start and not any(s.start == self.selected_start for s in slots.get(self.selected_day, [])):
            self.selected_start = ""
            if self.step in ("details", "review"):  # someone else took it meanwhile
                self.step, self.time_message = "time", messages.SLOT_TAKEN
        self.month = (self.selected_day or _now().date().isoformat())[:7]

    # -- step 1: session type ---------------------------------------------------------------

    @rx.event
    @checked(type_id=Id)
    def choose_type(self, type_id: int):
        if not any(card.id == type_id for card in self.session_types):
            return None  # not one this builder offers on this page
        if type_id != self.type_id:
            self.type_id, self.selected_start, self.selected_day, self.slots_by_day = type_id, "", "", {}
        self.step, self.time_message, self.pay_error = "time", "", ""
        return WizardState.refresh_slots

    # -- step 2: date and time --------------------------------------------------------------

    @rx.event
    @checked(iso=text(10))
    def pick_day(self, iso: str):
        if iso in self.slots_by_day:  # only days with free times can be picked
            self.selected_day = iso

    @rx.event
    @checked(step=between(-1, 1))
    def show_month(self, step: int):
        if not self.month:
            return
        shifted = data.shift_month(self.month, step)
        if not (_now().date().isoformat()[:7] <= shifted <= max([self.month, *self.slots_by_day])[:7]):
            return  # before this month or past the last free day: nothing to show
        self.month = shifted
        first_free = min((day for day in self.slots_by_day if day.startswith(self.month)), default="")
        if first_free and not self.selected_day.startswith(self.month):
            self.selected_day = first_free

    @rx.event
    @checked(start=text(40))
    def pick_slot(self, start: str):
        if not any(slot.start == start for slot in self.slots_by_day.get(self.selected_day, [])):
            return  # not one of the free times shown
        self.selected_start, self.time_message, self.pay_error = start, "", ""
        self.step = "review" if self.reschedule_token else "details"
        if self.chosen.requires_sign_in and not self.reschedule_token:
            return WizardState.check_member

    @rx.event
    @checked()
    async def check_member(self):
        """Before the details of a members-only session type: is the customer signed in?"""
        await self._check_member()

    @rx.event
    @checked(value=text(10) | Annotated[list[text(10)], Field(max_length=2)])
    def set_clock(self, value: str | list[str]):
        self.hour12, self.clock_chosen = value == "12h", True
        # Remembered by the browser, so the confirmation page shows the same clock (issue 18).
        choice = "12h" if self.hour12 else "24h"
        return rx.call_script(f"try {{ localStorage.setItem('makerhours.clock', '{choice}'); }} catch (e) {{}}")

    @rx.event
    @checked()
    def set_zone_picker_open(self, is_open: bool):
        self.zone_picker_open = is_open
        if not is_open:
            self.zone_query = ""

    @rx.event
    @checked(query=text(100))
    def set_zone_query(self, query: str):
        self.zone_query = query[:64]

    @rx.event
    @checked(name=text(64))
    def choose_timezone(self, name: str):
        if name not in selectable_zone_names():
            return
        self.timezone, self.timezone_chosen = name, True
        self.zone_picker_open, self.zone_query = False, ""
        self.selected_day = ""  # dates move with the zone; the first free one is shown
        # Busy in the same update that closes the picker: the times shown until the new ones
        # arrive are the old zone's, and the calendar must not be used meanwhile.
        self.slots_loading = True
        return WizardState.refresh_slots

    # -- step 3: details ------------------------------------------------------------------

    @rx.event
    @checked(value=text(1000))
    def set_name(self, value: str):
        self.name = value
        if self.name_error:
            self.name_error = data.check_details(value, self.email, self.notes).name

    @rx.event
    @checked(value=text(1000))
    def set_email(self, value: str):
        if self.chosen.requires_sign_in and self.member_email:
            return  # a members-only booking uses the account's verified address
        self.email = value
        if self.email_error:
            self.email_error = data.check_details(self.name, value, self.notes).email

    @rx.event
    @checked(value=text(10_000))
    def set_notes(self, value: str):
        self.notes = value
        self.notes_error = data.check_details(self.name, self.email, value).notes

    @rx.event
    @checked(value=text(64))
    def set_phone(self, value: str):
        self.phone = str(value)[:64]
        if self.phone_error:
            self.phone_error = self._check_details().phone

    @rx.event
    @checked(question_id=text(16), value=str | bool)
    def set_answer(self, question_id: str, value: str | bool):
        """A typed, chosen or ticked answer; ids other than the chosen session type's are ignored."""
        card = self._card()
        if not any(question.id == question_id for question in card.questions):
            return
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)[:MAX_ANSWER_CHARACTERS]
        self.answers = {**self.answers, question_id: text}
        if question_id in self.answer_errors:
            self.answer_errors = {key: message for key, message in self._check_details().answers.items()
                                  if key in self.answer_errors}

    def _card(self) -> SessionTypeCard:
        return next((card for card in self.session_types if card.id == self.type_id), NO_CARD)

    def _chosen_answers(self) -> dict[str, str]:
        """The answers to the chosen session type's questions (another type's stay typed, unsent)."""
        ids = {question.id for question in self._card().questions}
        return {key: value for key, value in self.answers.items() if key in ids}

    def _check_details(self) -> data.DetailErrors:
        return data.check_details(self.name, self.email, self.notes, card=self._card(), phone=self.phone,
                                  answers=self._chosen_answers(), timezone=self.timezone or self.profile.timezone)

    @rx.event
    @checked()
    def check_email(self):
        """On leaving the field: say at once when the address cannot work."""
        if self.email.strip():
            self.email_error = data.check_details(self.name, self.email, self.notes).email

    @rx.event
    @checked()
    def continue_to_review(self):
        if self.needs_sign_in:
            return  # the details step shows the sign-in prompt instead of the form
        errors = self._check_details()
        self.name_error, self.email_error, self.notes_error = errors.name, errors.email, errors.notes
        self.phone_error, self.answer_errors = errors.phone, errors.answers
        if errors.ok:
            self.step, self.pay_error = "review", ""

    # -- navigation ----------------------------------------------------------------------

    @rx.event
    @checked(step=text(20))
    def go_to(self, step: str):
        """Back to an earlier step (the progress bar and the Back buttons); what was entered stays."""
        if self.reschedule_token and step in ("type", "details"):
            return  # reschedule mode has no session choice and no details
        if step in STEPS and STEPS.index(step) < self.step_index:
            self.step, self.pay_error = step, ""

    # -- step 4: pay ---------------------------------------------------------------------

    @rx.event
    @checked()
    async def pay(self):
        if self.busy or not (self.type_id and self.selected_start):
            return
        self.busy, self.pay_error = True, ""
        yield
        member_token = (await self.get_state(CustomerState)).customer_token if self.chosen.requires_sign_in else None
        try:
            reservation = await asyncio.to_thread(
                data.reserve_slot, session_type_id=self.type_id, start_iso=self.selected_start, name=self.name,
                email=self.email, notes=self.notes, timezone=self.timezone or self.profile.timezone,
                client_address=self.router.session.client_ip or None, now=_now(), phone=self.phone,
                answers=self._chosen_answers(), customer_token=member_token,
            )
        except SignInRequired:  # signed out meanwhile (members only): sign in again first
            self.busy, self.member_email, self.step = False, "", "details"
            return
        except Conflict as exc:  # the time was just taken: back to the times, refreshed
            self._back_to_times(exc.message)
            yield WizardState.refresh_slots
            return
        except InvalidInput as exc:
            self.busy = False
            if exc.field in ("name", "email", "notes", "phone"):
                setattr(self, f"{exc.field}_error", exc.message)
                self.step = "details"
            elif exc.field.startswith("answers."):
                self.answer_errors = {**self.answer_errors, exc.field.removeprefix("answers."): exc.message}
                self.step = "details"
            else:
                self._back_to_times(exc.message)
                yield WizardState.refresh_slots
            return
        except DomainError as exc:  # hold limit, payments unavailable, session withdrawn
            self.busy, self.pay_error = False, exc.message
            return
        if reservation.checkout_url:
            self._left_for_checkout, self._booked_token = True, reservation.token
            yield go_to_checkout(reservation.checkout_url)  # same tab; busy stays on while leaving
        else:
            yield embedding.booking_confirmed({"status": "confirmed", "start": self.selected_start,
                                               "session_type": self.chosen.title, "builder": self.profile.slug})
            self._start_fresh()
            self.busy = False
            yield rx.redirect(f"/booking/{reservation.token}/")

    # -- reschedule mode: move the booking -------------------------------------------------

    @rx.event
    @checked()
    async def move_booking(self):
        if self.busy or not (self.reschedule_token and self.selected_start):
            return
        self.busy, self.pay_error = True, ""
        yield
        token = self.reschedule_token
        try:
            await asyncio.to_thread(data.move_booking, token, self.selected_start, _now())
        except Conflict as exc:
            if exc.message == messages.SLOT_TAKEN:  # taken meanwhile: back to the times, refreshed
                self._back_to_times(exc.message)
                yield WizardState.refresh_slots
            else:  # past the cut-off, cancelled meanwhile…
                self.busy, self.pay_error = False, exc.message
            return
        except InvalidInput as exc:
            if exc.field == "start":
                self._back_to_times(exc.message)
                yield WizardState.refresh_slots
            else:
                self.busy, self.pay_error = False, exc.message
            return
        except DomainError as exc:
            self.busy, self.pay_error = False, exc.message
            return
        self.reschedule_token, self.current_start, self.selected_start, self.step = "", "", "", "time"
        self.busy = False
        yield rx.redirect(f"/booking/{token}/")

    def _back_to_times(self, message: str) -> None:
        self.busy, self.step, self.time_message, self.selected_start = False, "time", message, ""

    # -- back from Checkout without paying ------------------------------------------------

    @rx.event
    @checked()
    async def try_again(self):
        if self.busy or not self.returned_token:
            return
        self.busy, self.pay_error = True, ""
        yield
        try:
            url = await asyncio.to_thread(data.retry_checkout, self.returned_token, _now())
        except Conflict:
            self.returned_token = ""
            self._back_to_times(EXPIRED_MESSAGE)
            yield WizardState.refresh_slots
            return
        except DomainError as exc:
            self.busy, self.pay_error = False, exc.message
            return
        self._left_for_checkout, self._booked_token = True, self.returned_token
        yield go_to_checkout(url)

    @rx.event
    @checked()
    async def choose_another_time(self):
        if self.busy or not self.returned_token:
            return
        self.busy = True
        yield
        try:
            await asyncio.to_thread(data.release_hold, self.returned_token, _now())
        except Conflict:
            pass  # already expired or cancelled: the time is free either way
        except DomainError as exc:
            self.busy, self.pay_error = False, exc.message
            return
        self.returned_token = ""
        self._back_to_times("")
        yield WizardState.refresh_slots
