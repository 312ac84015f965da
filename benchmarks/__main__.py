"""Run every benchmark and print one table of their headline figures.

    python -m benchmarks            # the full set (about 15 minutes on 2 cores)
    python -m benchmarks --quick    # fewer repeats and a short load test (about 5 minutes)

Each benchmark runs in a process of its own, one after the other (they would disturb each
other's timings); its whole output goes to ``benchmark-results/<name>.txt`` and the lines
that carry its figures and targets are gathered into the table. A benchmark that fails is
shown with its exit status rather than stopping the rest.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from booking_app.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "benchmark-results"


def _slot_engine(output: str) -> list[str]:
    row = re.search(r"^\s*5000\s+\d+\s+([\d.]+)\s+([\d.]+)", output, re.M)
    if not row:
        return []
    median = float(row[1])
    return [f"5,000 busy intervals: median {median:.2f} ms, p95 {float(row[2]):.2f} ms "
            f"(target median < 10 ms: {'met' if median < 10 else 'MISSED'})"]


def _lines_with(*patterns: str) -> Callable[[str], list[str]]:
    def pick(output: str) -> list[str]:
        return [line.strip() for line in output.splitlines() if any(re.search(p, line) for p in patterns)]
    return pick


def _availability(output: str) -> list[str]:
    """The target lines, each prefixed with its database (from the section headers)."""
    lines, database = [], ""
    for line in output.splitlines():
        if header := re.match(r"== (\w+)", line):
            database = header[1]
        elif "target <" in line:
            figures = re.match(r"(.+?)\s{2,}(\d+)\s+([\d.]+)\s+([\d.]+)", line)
            verdict = re.search(r"target < [^;]+", line)
            if figures and verdict:
                lines.append(f"{database}: {figures[1].strip()}: p50 {figures[3]} ms, p95 {figures[4]} ms ({verdict[0]})")
    return lines


def _load(output: str) -> list[str]:
    lines = _lines_with(r"requests/s", r"^worker RSS", r"^server log")(output)
    checks = re.findall(r"^\s+(ok  |FAIL) ", output, re.M)
    if checks:
        lines.append(f"consistency: {checks.count('ok  ')} of {len(checks)} checks hold")
    return lines


# name, module arguments (full, quick), headline extractor
BENCHMARKS: tuple[tuple[str, list[str], list[str], Callable[[str], list[str]]], ...] = (
    ("slots", [], ["--repeats", "5"], _slot_engine),
    ("availability", ["--mode", "server"], ["--mode", "server", "--requests", "60"], _availability),
    ("webhooks", ["--server-only", "--emulator-process", "--database", "postgresql"],
     ["--server-only", "--emulator-process", "--database", "postgresql", "--events", "600"],
     _lines_with(r"events/s", r"target >=")),
    ("jobs", [], ["--jobs", "2000", "--seconds", "5"], _lines_with(r"^(backlog|steady):")),
    ("mail", [], ["--mails", "300"], _lines_with(r"^mails:")),
    ("wizard", [], ["--runs", "10"], _lines_with(r"^(pay|return) ->")),
    ("pages", [], ["--runs", "1"], _lines_with(r"^\S.* page: ", r"^  median of", r"^targets")),
    ("auth", [], ["--signins", "50", "--concurrency", "4"], _lines_with(r"^sign-in, ")),
    ("load", [], ["--customers", "40", "--seconds", "20", "--browsers", "1"], _load),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, a short load test")
    parser.add_argument("--only", nargs="*", choices=[name for name, *_ in BENCHMARKS], help="run only these")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    rows: list[tuple[str, str, str]] = []
    for name, full, quick, headline in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        started = time.monotonic()
        print(f"==> {name} ...", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *(quick if args.quick else full)],
                              cwd=PROJECT_ROOT, capture_output=True, text=True, env=os.environ)
        output = done.stdout + done.stderr
        (RESULTS / f"{name}.txt").write_text(output)
        status = f"{time.monotonic() - started:.0f} s" + ("" if done.returncode == 0 else f", exit {done.returncode}")
        for n, line in enumerate(headline(output) or ["(no figures; see the output file)"]):
            rows.append((name if n == 0 else "", status if n == 0 else "", line))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'benchmark':<{width}}  {'took':>10}  figures (full output: {RESULTS.name}/<benchmark>.txt)")
    print("-" * 110)
    for name, status, line in rows:
        print(f"{name:<{width}}  {status:>10}  {line}")
    print(f"\nload average {Path('/proc/loadavg').read_text().split()[:3]} at the end; "
          f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
