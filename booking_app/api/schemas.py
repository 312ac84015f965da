"""Request and response bodies of the public JSON API (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

MAX_ID = 2**31 - 1  # database integer range; larger ids cannot exist


class ErrorBody(BaseModel):
    error: str = Field(examples=["invalid_input"])
    message: str = Field(examples=["Please enter a valid e-mail address."])
    field: str | None = Field(default=None, examples=["email"])


class Price(BaseModel):
    amount: int = Field(description="integer minor units (pence, cents; yen as-is)")
    currency: str = Field(examples=["gbp"])
    display: str = Field(examples=["£150.00"])


class BuilderPublic(BaseModel):
    slug: str
    display_name: str
    headline: str
    bio: str
    photo_url: str | None = Field(description="the builder's photo (square WebP, 256 px; `size=96` for a "
                                              "small one), or null: show their initials")
    timezone: str


class RefundTierPublic(BaseModel):
    hours_before: int = Field(description="a cancellation at least this many hours before the start…")
    percent: int = Field(description="…gets this percentage of the payment back")


class QuestionPublic(BaseModel):
    id: str = Field(description="the key of its answer in `answers` when booking")
    label: str
    kind: str = Field(description="short_text (≤200 characters), long_text (≤2,000), choice (one of `choices`), "
                                  "checkbox (true/false; a required one must be true)")
    required: bool
    choices: list[str]


class SessionTypePublic(BaseModel):
    id: int
    slug: str
    title: str
    description: str
    duration_minutes: int
    price: Price
    is_free: bool
    seats: int
    refund_tiers: list[RefundTierPublic] = Field(
        description="most notice first; a cancellation with less notice than the last tier gets nothing back")
    refund_policy: str = Field(examples=["Full refund until 24 hours before the start, none after."])
    cancel_cutoff_hours: int = Field(description="customers cannot cancel later than this before the start; "
                                                 "0 = until the start")
    reschedule_cutoff_hours: int = Field(description="customers can move a booking until this many hours before the start")
    location_kind: str = Field(description="video, in_person, phone (give `phone` when booking) or builder_sends")
    questions: list[QuestionPublic] = Field(description="asked when booking; answer them in `answers`")
    requires_sign_in: bool = Field(default=False, description="members only: POST /api/bookings needs "
                                   "`Authorization: Bearer <customer token>`")


class SessionTypeList(BaseModel):
    builder: BuilderPublic
    session_types: list[SessionTypePublic]


class SlotPublic(BaseModel):
    start: datetime = Field(description="UTC")
    end: datetime = Field(description="UTC")
    local_start: datetime = Field(description="the same instant in the requested time zone")
    local_date: date
    local_time: str = Field(examples=["09:30"])
    seats_left: int


class SlotList(BaseModel):
    session_type_id: int
    timezone: str
    builder_timezone: str
    slots: list[SlotPublic]


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_type_id: int = Field(ge=1, le=MAX_ID)
    start: AwareDatetime = Field(description="ISO-8601 with offset, one of the offered slots")
    # The customer's details are checked by the booking service, with the same messages the
    # booking page shows (bookings/customer.py); the request body limit caps their size.
    name: str = Field(description="the customer's name (1-200 characters)")
    email: str = Field(description="the customer's e-mail address")
    notes: str = Field(default="", description="anything the builder should know (up to 5,000 characters)")
    timezone: str = Field(min_length=1, max_length=64, examples=["Europe/Paris"])
    phone: str = Field(default="", max_length=64,
                       description="the number the builder calls, when the session type's location_kind is phone")
    answers: dict[str, str | bool] = Field(
        default_factory=dict, max_length=10,
        description="question id → answer: text, one of the choices, or true/false for a checkbox")


class AnswerPublic(BaseModel):
    id: str
    question: str = Field(description="the question as it was asked")
    kind: str
    answer: str | bool


class BookingPublic(BaseModel):
    token: str
    status: str
    start: datetime
    end: datetime
    timezone: str = Field(description="the customer's time zone")
    local_start: datetime
    hold_expires_at: datetime | None
    amount: int
    currency: str
    price_display: str
    checkout_url: str | None = Field(description="Stripe Checkout for a paid hold; null for free sessions")
    session_type: str
    duration_minutes: int
    builder: BuilderPublic
    customer_name: str
    customer_email: str
    notes: str
    phone: str | None = Field(description="E.164, for a phone-call session")
    answers: list[AnswerPublic]
    location_kind: str = Field(description="video, in_person, phone or builder_sends")
    location: str = Field(description="where it happens, in words; empty until the booking is confirmed")
    location_url: str | None = Field(description="the video-call link, once confirmed")
    refund_tiers: list[RefundTierPublic] = Field(description="the cancellation terms when booked, most notice first")
    refund_policy: str
    cancel_cutoff_hours: int = Field(description="the customer cannot cancel later than this before the start; 0 = until the start")
    payment_status: str | None = Field(description="latest Checkout attempt: open, processing, paid, failed, expired, partially_refunded, refunded")
    amount_paid: int = Field(description="taken by successful payments (minor units)")
    amount_refunded: int = Field(description="refunds Stripe has completed")
    refund_pending: int = Field(description="refunds promised and on their way (retried until Stripe takes them)")
    refund_needs_attention: int = Field(description="refunds Stripe refused; the builder has been told")
    refund_if_cancelled_now: int = Field(description="what a customer cancellation now would refund")
    refund_percent_if_cancelled_now: int
    refund_rate_until: datetime | None = Field(description="that percentage holds until then")
    can_cancel: bool = Field(description="whether the customer may cancel now (never once the session has started)")
    cancel_refusal: str = Field(description="why the customer may not cancel now; empty when they may")
    cancelled_by: str | None = Field(description="customer, builder or system, once cancelled")
    cancellation_reason: str
    attendance: str | None = Field(description="completed or no_show, as the builder marked it after the start")
    manage_url: str
    calendar_url: str


class BookingLookupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(description="the address the bookings were made with")


class LookupAccepted(BaseModel):
    message: str


class RemindersOff(BaseModel):
    reminders: str = Field(description='"off"')


class BookingReschedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime = Field(description="the new start, ISO-8601 with offset, one of the offered slots")


class BookingCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500, description="for the builder (optional)")


# -- Customer accounts (issue 16) ------------------------------------------------------------


class CustomerCodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(description="the customer's e-mail address; a 6-digit code is mailed to it")


class CustomerCodeVerify(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    code: str = Field(max_length=20, description="the 6 digits from the e-mail")


class CustomerToken(BaseModel):
    token: str = Field(description="send it as `Authorization: Bearer <token>`")
    token_type: str = Field(description='"Bearer"')
    email: str
    expires_at: datetime = Field(description="the absolute end; it also ends after SESSION_IDLE_MINUTES unused")
