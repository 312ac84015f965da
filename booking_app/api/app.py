"""FastAPI application that carries the JSON API; Reflex mounts itself inside it."""

from __future__ import annotations

from fastapi import FastAPI

from booking_app.api import health

API_TITLE = "Makerhours booking API"


def create_api() -> FastAPI:
    api = FastAPI(
        title=API_TITLE,
        version="1",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    api.include_router(health.router, prefix="/api")
    return api
