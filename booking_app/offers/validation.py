"""Pure checks for what a builder types into the offer pages: no database, no clock.

Every function either returns the clean value or raises ``InvalidInput`` naming the field and
saying, in the builder's words, what to change. The service (``offers.service``) runs them all
before it writes anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation

from booking_app import messages
from booking_app.errors import InvalidInput
from booking_app.text import refuse_control_characters
from booking_app.models import LocationKind
from booking_app.offers import terms
from booking_app.money import (
    STRIPE_MAXIMUM_CHARGE,
    STRIPE_MINIMUM_CHARGE,
    decimals,
    format_money,
    minimum_charge,
    to_minor_units,
)

MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 5000
MAX_SLUG_LENGTH = 64
MAX_DURATION_MINUTES = 12 * 60
MAX_INTERVAL_MINUTES = 12 * 60
MAX_BUFFER_MINUTES = 12 * 60
MAX_HORIZON_DAYS = 365
MAX_SEATS = 100
MAX_CUTOFF_HOURS = 720
MAX_WINDOWS_PER_DAY = 48
MAX_NOTE_LENGTH = 200
MAX_DISPLAY_NAME_LENGTH = 200
MAX_HEADLINE_LENGTH = 200
MAX_BIO_LENGTH = 5000
END_OF_DAY = 24 * 60
# An override further ahead than the longest horizon could never be booked.
MAX_OVERRIDE_DAYS_AHEAD = MAX_HORIZON_DAYS + 1

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_PRICE_PATTERN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_TIME_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})$")


# --- session types ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanSessionType:
    """A draft that passed every check, in the units the ``session_type`` table stores."""

    title: str
    slug: str | None  # None: derive from the title (create) or keep the current one (update)
    description: str
    duration_minutes: int
    price_amount: int
    currency: str
    interval_minutes: int | None
    buffer_before_minutes: int
    buffer_after_minutes: int
    minimum_notice_minutes: int
    horizon_days: int
    seats: int
    refund_tiers: list[dict[str, int]]  # as stored: offers.terms.tiers_json
    cancel_cutoff_hours: int
    reschedule_cutoff_hours: int
    location_kind: LocationKind
    location_detail: str
    questions: list[dict]  # as stored: offers.terms.questions_json
    is_active: bool
    requires_sign_in: bool = False  # members only (issue 16)


def clean_session_type(draft) -> CleanSessionType:  # noqa: ANN001 - offers.service.SessionTypeDraft
    """Check every field of a ``SessionTypeDraft`` (in form order) and convert the price."""
    title = clean_title(draft.title)
    slug = clean_slug(draft.slug)
    description = clean_text(draft.description, "description", MAX_DESCRIPTION_LENGTH, "The description")
    duration = whole_number(draft.duration_minutes, "duration_minutes", "the duration")
    if duration <= 0:
        raise InvalidInput("duration_minutes", messages.OFFER_DURATION_POSITIVE)
    if duration > MAX_DURATION_MINUTES:
        raise InvalidInput("duration_minutes", messages.OFFER_DURATION_TOO_LONG)
    currency = clean_currency(draft.currency)
    price = parse_price(draft.price, currency)
    interval = None
    if draft.interval_minutes not in (None, ""):
        interval = whole_number(draft.interval_minutes, "interval_minutes", "the interval")
        if interval <= 0:
            raise InvalidInput("interval_minutes", messages.OFFER_INTERVAL_POSITIVE)
        if interval > MAX_INTERVAL_MINUTES:
            raise InvalidInput("interval_minutes", messages.OFFER_INTERVAL_TOO_LONG)
    before = _buffer(draft.buffer_before_minutes, "buffer_before_minutes", "before")
    after = _buffer(draft.buffer_after_minutes, "buffer_after_minutes", "after")
    horizon = whole_number(draft.horizon_days, "horizon_days", "the booking horizon")
    if not 1 <= horizon <= MAX_HORIZON_DAYS:
        raise InvalidInput("horizon_days", messages.OFFER_HORIZON_RANGE)
    notice = whole_number(draft.minimum_notice_minutes, "minimum_notice_minutes", "the minimum notice")
    if notice < 0:
        raise InvalidInput("minimum_notice_minutes", messages.OFFER_NOTICE_NEGATIVE)
    if notice >= horizon * 24 * 60:
        message = messages.OFFER_NOTICE_BEYOND_HORIZON.format(days=horizon)
        raise InvalidInput("minimum_notice_minutes", message)
    seats = whole_number(draft.seats, "seats", "the number of seats")
    if not 1 <= seats <= MAX_SEATS:
        raise InvalidInput("seats", messages.OFFER_SEATS_RANGE)
    tiers = terms.clean_refund_tiers(draft.refund_tiers)
    cancel_cutoff = whole_number(draft.cancel_cutoff_hours, "cancel_cutoff_hours", "the cancellation cut-off")
    if not 0 <= cancel_cutoff <= MAX_CUTOFF_HOURS:
        raise InvalidInput("cancel_cutoff_hours", messages.OFFER_CANCEL_CUTOFF_RANGE)
    moves = whole_number(draft.reschedule_cutoff_hours, "reschedule_cutoff_hours", "the reschedule cut-off")
    if not 0 <= moves <= MAX_CUTOFF_HOURS:
        raise InvalidInput("reschedule_cutoff_hours", messages.OFFER_RESCHEDULE_CUTOFF_RANGE)
    location = terms.clean_location(draft.location_kind, draft.location_detail)
    questions = terms.clean_questions(draft.questions)
    return CleanSessionType(
        title=title, slug=slug, description=description, duration_minutes=duration, price_amount=price,
        currency=currency, interval_minutes=interval, buffer_before_minutes=before,
        buffer_after_minutes=after, minimum_notice_minutes=notice, horizon_days=horizon, seats=seats,
        refund_tiers=terms.tiers_json(tiers), cancel_cutoff_hours=cancel_cutoff, reschedule_cutoff_hours=moves,
        location_kind=location.kind, location_detail=location.detail,
        questions=terms.questions_json(questions), is_active=bool(draft.is_active),
        requires_sign_in=bool(getattr(draft, "requires_sign_in", False)),
    )


def _buffer(value: object, field: str, side: str) -> int:
    minutes = whole_number(value, field, f"the buffer {side}")
    if minutes < 0:
        raise InvalidInput(field, messages.OFFER_BUFFER_NEGATIVE)
    if minutes > MAX_BUFFER_MINUTES:
        raise InvalidInput(field, messages.OFFER_BUFFER_TOO_LONG)
    return minutes


def whole_number(value: object, field: str, what: str) -> int:
    """An int, or a string of digits as typed into a form; ``InvalidInput`` otherwise.

    >>> whole_number(" 45 ", "seats", "the number of seats")
    45
    """
    if isinstance(value, bool):
        raise InvalidInput(field, messages.OFFER_WHOLE_NUMBER.format(what=what))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,9}", value.strip()):
        return int(value.strip())
    raise InvalidInput(field, messages.OFFER_WHOLE_NUMBER.format(what=what))


def clean_title(title: str) -> str:
    title = " ".join(refuse_control_characters(title or "", "title").split())
    if not title:
        raise InvalidInput("title", messages.OFFER_TITLE_REQUIRED)
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput("title", messages.OFFER_TITLE_TOO_LONG)
    return title


def clean_text(text: str | None, field: str, limit: int, label: str) -> str:
    text = refuse_control_characters(text or "", field).strip()
    if len(text) > limit:
        raise InvalidInput(field, messages.OFFER_TEXT_TOO_LONG.format(label=label, limit=f"{limit:,}"))
    return text


def clean_slug(slug: str | None) -> str | None:
    """A typed link name, lower-cased; ``None`` when left empty.

    >>> clean_slug(" Intro-Call "), clean_slug("")
    ('intro-call', None)
    """
    if slug is None or not slug.strip():
        return None
    slug = slug.strip().lower()
    if not SLUG_PATTERN.fullmatch(slug):
        raise InvalidInput("slug", messages.OFFER_SLUG_FORMAT)
    return slug


def slugify(title: str) -> str:
    """A link name derived from a title: ASCII letters, digits and hyphens, at most 64.

    >>> slugify("Café & Code review — 1:1"), slugify("!!!")
    ('cafe-code-review-1-1', 'session')
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].strip("-") or "session"


def numbered_slug(base: str, number: int) -> str:
    """The ``number``-th alternative to ``base`` (2 → ``base-2``), still at most 64 characters.

    >>> numbered_slug("intro", 2), len(numbered_slug("x" * 64, 10))
    ('intro-2', 64)
    """
    suffix = f"-{number}"
    return base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix


def supported_currencies() -> list[str]:
    """Upper-case codes a session can be priced in: those with a Stripe minimum we know."""
    return sorted(code.upper() for code in STRIPE_MINIMUM_CHARGE)


def clean_currency(currency: str | None) -> str:
    """Lower-case ISO code, if sessions can be priced in it.

    >>> clean_currency(" JPY ")
    'jpy'
    """
    code = (currency or "").strip().lower()
    if code not in STRIPE_MINIMUM_CHARGE:
        shown = (currency or "").strip().upper() or "(none)"
        known = ", ".join(supported_currencies())
        raise InvalidInput("currency", messages.OFFER_CURRENCY_UNKNOWN.format(code=shown, known=known))
    return code


def parse_price(text: str | Decimal | int | None, currency: str) -> int:
    """A price as typed ("150", "150.00", "1500" for JPY) → integer minor units; 0 = free.

    Refuses negative amounts, more decimals than the currency has, non-zero amounts below
    Stripe's minimum charge and amounts above its maximum.

    >>> parse_price("150", "gbp"), parse_price("150.00", "usd"), parse_price("1500", "jpy")
    (15000, 15000, 1500)
    >>> parse_price("0", "eur"), parse_price(" 0.5 ", "eur")
    (0, 50)
    """
    raw = "" if text is None else str(text).strip()
    if not raw:
        raise InvalidInput("price", messages.OFFER_PRICE_REQUIRED)
    if len(raw) > 20 or not _PRICE_PATTERN.fullmatch(raw):
        raise InvalidInput("price", messages.OFFER_PRICE_FORMAT)
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        raise InvalidInput("price", messages.OFFER_PRICE_FORMAT) from None
    if value < 0:
        raise InvalidInput("price", messages.OFFER_PRICE_NEGATIVE)
    try:
        amount = to_minor_units(value, currency)
    except ValueError:
        places = decimals(currency)
        if places == 0:
            message = messages.OFFER_PRICE_NO_DECIMALS.format(code=currency.upper())
        else:
            message = messages.OFFER_PRICE_TOO_MANY_DECIMALS.format(code=currency.upper(), places=places)
        raise InvalidInput("price", message) from None
    if amount == 0:
        return 0
    smallest = minimum_charge(currency)
    if amount < smallest:
        raise InvalidInput(
            "price", messages.OFFER_PRICE_BELOW_MINIMUM.format(minimum=format_money(smallest, currency),
                                                              code=currency.upper())
        )
    if amount > STRIPE_MAXIMUM_CHARGE:
        largest = format_money(STRIPE_MAXIMUM_CHARGE, currency)
        raise InvalidInput("price", messages.OFFER_PRICE_ABOVE_MAXIMUM.format(maximum=largest))
    return amount


# --- hours ------------------------------------------------------------------------------------


def format_minute(minute: int) -> str:
    """Minutes since local midnight → "HH:MM"; the end of the day is "24:00".

    >>> format_minute(0), format_minute(9 * 60 + 30), format_minute(1440)
    ('00:00', '09:30', '24:00')
    """
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_minute(value: str | int | time, *, is_end: bool) -> int:
    """"HH:MM" (or minutes since midnight, or a ``time``) → minutes since local midnight.

    "24:00" (1440) is allowed only as an end, for the midnight that ends the day.

    >>> parse_minute("09:30", is_end=False), parse_minute("24:00", is_end=True)
    (570, 1440)
    >>> parse_minute(600, is_end=True)
    600
    """
    label = "end" if is_end else "start"
    if isinstance(value, time):
        if value.tzinfo is not None or value.second or value.microsecond:
            raise InvalidInput("windows", messages.HOURS_TIME_FORMAT)
        minute = value.hour * 60 + value.minute
        return END_OF_DAY if is_end and minute == 0 else minute
    if isinstance(value, bool):
        raise InvalidInput("windows", messages.HOURS_TIME_FORMAT)
    if isinstance(value, int):
        minute = value
    elif isinstance(value, str) and (match := _TIME_PATTERN.fullmatch(value.strip())):
        hours, minutes = int(match[1]), int(match[2])
        if minutes > 59 or hours > 24:
            raise InvalidInput("windows", messages.HOURS_NOT_A_TIME.format(value=value.strip()))
        minute = hours * 60 + minutes
    else:
        raise InvalidInput("windows", messages.HOURS_TIME_FORMAT)
    if not 0 <= minute <= END_OF_DAY or (minute == END_OF_DAY and not is_end):
        shown = format_minute(minute) if 0 <= minute <= END_OF_DAY else str(value)
        raise InvalidInput("windows", messages.HOURS_OUT_OF_DAY.format(label=label, value=shown))
    return minute


def parse_windows(windows: Iterable[Sequence[str | int | time]] | None) -> list[tuple[int, int]]:
    """One day's windows as ``(start, end)`` pairs → sorted ``[start, end)`` minutes.

    Refuses windows that end before they start or are empty, and windows that overlap
    (touching is fine: 09:00–12:00 and 12:00–13:00).

    >>> parse_windows([("13:00", "17:00"), ("09:00", "12:00")])
    [(540, 720), (780, 1020)]
    """
    parsed: list[tuple[int, int]] = []
    for window in windows or ():
        if isinstance(window, str) or len(window) != 2:
            raise InvalidInput("windows", messages.HOURS_WINDOW_SHAPE)
        start = parse_minute(window[0], is_end=False)
        end = parse_minute(window[1], is_end=True)
        span = _span(start, end)
        if end < start:
            raise InvalidInput("windows", messages.HOURS_ENDS_BEFORE_START.format(span=span))
        if end == start:
            raise InvalidInput("windows", messages.HOURS_EMPTY_WINDOW.format(span=span))
        parsed.append((start, end))
    if len(parsed) > MAX_WINDOWS_PER_DAY:
        raise InvalidInput("windows", messages.HOURS_TOO_MANY.format(limit=MAX_WINDOWS_PER_DAY))
    parsed.sort()
    for first, second in zip(parsed, parsed[1:], strict=False):
        if second[0] < first[1]:
            message = messages.HOURS_OVERLAP.format(first=_span(*first), second=_span(*second))
            raise InvalidInput("windows", message)
    return parsed


def _span(start: int, end: int) -> str:
    return f"{format_minute(start)}–{format_minute(end)}"


def clean_weekday(weekday: object) -> int:
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise InvalidInput("weekday", messages.HOURS_WEEKDAY)
    return weekday


def clean_day(day: date | str, today: date) -> date:
    """A date override's day: a ``date`` or "YYYY-MM-DD", from ``today`` to a year ahead."""
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day.strip())
        except ValueError:
            raise InvalidInput("day", messages.OVERRIDE_DAY_FORMAT) from None
    if not isinstance(day, date):
        raise InvalidInput("day", messages.OVERRIDE_DAY_FORMAT)
    if day < today:
        raise InvalidInput("day", messages.OVERRIDE_DAY_PAST.format(today=today.isoformat()))
    if (day - today).days > MAX_OVERRIDE_DAYS_AHEAD:
        raise InvalidInput("day", messages.OVERRIDE_DAY_TOO_FAR)
    return day


# --- profile ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanProfile:
    display_name: str
    headline: str
    bio: str


def clean_profile(display_name: str, headline: str, bio: str) -> CleanProfile:
    name = " ".join(refuse_control_characters(display_name or "", "display_name").split())
    if not name or len(name) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidInput("display_name", messages.PROFILE_NAME_LENGTH)
    headline = " ".join(refuse_control_characters(headline or "", "headline").split())
    if len(headline) > MAX_HEADLINE_LENGTH:
        raise InvalidInput("headline", messages.OFFER_TEXT_TOO_LONG.format(label="The headline", limit="200"))
    return CleanProfile(name, headline, clean_text(bio, "bio", MAX_BIO_LENGTH, "The bio"))


# --- reminders --------------------------------------------------------------------------------

MAX_REMINDERS = 3
MAX_REMINDER_HOURS = 168


def parse_reminder_hours(text: str) -> list[int]:
    """Hours before a session to remind its customer, as typed ("24, 1"), largest first;
    empty for no reminders.

    >>> parse_reminder_hours(" 1, 24 "), parse_reminder_hours("")
    ([24, 1], [])
    """
    parts = [part.strip().lower().removesuffix("h").strip() for part in (text or "").split(",") if part.strip()]
    if any(not part.isdigit() or not 1 <= int(part) <= MAX_REMINDER_HOURS for part in parts):
        raise InvalidInput("reminder_hours", messages.REMINDER_HOURS_FORMAT)
    hours = sorted({int(part) for part in parts}, reverse=True)
    if len(hours) > MAX_REMINDERS:
        raise InvalidInput("reminder_hours", messages.REMINDER_HOURS_TOO_MANY)
    return hours
