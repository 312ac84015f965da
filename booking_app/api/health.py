"""``GET /api/health``: is the app up, can it reach its database, is the schema current?"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from booking_app.db import get_engine
from booking_app.settings import get_settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str  # "ok" | "unavailable"
    database: str  # "ok" | "unreachable"
    schema_revision: str | None
    payments: str  # "stripe" | "emulator"


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def get_health() -> JSONResponse:
    """200 when the database answers; 503 (so load balancers stop routing here) when not."""
    revision = None
    try:
        with get_engine().connect() as connection:
            revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        database = "ok"
    except Exception:  # any driver error means the same thing to a health check
        log.exception("health check: database query failed")
        database = "unreachable"
    body = Health(
        status="ok" if database == "ok" else "unavailable",
        database=database,
        schema_revision=revision,
        payments="emulator" if get_settings().uses_stripe_emulator else "stripe",
    )
    return JSONResponse(body.model_dump(), status_code=200 if database == "ok" else 503)
