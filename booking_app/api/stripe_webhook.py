"""``POST /api/stripe/webhook``: signed Stripe events (body limit 1 MiB, see errors.py)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from booking_app.api.errors import error_body
from booking_app.errors import PaymentUnavailable
from booking_app.payments.webhooks import InvalidSignature, process_event, verify_event

log = logging.getLogger(__name__)
router = APIRouter(tags=["stripe"])


async def stripe_webhook(request: Request) -> JSONResponse:
    """400 (and no change) for a missing, forged or stale signature; 200 once handled or
    ignored; 503 only when trying again later can help."""
    payload = await request.body()  # the exact bytes Stripe signed
    try:
        event = verify_event(payload, request.headers.get("stripe-signature"))
    except InvalidSignature as exc:
        log.warning("webhook refused: %s", exc)
        return JSONResponse(error_body("invalid_signature", str(exc)), status_code=400)
    try:
        outcome = await asyncio.to_thread(process_event, event, now=datetime.now(UTC))
    except (PaymentUnavailable, LookupError) as exc:
        log.warning("webhook %s (%s) deferred: %s", event["id"], event["type"], exc)
        return JSONResponse(error_body("retry_later", "Temporarily unable to process; retry."), status_code=503)
    return JSONResponse({"received": True, "outcome": outcome})


# A plain Starlette route: FastAPI's per-request work (dependency solving, response
# validation) buys nothing for a raw-body endpoint that every Stripe event goes through.
router.add_route("/stripe/webhook", stripe_webhook, methods=["POST"], include_in_schema=False)
