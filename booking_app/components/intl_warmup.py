"""Starts the browser's date and time formatting while the page's code is still downloading.

The first ``Intl.DateTimeFormat`` a page makes costs about 20 ms on a laptop (ICU's time zone and
locale data being set up; four times that on a phone), every later one under 1 ms. The wizard,
sign-up, dashboard and booking pages each make one to read the customer's time zone and 12/24-hour
clock — in the same moment their data arrives and the page renders, so it added to the longest
task after the first paint. Made here, while the HTML is parsed, it lands while the main thread
is otherwise waiting for the network (docs/benchmarks.md, "Page speed").
"""

from __future__ import annotations

import reflex as rx

WARMUP = "try { Intl.DateTimeFormat(undefined, {hour: 'numeric'}).resolvedOptions(); } catch (e) {}"


def intl_warmup_script() -> rx.Component:
    """For the app's <head>."""
    return rx.el.script(WARMUP)
