"""Hypothesis properties of the pure slot engine (``booking_app.scheduling.slots``).

Random configurations: a zone from a list with ordinary, southern-hemisphere, half-hour-offset
and half-hour-DST rules; a query range of up to a few days, often placed around a DST change;
random weekly windows and date overrides on a 15-minute grid; durations and intervals that are
multiples of 15 minutes; random busy intervals, buffers, notice and horizon.

The checks are written from the engine's contract:

(a) every slot lies inside an availability window of its local date (local wall clock), on
    the interval grid counted from local midnight, and its real end is not after the window's
    end (gap ends resolved with the pre-transition offset, ambiguous ends at first occurrence);
(b) no slot's buffered span overlaps busy time;
(c) the result is sorted, unique, UTC-aware and within the query/notice/horizon bounds;
(d) adding busy time never adds slots;
(e) the result equals an independent brute-force oracle scanning every UTC minute (on random
    configurations, and on whole DST-change days with night windows);
plus targeted checks derived from an actual slot: busy time touching its buffered span keeps
it while one minute of overlap removes it (b2); query/notice/horizon bounds placed exactly on
it behave inclusively/exclusively as specified (c2); a day-off override removes exactly the
slots of its local date (f).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking_app.scheduling.slots import WeeklyWindow, compute_slots

MINUTE = timedelta(minutes=1)
QUARTER = timedelta(minutes=15)
DAY = timedelta(days=1)

# Local dates on which the clocks change in 2026 (the zone's DST start and end).
DST_CHANGES: dict[str, list[date]] = {
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Europe/London": [date(2026, 3, 29), date(2026, 10, 25)],
    "Australia/Sydney": [date(2026, 4, 5), date(2026, 10, 4)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],  # 30-minute DST
    "Asia/Kolkata": [],  # +05:30, no DST
    "UTC": [],
}
ZONES = sorted(DST_CHANGES)

Window = tuple[time, time]


@dataclass(frozen=True)
class Config:
    tz: str
    weekly: tuple[WeeklyWindow, ...]
    overrides: dict[date, list[Window]]
    duration: timedelta
    interval: timedelta | None
    buffer_before: timedelta
    buffer_after: timedelta
    minimum_notice: timedelta
    horizon: timedelta | None
    busy: tuple[tuple[datetime, datetime], ...]
    start: datetime
    end: datetime
    now: datetime

    @property
    def step(self) -> timedelta:
        return self.duration if self.interval is None else self.interval

    def kwargs(self) -> dict[str, Any]:
        return {
            "timezone": self.tz,
            "weekly": self.weekly,
            "overrides": self.overrides,
            "duration": self.duration,
            "interval": self.interval,
            "buffer_before": self.buffer_before,
            "buffer_after": self.buffer_after,
            "minimum_notice": self.minimum_notice,
            "horizon": self.horizon,
            "busy": self.busy,
            "start": self.start,
            "end": self.end,
            "now": self.now,
        }

    def windows_for(self, day: date) -> list[Window]:
        if day in self.overrides:
            return list(self.overrides[day])
        return [(w.start, w.end) for w in self.weekly if w.weekday == day.weekday()]


def slots_for(cfg: Config) -> list[datetime]:
    return compute_slots(**cfg.kwargs())


# --------------------------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------------------------


def _quarter_time(q: int) -> time:
    return time(0, 0) if q == 96 else time(q // 4, q % 4 * 15)


@lru_cache(maxsize=None)
def transition_instant(tz: str, day: date) -> datetime:
    """The UTC minute at which ``tz``'s UTC offset changes around local ``day``."""
    zone = ZoneInfo(tz)
    u = datetime.combine(day, time(0), UTC) - DAY
    offset = u.astimezone(zone).utcoffset()
    while (u + MINUTE).astimezone(zone).utcoffset() == offset:
        u += MINUTE
        assert u < datetime.combine(day, time(0), UTC) + 2 * DAY, (tz, day)
    return u + MINUTE


@st.composite
def windows(draw: st.DrawFn, kind: str | None = None) -> Window:
    """A local window on the 15-minute grid; an end of 96 quarters is written 00:00.

    ``night`` windows start between 00:00 and 03:00 and end by 05:00, so they often begin or
    end inside a DST gap or fold, or span one; ``evening`` windows start from 18:00 and often
    end at midnight, so their slots fall on the next (or previous) UTC date.
    """
    kind = kind or draw(st.sampled_from(["any", "night", "evening"]))
    if kind == "night":
        q0 = draw(st.integers(0, 12))
        q1 = draw(st.integers(q0 + 1, 20))
    elif kind == "evening":
        q0 = draw(st.integers(72, 95))
        q1 = draw(st.one_of(st.just(96), st.integers(q0 + 1, 96)))
    else:
        q0 = draw(st.integers(0, 95))
        q1 = draw(st.integers(q0 + 1, 96))
    return _quarter_time(q0), _quarter_time(q1)


def _buffers() -> st.SearchStrategy[timedelta]:
    return st.one_of(st.just(timedelta(0)), _quarters(1, 4), _minutes(1, 60))


def _minutes(lo: int, hi: int) -> st.SearchStrategy[timedelta]:
    return st.integers(lo, hi).map(lambda m: timedelta(minutes=m))


def _quarters(lo: int, hi: int) -> st.SearchStrategy[timedelta]:
    return st.integers(lo, hi).map(lambda q: q * QUARTER)


@st.composite
def busy_intervals(draw: st.DrawFn, start: datetime, end: datetime, max_size: int = 10):
    """UTC-aware [s, e) intervals around the query range, minute- or quarter-aligned."""
    span = int((end - start) / MINUTE) + 2 * 24 * 60
    # Anchor on the UTC quarter-hour grid: every zone in ZONES has a whole-quarter offset, so
    # quarter-aligned busy intervals can touch slots and buffered spans exactly.
    origin = start - DAY
    origin -= timedelta(minutes=origin.minute % 15, seconds=origin.second,
                        microseconds=origin.microsecond)
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        if draw(st.booleans()):
            offset = draw(st.integers(0, span // 15)) * 15
            length = draw(st.integers(1, 16)) * 15
        else:
            offset = draw(st.integers(0, span))
            length = draw(st.integers(0, 240))
        s = origin + timedelta(minutes=offset)
        out.append((s, s + timedelta(minutes=length)))
    return tuple(out)


@st.composite
def configs(draw: st.DrawFn, max_days: int = 3) -> Config:
    tz = draw(st.sampled_from(ZONES))
    changes = DST_CHANGES[tz]
    focus = bool(changes) and draw(st.sampled_from([True, True, False]))
    change_day = draw(st.sampled_from(changes)) if focus else None
    if change_day is not None:
        # DST focus: the range straddles the actual change instant.
        change = transition_instant(tz, change_day)
        start = change - draw(_minutes(0, 36 * 60))
        end = change + draw(_minutes(1, 36 * 60))
    else:
        anchor = draw(st.dates(date(2026, 1, 1), date(2026, 12, 31)))
        start = draw(st.sampled_from([
            datetime.combine(anchor, time(0), UTC),  # UTC midnight
            datetime.combine(anchor, time(0), ZoneInfo(tz)).astimezone(UTC),  # local midnight
        ]))
        start += draw(st.one_of(st.just(timedelta(0)), _minutes(-12 * 60, 12 * 60)))
        end = start + draw(st.integers(1, max_days * 24)) * timedelta(hours=1) + draw(_minutes(0, 59))

    # Most weekdays get one or two windows, some get none; windows may overlap.
    weekly = tuple(
        WeeklyWindow(weekday, *window)
        for weekday in range(7)
        for window in draw(
            st.lists(windows(), min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=2)
        )
    )
    first_local = start.date() - DAY
    override_days = st.dates(first_local, end.date() + DAY)
    overrides = draw(
        st.dictionaries(override_days, st.lists(windows(), max_size=3), max_size=3)
    )
    if change_day is not None and draw(st.sampled_from([True, True, True, False])):
        # Night windows on the change date, covering the gap / fold hours.
        overrides[change_day] = draw(st.lists(windows("night"), min_size=1, max_size=2))

    duration = draw(st.one_of(_quarters(1, 4), _quarters(1, 12)))
    interval = draw(st.one_of(st.none(), _quarters(1, 8)))
    buffer_before = draw(_buffers())
    buffer_after = draw(_buffers())
    # `now` usually before the range, sometimes inside it; notice and horizon then cut the
    # range at a random point (or not at all).
    now = start + draw(st.one_of(_minutes(-2 * 24 * 60, 0), _minutes(0, 12 * 60)))
    minimum_notice = draw(st.one_of(st.just(timedelta(0)), _minutes(0, 24 * 60)))
    horizon_past_start = draw(st.one_of(st.none(), _minutes(-6 * 60, max_days * 24 * 60)))
    horizon = (
        None
        if horizon_past_start is None
        else max(timedelta(0), start - now + horizon_past_start)
    )
    busy = draw(busy_intervals(start, end))
    return Config(tz, weekly, overrides, duration, interval, buffer_before, buffer_after,
                  minimum_notice, horizon, busy, start, end, now)


@st.composite
def dst_night_configs(draw: st.DrawFn) -> Config:
    """A whole local change day with night windows across the gap or fold, little else."""
    tz = draw(st.sampled_from([z for z in ZONES if DST_CHANGES[z]]))
    change_day = draw(st.sampled_from(DST_CHANGES[tz]))
    zone = ZoneInfo(tz)
    start = datetime.combine(change_day, time(0), zone).astimezone(UTC)
    end = datetime.combine(change_day + DAY, time(0), zone).astimezone(UTC)
    nights = st.lists(windows("night"), min_size=1, max_size=3)
    if draw(st.booleans()):  # as the weekly windows of the change day's weekday ...
        weekly = tuple(WeeklyWindow(change_day.weekday(), *w) for w in draw(nights))
        overrides: dict[date, list[Window]] = {}
    else:  # ... or as an override of that date
        weekly = tuple(WeeklyWindow(d, time(9), time(17)) for d in range(7))
        overrides = {change_day: draw(nights)}
    busy = draw(busy_intervals(start, start, max_size=2))  # within a day either side of start
    return Config(
        tz=tz,
        weekly=weekly,
        overrides=overrides,
        duration=draw(_quarters(1, 12)),
        interval=draw(st.one_of(st.none(), _quarters(1, 4))),
        buffer_before=draw(st.one_of(st.just(timedelta(0)), _quarters(1, 2))),
        buffer_after=draw(st.one_of(st.just(timedelta(0)), _quarters(1, 2))),
        minimum_notice=timedelta(0),
        horizon=None,
        busy=busy,
        start=start,
        end=end,
        now=start - DAY,
    )


# --------------------------------------------------------------------------------------------
# independent helpers (no use of the engine's internals)
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def resolve_local(wall: datetime, tz: str) -> datetime:
    """The UTC instant the contract assigns to the naive local ``wall`` (a window end).

    * ``wall`` shown once by the clock: that instant;
    * shown twice (fall-back): the earlier instant;
    * never shown (spring-forward gap): ``wall`` read with the offset in force just before the
      clock jumped over it, i.e. shifted forward by the gap.
    """
    zone = ZoneInfo(tz)
    as_utc = wall.replace(tzinfo=UTC)
    # Every offset the zone uses within a day either side (one DST change at most).
    offsets = {(as_utc + k * timedelta(hours=1)).astimezone(zone).utcoffset() for k in range(-30, 31)}
    hits = [as_utc - o for o in offsets if (as_utc - o).astimezone(zone).replace(tzinfo=None) == wall]
    if hits:
        return min(hits)
    # Gap: walk forward minute by minute from an instant whose clock reads before `wall` until
    # the clock reads after it; the minute before that jump carries the pre-transition offset.
    u = as_utc - max(offsets)
    assert u.astimezone(zone).replace(tzinfo=None) < wall
    while (u + MINUTE).astimezone(zone).replace(tzinfo=None) < wall:
        u += MINUTE
    pre_offset = u.astimezone(zone).utcoffset()
    return as_utc - pre_offset


def window_end_utc(day: date, end: time, tz: str) -> datetime:
    wall = datetime.combine(day + DAY, time(0)) if end == time(0) else datetime.combine(day, end)
    return resolve_local(wall, tz)


def since_midnight(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)


def window_contains(cfg: Config, slot: datetime, w: Window, day: date, since: timedelta) -> bool:
    w_start, w_end = w
    end_since = DAY if w_end == time(0) else since_midnight(w_end)
    return (
        since_midnight(w_start) <= since < end_since
        and slot + cfg.duration <= window_end_utc(day, w_end, cfg.tz)
    )


def overlaps_busy(cfg: Config, slot: datetime) -> bool:
    lo, hi = slot - cfg.buffer_before, slot + cfg.duration + cfg.buffer_after
    return any(b0 < hi and lo < b1 for b0, b1 in cfg.busy if b1 > b0)


def oracle(cfg: Config) -> list[datetime]:
    """Brute force: try every UTC minute in [start, end) and apply the rules directly."""
    zone = ZoneInfo(cfg.tz)
    out = []
    u = cfg.start
    while u < cfg.end:
        local = u.astimezone(zone)
        if local.fold == 0:  # first (or only) occurrence of this wall-clock time
            day = local.date()
            since = local.replace(tzinfo=None) - datetime.combine(day, time(0))
            if (
                since % cfg.step == timedelta(0)
                and u >= cfg.now + cfg.minimum_notice
                and (cfg.horizon is None or u < cfg.now + cfg.horizon)
                and any(window_contains(cfg, u, w, day, since) for w in cfg.windows_for(day))
                and not overlaps_busy(cfg, u)
            ):
                out.append(u)
        u += MINUTE
    return out


PROPERTY_SETTINGS = settings(
    max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(configs())
def test_a_slots_lie_in_a_window_on_the_grid_and_end_in_time(cfg: Config) -> None:
    zone = ZoneInfo(cfg.tz)
    for slot in slots_for(cfg):
        local = slot.astimezone(zone)
        assert local.fold == 0, f"{slot} is the second occurrence of {local}"
        day = local.date()
        since = local.replace(tzinfo=None) - datetime.combine(day, time(0))
        assert since % cfg.step == timedelta(0), f"{local} is off the {cfg.step} grid"
        assert any(window_contains(cfg, slot, w, day, since) for w in cfg.windows_for(day)), (
            f"{local} ({slot}) fits no window of {day}: {cfg.windows_for(day)}"
        )


@PROPERTY_SETTINGS
@given(configs())
def test_b_buffered_slots_never_overlap_busy_time(cfg: Config) -> None:
    for slot in slots_for(cfg):
        assert not overlaps_busy(cfg, slot), slot


@PROPERTY_SETTINGS
@given(configs())
def test_c_sorted_unique_utc_aware_and_bounded(cfg: Config) -> None:
    slots = slots_for(cfg)
    assert slots == sorted(set(slots))
    for slot in slots:
        assert isinstance(slot, datetime)
        assert slot.tzinfo is not None and slot.utcoffset() == timedelta(0)
        assert cfg.start <= slot < cfg.end
        assert slot >= cfg.now + cfg.minimum_notice
        assert cfg.horizon is None or slot < cfg.now + cfg.horizon


@PROPERTY_SETTINGS
@given(st.data())
def test_d_adding_busy_time_never_adds_slots(data: st.DataObject) -> None:
    cfg = data.draw(configs())
    extra = data.draw(busy_intervals(cfg.start, cfg.end, max_size=6))
    before = set(slots_for(cfg))
    after = set(slots_for(replace(cfg, busy=cfg.busy + extra)))
    assert after <= before, sorted(after - before)
    # ... and a slot that survives is exactly one whose span avoids the extra busy time.
    more = replace(cfg, busy=cfg.busy + extra)
    assert after == {s for s in before if not overlaps_busy(more, s)}


@PROPERTY_SETTINGS
@given(st.data())
def test_b2_touching_busy_is_fine_but_one_minute_of_overlap_is_not(data: st.DataObject) -> None:
    cfg = data.draw(configs())
    slots = slots_for(cfg)
    if not slots:
        return
    slot = data.draw(st.sampled_from(slots))
    lo, hi = slot - cfg.buffer_before, slot + cfg.duration + cfg.buffer_after
    length = data.draw(_minutes(1, 120))
    touching = cfg.busy + ((lo - length, lo), (hi, hi + length))
    assert slot in slots_for(replace(cfg, busy=touching))
    for overlap in ((lo - length, lo + MINUTE), (hi - MINUTE, hi + length)):
        assert slot not in slots_for(replace(cfg, busy=cfg.busy + (overlap,)))


@PROPERTY_SETTINGS
@given(st.data())
def test_c2_bounds_at_a_slot_start_inclusive_end_exclusive(data: st.DataObject) -> None:
    """Move each bound onto an existing slot: start/notice keep it, end/horizon drop it."""
    cfg = data.draw(configs())
    slots = slots_for(cfg)
    if not slots:
        return
    slot = data.draw(st.sampled_from(slots))
    assert slot in slots_for(replace(cfg, start=slot))
    assert slot in slots_for(replace(cfg, end=slot + MINUTE))
    assert slot not in slots_for(replace(cfg, end=slot))
    assert slot in slots_for(replace(cfg, minimum_notice=slot - cfg.now))
    assert slot not in slots_for(replace(cfg, minimum_notice=slot - cfg.now + MINUTE))
    assert slot in slots_for(replace(cfg, horizon=slot - cfg.now + MINUTE))
    assert slot not in slots_for(replace(cfg, horizon=slot - cfg.now))
    # A query of exactly [slot, slot + 1 min) finds exactly this slot.
    assert slots_for(replace(cfg, start=slot, end=slot + MINUTE)) == [slot]


@PROPERTY_SETTINGS
@given(st.data())
def test_f_day_off_override_clears_exactly_that_local_date(data: st.DataObject) -> None:
    cfg = data.draw(configs())
    slots = slots_for(cfg)
    if not slots:
        return
    zone = ZoneInfo(cfg.tz)
    day = data.draw(st.sampled_from(slots)).astimezone(zone).date()
    after = slots_for(replace(cfg, overrides={**cfg.overrides, day: []}))
    assert after == [s for s in slots if s.astimezone(zone).date() != day]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_e_matches_brute_force_oracle(cfg: Config) -> None:
    assert slots_for(cfg) == oracle(cfg)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dst_night_configs())
def test_e2_matches_brute_force_oracle_on_dst_change_nights(cfg: Config) -> None:
    """Gap / fold hours, window ends inside them, sessions spanning them."""
    assert slots_for(cfg) == oracle(cfg)


def test_oracle_resolves_window_ends_as_the_contract_says() -> None:
    """Guard the oracle itself against the DST rules it encodes."""
    ny = "America/New_York"
    # gap end 02:30 on 2026-03-08 -> 02:30 EST = 07:30Z (03:30 EDT)
    assert resolve_local(datetime(2026, 3, 8, 2, 30), ny) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    # ambiguous end 01:30 on 2026-11-01 -> first occurrence, 01:30 EDT = 05:30Z
    assert resolve_local(datetime(2026, 11, 1, 1, 30), ny) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    # Lord Howe 30-minute gap 02:00-02:30 on 2026-10-04 (+10:30 -> +11:00)
    lh = "Australia/Lord_Howe"
    assert resolve_local(datetime(2026, 10, 4, 2, 15), lh) == datetime(2026, 10, 3, 15, 45, tzinfo=UTC)
    # Lord Howe fold 01:30-02:00 on 2026-04-05 (+11:00 -> +10:30): first occurrence
    assert resolve_local(datetime(2026, 4, 5, 1, 45), lh) == datetime(2026, 4, 4, 14, 45, tzinfo=UTC)
    # ordinary time
    assert resolve_local(datetime(2026, 6, 1, 9, 0), "Asia/Kolkata") == datetime(2026, 6, 1, 3, 30, tzinfo=UTC)
