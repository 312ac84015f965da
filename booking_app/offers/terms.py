"""A session type's booking terms, as values: refund tiers, the meeting location and the
questions asked on the details step; and the checks of what a builder types for them and of
what a customer answers. Pure: no database, no clock.

They are stored as JSON on the session type and frozen on each booking when it is made
(``bookings.holds``), so a builder's later edit never changes what a customer agreed to.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from booking_app import messages
from booking_app.errors import InvalidInput
from booking_app.models import LocationKind
from booking_app.text import refuse_control_characters

MAX_NOTICE_HOURS = 720
MAX_TIERS = 5
MAX_QUESTIONS = 10
MAX_QUESTION_LENGTH = 200
MAX_CHOICES = 20
MAX_CHOICE_LENGTH = 100
MAX_LOCATION_LENGTH = 500
SHORT_ANSWER_LENGTH = 200
LONG_ANSWER_LENGTH = 2000


# --- refund tiers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundTier:
    """Cancelling at least ``hours_before`` hours before the start refunds ``percent`` %."""

    hours_before: int
    percent: int


def tiers_of(stored: Iterable[Mapping]) -> tuple[RefundTier, ...]:
    """Stored JSON → tiers, most notice first."""
    tiers = (RefundTier(int(row["hours_before"]), int(row["percent"])) for row in stored)
    return tuple(sorted(tiers, key=lambda tier: -tier.hours_before))


def tiers_json(tiers: Iterable[RefundTier]) -> list[dict[str, int]]:
    return [{"hours_before": tier.hours_before, "percent": tier.percent} for tier in tiers]


def clean_refund_tiers(rows: Sequence[Mapping[str, object]]) -> tuple[RefundTier, ...]:
    """The tiers a builder typed (any order; numbers or digit strings), checked: hours 0–720,
    percent 1–100, distinct hours, and more notice never refunding less. None = no refunds."""
    if len(rows) > MAX_TIERS:
        raise InvalidInput("refund_tiers", messages.OFFER_TIERS_TOO_MANY)
    tiers = []
    for n, row in enumerate(rows, start=1):
        hours = _whole(row.get("hours_before"))
        if hours is None or not 0 <= hours <= MAX_NOTICE_HOURS:
            raise InvalidInput("refund_tiers", messages.OFFER_TIER_HOURS.format(n=n))
        percent = _whole(row.get("percent"))
        if percent is None or not 1 <= percent <= 100:
            raise InvalidInput("refund_tiers", messages.OFFER_TIER_PERCENT.format(n=n))
        tiers.append(RefundTier(hours, percent))
    ordered = tiers_of(tiers_json(tiers))
    for more, less in zip(ordered, ordered[1:], strict=False):
        if more.hours_before == less.hours_before:
            raise InvalidInput("refund_tiers", messages.OFFER_TIERS_SAME_HOURS.format(hours=more.hours_before))
        if more.percent < less.percent:
            raise InvalidInput("refund_tiers", messages.OFFER_TIERS_ORDER.format(
                more=more.hours_before, more_percent=more.percent, less=less.hours_before,
                less_percent=less.percent))
    return ordered


def refund_tier_at(tiers: Sequence[RefundTier], notice: timedelta) -> RefundTier | None:
    """The tier a cancellation ``notice`` before the start falls in (None: no refund).

    >>> tiers = (RefundTier(24, 100), RefundTier(12, 50))
    >>> [refund_tier_at(tiers, timedelta(hours=h)) for h in (30, 24, 13, 11)]  # doctest: +NORMALIZE_WHITESPACE
    [RefundTier(hours_before=24, percent=100), RefundTier(hours_before=24, percent=100),
     RefundTier(hours_before=12, percent=50), None]
    """
    return next((tier for tier in tiers if notice >= timedelta(hours=tier.hours_before)), None)


def describe_refund_tiers(tiers: Sequence[RefundTier]) -> str:
    """The policy in one sentence, for the wizard, the booking page and the mails.

    >>> describe_refund_tiers((RefundTier(48, 100), RefundTier(24, 50), RefundTier(0, 10)))
    'Full refund until 48 hours before the start, 50 % until 24 hours before, 10 % until the start.'
    >>> describe_refund_tiers((RefundTier(24, 100),))
    'Full refund until 24 hours before the start, none after.'
    >>> describe_refund_tiers(())
    'No refunds for cancellations.'
    """
    if not tiers:
        return "No refunds for cancellations."
    parts = []
    for n, tier in enumerate(tiers):
        amount = "Full refund" if tier.percent == 100 else f"{tier.percent} %"
        if n == 0 and tier.percent != 100:
            amount = f"{tier.percent} % refund"
        if tier.hours_before == 0:
            until = "until the start"
        else:
            unit = "hour" if tier.hours_before == 1 else "hours"
            until = f"until {tier.hours_before} {unit} before" + (" the start" if n == 0 else "")
        parts.append(f"{amount} {until}")
    ending = "." if tiers[-1].hours_before == 0 else ", none after."
    return ", ".join(parts) + ending


def describe_cancellation(tiers: Sequence[RefundTier], cancel_cutoff_hours: int, *, is_free: bool) -> str:
    """What a customer may do, in words: the refunds (for a paid session) and until when
    cancelling is possible at all.

    >>> describe_cancellation((RefundTier(24, 100),), 0, is_free=False)
    'Full refund until 24 hours before the start, none after.'
    >>> describe_cancellation((RefundTier(48, 100), RefundTier(12, 50)), 6, is_free=False)
    'Full refund until 48 hours before the start, 50 % until 12 hours before, none after. Cancellations close 6 hours before the start.'
    >>> describe_cancellation((), 2, is_free=True)
    'You can cancel until 2 hours before the start.'
    """
    close = (f"{cancel_cutoff_hours} hour{'s' if cancel_cutoff_hours != 1 else ''} before the start"
             if cancel_cutoff_hours else "the session starts")
    if is_free:
        return f"You can cancel until {close}."
    policy = describe_refund_tiers(tiers)
    return f"{policy} Cancellations close {close}." if cancel_cutoff_hours else policy


# --- location ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    kind: LocationKind
    detail: str  # the video link or the address; "" otherwise

    def describe(self, *, phone: str | None = None, builder: str = "The builder") -> str:
        """One line for the page, the mails and the calendar event."""
        if self.kind == LocationKind.VIDEO:
            return f"Video call: {self.detail}"
        if self.kind == LocationKind.IN_PERSON:
            return f"In person: {self.detail}"
        if self.kind == LocationKind.PHONE:
            return f"Phone call: {builder} calls you on {phone}" if phone else "Phone call"
        return f"{builder} will send you the details."

    def calendar_location(self, *, phone: str | None = None) -> str | None:
        """The event's ``LOCATION``: the link, the address or the number; None when unknown."""
        if self.kind in (LocationKind.VIDEO, LocationKind.IN_PERSON):
            return self.detail
        if self.kind == LocationKind.PHONE and phone:
            return f"Phone: {phone}"
        return None

    @property
    def url(self) -> str | None:
        return self.detail if self.kind == LocationKind.VIDEO else None


LOCATION_LABELS = {
    LocationKind.VIDEO: "Video call (a fixed link)",
    LocationKind.IN_PERSON: "In person (an address)",
    LocationKind.PHONE: "Phone call (the customer gives a number)",
    LocationKind.BUILDER_SENDS: "I will send the details",
}


def clean_location(kind: object, detail: object) -> Location:
    try:
        location_kind = LocationKind(str(kind or LocationKind.BUILDER_SENDS.value))
    except ValueError:
        raise InvalidInput("location_kind", messages.OFFER_LOCATION_KIND) from None
    text = " ".join(refuse_control_characters(str(detail or ""), "location_detail").split())
    if len(text) > MAX_LOCATION_LENGTH:
        raise InvalidInput("location_detail", messages.OFFER_LOCATION_TOO_LONG)
    if location_kind == LocationKind.VIDEO:
        parts = urlsplit(text)
        if parts.scheme not in ("https", "http") or not parts.hostname or " " in text:
            raise InvalidInput("location_detail", messages.OFFER_VIDEO_LINK)
    elif location_kind == LocationKind.IN_PERSON:
        if not text:
            raise InvalidInput("location_detail", messages.OFFER_ADDRESS_REQUIRED)
    else:
        text = ""  # nothing to keep for a phone call or details sent later
    return Location(location_kind, text)


# --- questions and answers ---------------------------------------------------------------------


class QuestionKind(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    CHOICE = "choice"  # one of ``choices``
    CHECKBOX = "checkbox"  # ticked or not; a required one must be ticked


QUESTION_KIND_LABELS = {
    QuestionKind.SHORT_TEXT: "Short text",
    QuestionKind.LONG_TEXT: "Long text",
    QuestionKind.CHOICE: "Single choice",
    QuestionKind.CHECKBOX: "Checkbox",
}


@dataclass(frozen=True)
class Question:
    id: str  # stable across edits: answers are matched to questions by it
    label: str
    kind: QuestionKind
    required: bool
    choices: tuple[str, ...] = ()


def questions_of(stored: Iterable[Mapping]) -> tuple[Question, ...]:
    return tuple(Question(row["id"], row["label"], QuestionKind(row["kind"]), bool(row["required"]),
                          tuple(row.get("choices") or ())) for row in stored)


def questions_json(questions: Iterable[Question]) -> list[dict]:
    return [{"id": q.id, "label": q.label, "kind": q.kind.value, "required": q.required,
             "choices": list(q.choices)} for q in questions]


def new_question_id() -> str:
    return "q" + secrets.token_hex(4)


def clean_questions(rows: Sequence[Mapping[str, object]]) -> tuple[Question, ...]:
    """The questions a builder typed, in order: ``label``, ``kind``, ``required`` and, for a
    single choice, ``choices`` (a list, or text with one choice per line). A row without an
    ``id`` is new and gets one."""
    if len(rows) > MAX_QUESTIONS:
        raise InvalidInput("questions", messages.OFFER_QUESTIONS_TOO_MANY)
    questions, seen = [], set()
    for n, row in enumerate(rows, start=1):
        label = " ".join(refuse_control_characters(str(row.get("label") or ""), "questions").split())
        if not 1 <= len(label) <= MAX_QUESTION_LENGTH:
            raise InvalidInput("questions", messages.OFFER_QUESTION_LABEL.format(n=n))
        try:
            kind = QuestionKind(str(row.get("kind") or ""))
        except ValueError:
            raise InvalidInput("questions", messages.OFFER_QUESTION_KIND.format(n=n)) from None
        choices: tuple[str, ...] = ()
        if kind == QuestionKind.CHOICE:
            raw = row.get("choices") or ()
            lines = raw.splitlines() if isinstance(raw, str) else [str(item) for item in raw]
            lines = [refuse_control_characters(line, "questions") for line in lines]
            choices = tuple(dict.fromkeys(" ".join(line.split()) for line in lines if line.strip()))
            if not 2 <= len(choices) <= MAX_CHOICES or any(len(c) > MAX_CHOICE_LENGTH for c in choices):
                raise InvalidInput("questions", messages.OFFER_QUESTION_CHOICES.format(n=n))
        question_id = str(row.get("id") or "")
        if not question_id or question_id in seen or len(question_id) > 16 or not question_id.isalnum():
            question_id = new_question_id()
        seen.add(question_id)
        questions.append(Question(question_id, label, kind, _truthy(row.get("required")), choices))
    return tuple(questions)


def answer_field(question_id: str) -> str:
    """The field name an answer's error is reported under (``InvalidInput.field``)."""
    return f"answers.{question_id}"


def answer_problems(questions: Sequence[Question], answers: Mapping[str, object]) -> dict[str, str]:
    """Field → message for every answer that is not acceptable (empty when all are)."""
    problems: dict[str, str] = {}
    for question_id in answers:
        if question_id not in {q.id for q in questions}:
            problems[answer_field(str(question_id))] = messages.ANSWER_UNKNOWN.format(id=str(question_id)[:40])
    for question in questions:
        try:
            _answer(question, answers.get(question.id))
        except InvalidInput as exc:
            problems[exc.field] = exc.message
    return problems


def clean_answers(questions: Sequence[Question], answers: Mapping[str, object] | None) -> list[dict]:
    """The answers as stored on the booking, each with its question as asked:
    ``[{"id", "question", "kind", "answer"}]`` (text, a choice, or true/false). Unanswered
    optional text questions are left out. ``InvalidInput`` names the first bad answer."""
    answers = answers or {}
    problems = answer_problems(questions, answers)
    if problems:
        field, message = next(iter(problems.items()))
        raise InvalidInput(field, message)
    stored = []
    for question in questions:
        value = _answer(question, answers.get(question.id))
        if value == "":
            continue
        stored.append({"id": question.id, "question": question.label, "kind": question.kind.value,
                       "answer": value})
    return stored


def _answer(question: Question, value: object) -> str | bool:
    field = answer_field(question.id)
    if question.kind == QuestionKind.CHECKBOX:
        ticked = _truthy(value)
        if question.required and not ticked:
            raise InvalidInput(field, messages.ANSWER_REQUIRED_CHECKBOX)
        return ticked
    text = "" if value is None or isinstance(value, bool) else refuse_control_characters(str(value), field)
    text = text.strip() if question.kind == QuestionKind.LONG_TEXT else " ".join(text.split())
    if not text:
        if question.required:
            raise InvalidInput(field, messages.ANSWER_REQUIRED)
        return ""
    if question.kind == QuestionKind.CHOICE:
        if text not in question.choices:
            raise InvalidInput(field, messages.ANSWER_NOT_A_CHOICE)
        return text
    limit = LONG_ANSWER_LENGTH if question.kind == QuestionKind.LONG_TEXT else SHORT_ANSWER_LENGTH
    if len(text) > limit:
        raise InvalidInput(field, messages.ANSWER_TOO_LONG.format(limit=f"{limit:,}"))
    return text


def describe_answer(answer: Mapping) -> str:
    value = answer["answer"]
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None
