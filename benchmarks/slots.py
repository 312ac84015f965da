"""Benchmark of the pure slot engine, ``booking_app.scheduling.slots.compute_slots``.

Scenario: a 90-day query in Europe/London starting 2026-09-07 (so it crosses the 2026-10-25
DST change), Mon-Fri 09:00-12:30 and 13:30-17:00 (lunch break), 60-minute sessions on a
15-minute interval, with 1,000 to 8,000 busy intervals of 30-90 minutes spread uniformly over
the whole 90 days (around the clock, so working hours saturate as the count grows). The busy
intervals come from a seeded RNG and are passed in random order, so the engine pays for
sorting them.

Run from the repository root::

    python -m benchmarks.slots [--repeats 30]

``run()`` returns one dict per busy count so another runner can collect the numbers. Nothing
here asserts timings.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import time as _time
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from booking_app.scheduling.slots import WeeklyWindow, compute_slots

TIMEZONE = "Europe/London"
START = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday; the range includes the 2026-10-25 change
DAYS = 90
END = START + timedelta(days=DAYS)
NOW = START - timedelta(days=1)
WEEKLY = tuple(
    WeeklyWindow(day, start, end)
    for day in range(5)
    for start, end in ((time(9, 0), time(12, 30)), (time(13, 30), time(17, 0)))
)
DURATION = timedelta(minutes=60)
INTERVAL = timedelta(minutes=15)
SIZES = (1_000, 2_000, 4_000, 5_000, 8_000)
SEED = 20260907
DEFAULT_REPEATS = 30
WARMUP = 3


def make_busy(count: int, seed: int = SEED) -> list[tuple[datetime, datetime]]:
    """``count`` UTC intervals of 30-90 minutes with random starts in the window, unsorted."""
    rng = random.Random(f"{seed}:{count}")
    span_minutes = DAYS * 24 * 60
    busy = []
    for _ in range(count):
        start = START + timedelta(minutes=rng.randrange(span_minutes))
        busy.append((start, start + timedelta(minutes=rng.randint(30, 90))))
    rng.shuffle(busy)  # already random; make "not pre-sorted" explicit
    return busy


def _call(busy: Sequence[tuple[datetime, datetime]]) -> list[datetime]:
    return compute_slots(
        timezone=TIMEZONE,
        weekly=WEEKLY,
        duration=DURATION,
        interval=INTERVAL,
        busy=busy,
        start=START,
        end=END,
        now=NOW,
    )


def _percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation) of ``samples``."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def run(repeats: int = DEFAULT_REPEATS, sizes: Sequence[int] = SIZES) -> list[dict]:
    """Time ``compute_slots`` for each busy count; one row per size.

    Each row holds ``busy``, ``slots``, ``repeats``, ``median_ms``, ``p95_ms``, ``min_ms``,
    ``time_ratio`` and ``nlogn_ratio`` (both relative to the first size), and ``growth`` =
    time_ratio / nlogn_ratio (about 1.0 when the cost grows like n log n).
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    rows: list[dict] = []
    for count in sizes:
        busy = make_busy(count)
        for _ in range(WARMUP):
            slots = _call(busy)
        samples = []
        for _ in range(repeats):
            t0 = _time.perf_counter()
            slots = _call(busy)
            samples.append((_time.perf_counter() - t0) * 1000)
        rows.append(
            {
                "busy": count,
                "slots": len(slots),
                "repeats": repeats,
                "median_ms": statistics.median(samples),
                "p95_ms": _percentile(samples, 95),
                "min_ms": min(samples),
            }
        )
    base = rows[0]
    for row in rows:
        row["time_ratio"] = row["median_ms"] / base["median_ms"]
        row["nlogn_ratio"] = (row["busy"] * math.log(row["busy"])) / (
            base["busy"] * math.log(base["busy"])
        )
        row["growth"] = row["time_ratio"] / row["nlogn_ratio"]
    return rows


def format_table(rows: Sequence[dict]) -> str:
    base = rows[0]["busy"]
    header = (
        f"{'busy':>6} {'slots':>6} {'median ms':>10} {'p95 ms':>8} "
        f"{'time/t' + str(base):>12} {'nlogn/' + str(base):>11} {'growth':>7}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r['busy']:>6} {r['slots']:>6} {r['median_ms']:>10.2f} {r['p95_ms']:>8.2f} "
            f"{r['time_ratio']:>12.2f} {r['nlogn_ratio']:>11.2f} {r['growth']:>7.2f}"
        )
    return "\n".join(lines)


def header(repeats: int) -> str:
    return "\n".join(
        [
            "compute_slots benchmark",
            f"python {platform.python_version()} ({platform.python_implementation()}) "
            f"on {platform.system()} {platform.machine()}, cpus: {os.cpu_count()}",
            f"zone {TIMEZONE}, {START.date()} + {DAYS} days, Mon-Fri 09:00-12:30 & 13:30-17:00, "
            f"{int(DURATION.total_seconds() // 60)} min sessions every "
            f"{int(INTERVAL.total_seconds() // 60)} min",
            f"busy: seeded random 30-90 min intervals, unsorted; {WARMUP} warm-up + {repeats} "
            "timed runs per size (time.perf_counter)",
            "growth = (median / median at first size) / (n log n / first n log n); ~1 means n log n",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.slots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                        help=f"timed runs per busy count after warm-up (default {DEFAULT_REPEATS})")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    print(header(args.repeats))
    print()
    print(format_table(run(repeats=args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
