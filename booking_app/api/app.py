"""FastAPI application that carries the JSON API; Reflex mounts itself inside it."""

from __future__ import annotations

from fastapi import FastAPI

from booking_app.api import dev_mailbox, health, public, stripe_webhook
from booking_app.api import builder as builder_api  # integrations (issue 17)
from booking_app.api import embed
from booking_app.api import photos  # builder profile photos (issue 18)
from booking_app.api import customer as customer_api  # customer accounts (issue 16)
from booking_app.api import oidc as oidc_api  # OpenID Connect sign-in (issue 16)
from booking_app.api.errors import BodySizeLimit, install_error_handlers
from booking_app.api.route_preloads import RoutePreloads
from booking_app.settings import get_settings

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
    api.add_middleware(RoutePreloads)  # dynamic pages' HTML preloads the page's own modules
    api.add_middleware(BodySizeLimit)
    api.add_middleware(embed.FramingHeaders)  # the booking pages may be framed (the widget), nothing else
    api.include_router(health.router, prefix="/api")
    api.include_router(stripe_webhook.router, prefix="/api")
    if get_settings().uses_stripe_emulator:
        from booking_app.payments.emulator.api import router as emulator_router

        api.include_router(emulator_router)
        api.include_router(dev_mailbox.router, prefix="/api")  # local setups only: see the module
    api.include_router(builder_api.router, prefix="/api")  # /api/me: the builder API (API keys)
    api.include_router(customer_api.router, prefix="/api")  # /api/customer: customer tokens
    api.include_router(oidc_api.router, prefix="/api")  # /api/auth/oidc: start and callback
    api.include_router(embed.router)  # /embed.js, the embeddable booking widget
    api.include_router(photos.router, prefix="/api")  # /api/builders/{slug}/photo
    api.include_router(public.router, prefix="/api")  # last: it ends with the /api catch-all
    return api
