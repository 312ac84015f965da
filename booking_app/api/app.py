"""FastAPI application that carries the JSON API; Reflex mounts itself inside it."""

from __future__ import annotations

from fastapi import FastAPI

from booking_app.api import health, public
from booking_app.api.errors import BodySizeLimit, install_error_handlers

API_TITLE = "Makerhours booking API"


def create_api() -> FastAPI:
    api = FastAPI(
        title=API_TITLE,
        version="1",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    install_error_handlers(api)
    api.add_middleware(BodySizeLimit)
    api.include_router(health.router, prefix="/api")
    api.include_router(public.router, prefix="/api")  # last: it ends with the /api catch-all
    return api
