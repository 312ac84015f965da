"""Child-process side of the multi-process booking races in ``test_races.py``.

``multiprocessing`` with the "spawn" start method imports this module afresh in each child, so
nothing from ``booking_app`` may be imported at module level: the child has not run
``tests/conftest.py`` and must point ``DATABASE_URL`` at the test database before the app reads
its settings.
"""

from __future__ import annotations

import os
import threading
import traceback
from datetime import datetime
from typing import Any

BARRIER_TIMEOUT = 60  # seconds; only reached when a sibling process failed to start

OK = "ok"
CONFLICT = "conflict"


def hold_in_process(
    url: str,
    barrier: Any,  # multiprocessing.Barrier
    results: Any,  # multiprocessing.Queue of (index, outcome)
    index: int,
    session_type_id: int,
    start: datetime,
    email: str,
    client: str,
    now: datetime,
) -> None:
    """Make one hold as soon as every sibling is ready; report ``(index, outcome)`` where the
    outcome is ``"ok"``, ``"conflict"`` (exactly ``Conflict`` with the slot-taken message) or
    ``"error: …"`` with the traceback."""
    # The same environment tests/conftest.py prepares, before any app module reads it.
    os.environ["DATABASE_URL"] = url
    os.environ.pop("STRIPE_SECRET_KEY", None)
    os.environ.pop("STRIPE_WEBHOOK_SECRET", None)
    engine = None
    try:
        import sqlalchemy as sa

        from booking_app import messages
        from booking_app.db import make_engine
        from booking_app.errors import Conflict
        from booking_app.bookings.holds import HoldRequest, create_hold

        engine = make_engine(url)
        with engine.connect() as connection:  # connect before the start line, not after it
            connection.execute(sa.text("SELECT 1"))
        request = HoldRequest(
            session_type_id=session_type_id, start=start, name=f"Racer {index}", email=email,
            timezone="America/New_York", client_address=client,
        )
    except BaseException:
        barrier.abort()  # let the siblings fail fast instead of waiting for the timeout
        results.put((index, "error: setup failed\n" + traceback.format_exc()))
        return
    try:
        try:
            barrier.wait(BARRIER_TIMEOUT)
        except threading.BrokenBarrierError:
            results.put((index, "error: the start barrier broke"))
            return
        try:
            create_hold(request, now=now, engine=engine)
            outcome = OK
        except Conflict as exc:
            if type(exc) is Conflict and exc.message == messages.SLOT_TAKEN:
                outcome = CONFLICT
            else:
                outcome = f"error: {exc!r}\n" + traceback.format_exc()
        except BaseException as exc:
            outcome = f"error: {exc!r}\n" + traceback.format_exc()
        results.put((index, outcome))
    finally:
        engine.dispose()
