"""``GET /api/health``: is the app up, can it *write* to its database, is the schema current?

A database that answers reads but refuses writes (SQLite locked by another process,
PostgreSQL in recovery or read-only) cannot take a booking: health says ``degraded``.
"""

from __future__ import annotations

import logging
import sqlite3

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from booking_app.db import get_engine
from booking_app.settings import get_settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])
# How long the check waits for SQLite's write lock: a health check must answer quickly.
SQLITE_LOCK_WAIT_MS = 500


class Health(BaseModel):
    status: str  # "ok" | "degraded" (reads work, writes do not) | "unavailable"
    database: str  # "ok" | "read_only" | "locked" | "unreachable"
    schema_revision: str | None
    payments: str  # "stripe" | "emulator"


def _check_database() -> tuple[str, str | None]:
    """(database state, schema revision): a read, then the write lock / write permission."""
    engine = get_engine()
    try:
        with engine.connect() as connection:
            revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # any driver error means the same thing to a health check
        log.exception("health check: database query failed")
        return "unreachable", None
    try:
        if engine.dialect.name == "sqlite":
            _take_sqlite_write_lock(engine)
        else:
            with engine.connect() as connection:
                read_only = connection.execute(sa.text("SELECT current_setting('transaction_read_only') = 'on' "
                                                       "OR pg_is_in_recovery()")).scalar()
            if read_only:
                return "read_only", revision
    except (sa.exc.OperationalError, sqlite3.OperationalError) as exc:
        log.warning("health check: the database refuses writes: %s", exc)
        return ("locked" if "locked" in str(exc).lower() or "busy" in str(exc).lower() else "read_only"), revision
    return "ok", revision


def _take_sqlite_write_lock(engine: sa.Engine) -> None:
    """Take the write lock as a booking would (BEGIN IMMEDIATE), waiting briefly, and let go.
    On the raw driver connection (no implicit transactions: see db.py)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_LOCK_WAIT_MS}")
        try:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("ROLLBACK")
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {get_settings().sqlite_busy_timeout_ms}")
            cursor.close()
    finally:
        raw.close()


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def get_health() -> JSONResponse:
    """200 when the database takes writes; 503 (so load balancers stop routing here) when it
    is unreachable, or answers reads only (``degraded``)."""
    database, revision = _check_database()
    status = {"ok": "ok", "unreachable": "unavailable"}.get(database, "degraded")
    body = Health(status=status, database=database, schema_revision=revision,
                  payments="emulator" if get_settings().uses_stripe_emulator else "stripe")
    return JSONResponse(body.model_dump(), status_code=200 if database == "ok" else 503,
                        headers={} if database == "ok" else {"Retry-After": "5"})
