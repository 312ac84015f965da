"""The emulator over HTTP: Stripe's API paths (as the official SDK calls them), the hosted
checkout page, and controls for tests (clock, delivery modes).

Mounted under ``EMULATOR_PREFIX`` only when no real Stripe key is configured.
"""

from __future__ import annotations

import asyncio
import functools
import html
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from booking_app.db import write_session
from booking_app.money import format_money
from booking_app.payments.emulator import delivery, objects, operations, store
from booking_app.payments.emulator.operations import StripeApiError
from booking_app.settings import get_settings

EMULATOR_PREFIX = "/api/stripe-emulator"
router = APIRouter(prefix=EMULATOR_PREFIX, include_in_schema=False)

# The emulator's database work runs on threads of its own. The app's webhook handler and pages
# wait (on asyncio's default threads) for the SDK's HTTP call to this emulator in the same
# process; if the emulator needed one of those same threads to answer, a handful of
# concurrent webhooks could take them all and wait on each other until the SDK timed out.
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="stripe-emulator")


async def _off_loop(function, *args):
    return await asyncio.get_running_loop().run_in_executor(_POOL, functools.partial(function, *args))


def decode_form(body: bytes) -> dict[str, Any]:
    """``a[b][0][c]=1`` (Stripe's form encoding) → ``{"a": {"b": [{"c": "1"}]}}``.

    >>> decode_form(b"line_items[0][price_data][currency]=gbp&metadata[booking_id]=7&mode=payment")
    {'line_items': [{'price_data': {'currency': 'gbp'}}], 'metadata': {'booking_id': '7'}, 'mode': 'payment'}
    """
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node: Any = root
        for part, following in zip(parts, parts[1:] + [None], strict=True):
            if following is None:
                _assign(node, part, value)
            else:
                child = _child(node, part)
                if child is None:
                    child = [] if following.isdigit() else {}
                    _assign(node, part, child)
                node = child
    return root


def _child(node: Any, part: str) -> Any:
    if isinstance(node, list):
        index = int(part)
        return node[index] if index < len(node) else None
    return node.get(part)


def _assign(node: Any, part: str, value: Any) -> None:
    if isinstance(node, list):
        index = int(part)
        while len(node) <= index:
            node.append(None)
        node[index] = value
    else:
        node[part] = value


def _stripe_error(exc: StripeApiError) -> JSONResponse:
    return JSONResponse(exc.body, status_code=exc.status)


def _authorised(request: Request) -> bool:
    return request.headers.get("authorization", "").startswith("Bearer sk_test_")


def _unauthorised() -> JSONResponse:
    return JSONResponse({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided."}},
                        status_code=401)


async def _api_call(request: Request, action) -> Response:
    """Run ``action(session, params)`` with Stripe's auth, errors and idempotency keys."""
    if not _authorised(request):
        return _unauthorised()
    params = decode_form(await request.body())
    # Database work runs off the event loop, on the emulator's own threads (see _POOL).
    return await _off_loop(_execute, action, params, request.headers.get("idempotency-key"))


def _execute(action, params: dict[str, Any], idempotency_key: str | None) -> Response:
    try:
        with write_session() as session:
            if idempotency_key:
                # Stripe returns the first answer again for a repeated key.
                cached = store.get_setting(session, f"idem:{idempotency_key}")
                if cached is not None:
                    status, body = json.loads(cached)
                    return JSONResponse(body, status_code=status)
            result = action(session, params)
            if idempotency_key:
                store.set_setting(session, f"idem:{idempotency_key}", json.dumps([200, result]))
            return JSONResponse(result)
    except StripeApiError as exc:
        return _stripe_error(exc)


def _page_url() -> str:
    return f"{get_settings().app_url}{EMULATOR_PREFIX}/pay"


@router.post("/v1/checkout/sessions")
async def create_checkout_session(request: Request) -> Response:
    return await _api_call(request, lambda s, p: objects.public_checkout_session(
        operations.create_checkout_session(s, p, page_url=_page_url())))


async def retrieve_checkout_session(request: Request) -> Response:
    # A plain read (every webhook and return page re-reads its session): one SELECT, no write
    # transaction, no idempotency bookkeeping. Registered as a plain Starlette route (below).
    if not _authorised(request):
        return _unauthorised()
    return await _off_loop(_read_checkout_session, request.path_params["session_id"])


# Without FastAPI's per-request work (dependency solving): every webhook the app handles
# costs one of these reads, and this emulator shares the app's CPUs.
router.add_route(EMULATOR_PREFIX + "/v1/checkout/sessions/{session_id}", retrieve_checkout_session, methods=["GET"])


def _read_checkout_session(session_id: str) -> Response:
    data = store.read_object(session_id)
    if data is None or data.get("object") != "checkout.session":
        return _stripe_error(operations.missing("checkout.session", session_id, "session"))
    return JSONResponse(objects.public_checkout_session(data))


@router.post("/v1/checkout/sessions/{session_id}/expire")
async def expire_checkout_session(request: Request, session_id: str) -> Response:
    return await _api_call(request, lambda s, _p: objects.public_checkout_session(
        operations.expire_checkout_session(s, session_id)))


@router.post("/v1/refunds")
async def create_refund(request: Request) -> Response:
    fault = await _off_loop(_faults)
    if fault.get("refunds") == "fail":  # Stripe having an outage: nothing is refunded
        return JSONResponse({"error": {"type": "api_error", "message": "An unexpected error occurred (emulated "
                                                                      "outage of the refunds endpoint)."}},
                            status_code=500)
    response = await _api_call(request, operations.create_refund)
    # The refund is committed; the answer is held back, so a test can stop the app while it
    # waits for Stripe (the crash between "Stripe refunded" and "the app recorded it").
    await asyncio.sleep(float(fault.get("refund_delay_seconds") or 0))
    return response


@router.get("/v1/refunds")
async def list_refunds(request: Request) -> Response:
    if not _authorised(request):
        return _unauthorised()
    params = dict(request.query_params)
    return await _off_loop(_execute, operations.list_refunds, params, None)


FAULTS = "faults"  # emulator setting: JSON {"refunds": "fail" | "ok", "refund_delay_seconds": n}


def _faults() -> dict[str, Any]:
    with write_session() as session:
        return json.loads(store.get_setting(session, FAULTS) or "{}")


@router.get("/v1/events/{event_id}")
async def retrieve_event(request: Request, event_id: str) -> Response:
    def load(session, _params):
        event = store.get_object(session, event_id)
        if event is None or event.get("object") != "event":
            raise StripeApiError(404, f"No such event: '{event_id}'", param="id", code="resource_missing")
        return event

    return await _api_call(request, load)


# ----------------------------------------------------------------------------- hosted page

SETTLE_MINUTES = int(operations.SETTLE_AFTER.total_seconds() // 60)  # on the emulator's clock
OUTCOMES = (
    ("pay", "Pay", "Card payment succeeds"),
    ("decline", "Use a card that is declined", "Stripe answers: Your card was declined."),
    ("delayed_success", "Pay by bank transfer (succeeds later)",
     f"The payment is processing, then succeeds about {SETTLE_MINUTES} minutes later"),
    ("delayed_failure", "Pay by bank transfer (fails later)",
     f"The payment is processing, then fails about {SETTLE_MINUTES} minutes later"),
)


@router.get("/pay/{session_id}", response_class=HTMLResponse)
def checkout_page(session_id: str) -> HTMLResponse:
    with write_session() as session:
        operations.tick(session)
        try:
            data = operations.get_checkout_session(session, session_id)
        except StripeApiError:
            return HTMLResponse(_page("Checkout not found", "<p>This checkout link is not valid.</p>"), 404)
    return HTMLResponse(_checkout_html(data, error=None))


@router.post("/pay/{session_id}")
async def choose_outcome(request: Request, session_id: str) -> Response:
    form = dict(parse_qsl((await request.body()).decode()))
    outcome = form.get("outcome", "")
    if outcome not in {name for name, _, _ in OUTCOMES} | {"cancel"}:
        return HTMLResponse(_page("Unknown choice", "<p>Please pick one of the options.</p>"), 400)
    try:
        data, error = await _off_loop(_apply_outcome, session_id, outcome)
    except StripeApiError:
        return HTMLResponse(_page("Checkout not found", "<p>This checkout link is not valid.</p>"), 404)
    if error:
        return HTMLResponse(_checkout_html(data, error=error), 402 if error == operations.DECLINE_MESSAGE else 409)
    target = data["cancel_url"] if outcome == "cancel" else data["success_url"].replace("{CHECKOUT_SESSION_ID}", data["id"])
    return RedirectResponse(target, status_code=303)


def _apply_outcome(session_id: str, outcome: str) -> tuple[dict[str, Any], str | None]:
    with write_session() as session:
        operations.tick(session)
        return operations.checkout_outcome(session, session_id, outcome)


def _checkout_html(data: dict[str, Any], *, error: str | None) -> str:
    amount = format_money(data["amount_total"], data["currency"])
    name = html.escape(data.get("line_item_name", "Payment"))
    email = html.escape(data.get("customer_email") or "")
    alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    if data["status"] != "open":
        body = f"<p>This checkout session is {html.escape(data['status'])}.</p>"
        return _page("Checkout", f"<h1>{name}</h1>{alert}{body}")
    buttons = "".join(
        f'<button name="outcome" value="{value}" class="{"primary" if value == "pay" else ""}">'
        f"{html.escape(label if value != 'pay' else f'Pay {amount}')}<small>{html.escape(hint)}</small></button>"
        for value, label, hint in OUTCOMES
    )
    return _page(
        f"Pay {amount}",
        f'<p class="badge">Test mode — local Stripe emulator. No real money moves.</p>'
        f"<h1>{name}</h1><p class='amount'>{amount}</p><p class='muted'>{email}</p>{alert}"
        f'<form method="post">{buttons}'
        f'<button name="outcome" value="cancel" class="link">← Back to the booking page</button></form>',
    )


def _page(title: str, content: str) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f6f7fb;color:#1c2024;margin:0;padding:24px}}
main{{max-width:420px;margin:40px auto;background:#fff;border:1px solid #e0e1e6;border-radius:14px;padding:28px}}
h1{{font-size:1.25rem;margin:.5rem 0}} .amount{{font-size:2rem;font-weight:700;margin:.25rem 0}}
.muted{{color:#60646c}} .badge{{background:#fff4d5;color:#8a5a00;border-radius:8px;padding:6px 10px;font-size:.85rem}}
.error{{background:#ffebec;color:#a4161a;border-radius:8px;padding:10px}}
form{{display:flex;flex-direction:column;gap:10px;margin-top:16px}}
button{{font:inherit;text-align:left;padding:12px 14px;border:1px solid #d0d2da;border-radius:10px;background:#fff;cursor:pointer}}
button small{{display:block;color:#60646c;font-size:.8rem}} button.primary{{background:#3451b2;color:#fff;border-color:#3451b2}}
button.primary small{{color:#fff}} button.link{{border:none;color:#3e63dd;padding:6px 0}}
</style></head><body><main>{content}</main></body></html>"""


# ----------------------------------------------------------------------------- test controls


@router.post("/_control/clock")
def advance_clock(body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Move the emulator's clock forward (``{"seconds": 1860}``) and run what became due."""
    with write_session() as session:
        now = store.advance_clock(session, float(body.get("seconds", 0)))
        operations.tick(session)
    return {"now": int(now.timestamp())}


@router.post("/_control/deliveries")
def set_delivery_mode(body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """``{"duplicate": true, "reorder": true, "fail": true, "fail_next_refund": true}``."""
    mode = {key: bool(value) for key, value in body.items() if key in ("duplicate", "reorder", "fail")}
    with write_session() as session:
        store.set_setting(session, store.DELIVERY_MODE, json.dumps(mode))
        if body.get("fail_next_refund"):
            store.set_setting(session, "fail_next_refund", "1")
    return mode


@router.post("/_control/faults")
def set_faults(body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Make Stripe misbehave: ``{"refunds": "fail"}`` answers every refund with a 500 until
    ``{"refunds": "ok"}``; ``{"refund_delay_seconds": 5}`` holds each refund's answer back
    after the refund is made. Kept in the database, so every app process sees it."""
    faults = {"refunds": "fail" if body.get("refunds") == "fail" else "ok",
              "refund_delay_seconds": max(0.0, min(60.0, float(body.get("refund_delay_seconds") or 0)))}
    with write_session() as session:
        store.set_setting(session, FAULTS, json.dumps(faults))
    return faults


@router.post("/_control/dashboard_refund")
def dashboard_refund(body: Annotated[dict[str, Any], Body()]) -> JSONResponse:
    """A refund made by hand in Stripe's Dashboard (``{"payment_intent": "pi_…"}``, the whole
    remaining amount unless ``amount`` is given): the app learns of it only from Stripe."""
    params = {"payment_intent": body.get("payment_intent")}
    if body.get("amount") is not None:
        params["amount"] = body["amount"]
    return _execute(operations.create_refund, params, None)


@router.post("/_control/deliver")
def deliver_now() -> dict[str, int]:
    """Deliver every due event now (the app also does this every second)."""
    return {"delivered": delivery.deliver_due(delivery.http_post)}
