"""Emulator state in the database: objects, a movable clock, settings and the event queue.

Every function takes the caller's session; callers use ``db.write_session`` so that two
requests touching one Checkout Session (a click on "Pay" racing its expiry) are serialised.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from booking_app.db import read_connection

from booking_app.models.stripe_emulator import EmulatorDelivery, EmulatorObject, EmulatorSetting

CLOCK_OFFSET = "clock_offset_seconds"
DELIVERY_MODE = "delivery_mode"  # JSON: {"duplicate": bool, "reorder": bool, "fail": bool}


def new_id(prefix: str) -> str:
    """Stripe-looking ids: ``cs_test_…``, ``pi_…``, ``re_…``, ``evt_…``."""
    return f"{prefix}_{secrets.token_urlsafe(18).replace('-', 'a').replace('_', 'b')}"


def get_setting(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(EmulatorSetting, key)
    return row.value if row else default


def set_setting(session: Session, key: str, value: str | None) -> None:
    row = session.get(EmulatorSetting, key)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(EmulatorSetting(key=key, value=value))
    else:
        row.value = value
        session.add(row)
    session.flush()


def settings_with_prefix(session: Session, prefix: str) -> dict[str, str]:
    rows = session.exec(select(EmulatorSetting).where(EmulatorSetting.key.startswith(prefix)))
    return {row.key: row.value for row in rows}


def clock(session: Session) -> datetime:
    """The emulator's now: real time plus the offset tests may add."""
    offset = float(get_setting(session, CLOCK_OFFSET, "0") or 0)
    return datetime.now(UTC) + timedelta(seconds=offset)


def advance_clock(session: Session, seconds: float) -> datetime:
    offset = float(get_setting(session, CLOCK_OFFSET, "0") or 0) + seconds
    set_setting(session, CLOCK_OFFSET, repr(offset))
    return clock(session)


def delivery_mode(session: Session) -> dict[str, bool]:
    return json.loads(get_setting(session, DELIVERY_MODE, "{}") or "{}")


def get_object(session: Session, object_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
    row = session.get(EmulatorObject, object_id, with_for_update=for_update)
    return dict(row.data) if row else None


_OBJECTS = EmulatorObject.__table__
_READ_OBJECT = sa.select(_OBJECTS.c.data).where(_OBJECTS.c.id == sa.bindparam("object_id"))


def read_object(object_id: str) -> dict[str, Any] | None:
    """One object outside any write transaction (a plain GET): a single Core SELECT."""
    with read_connection() as connection:
        return connection.execute(_READ_OBJECT, {"object_id": object_id}).scalar()


def put_object(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    row = session.get(EmulatorObject, data["id"])
    if row is None:
        session.add(EmulatorObject(id=data["id"], object_type=data["object"], data=data))
    else:
        row.data = data  # a new dict: JSON columns do not track in-place changes
        session.add(row)
    session.flush()
    return data


def queue_event(session: Session, event: dict[str, Any]) -> None:
    """Store an event and queue its delivery (twice in "duplicate" mode)."""
    put_object(session, event)
    copies = 2 if delivery_mode(session).get("duplicate") else 1
    for _ in range(copies):
        session.add(EmulatorDelivery(event_id=event["id"], due_at=datetime.now(UTC)))
    session.flush()
