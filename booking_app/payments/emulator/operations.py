"""What the emulator does, apart from HTTP: sessions, checkout outcomes, expiry, refunds.

Each function runs inside the caller's write transaction and returns Stripe-shaped objects or
raises ``StripeApiError`` with Stripe's error type, message and parameter.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from booking_app.payments.emulator import objects, store

MIN_EXPIRY = timedelta(minutes=30)
MAX_EXPIRY = timedelta(hours=24)
SETTLE_AFTER = timedelta(minutes=3)  # delayed payment methods settle this long after checkout
DECLINE_MESSAGE = "Your card was declined."
OPEN_PREFIX = "open:"  # settings key per open session → its expires_at
SETTLE_PREFIX = "settle:"  # settings key per delayed payment → "success|failure@<unix time>"
REFUNDS_PREFIX = "refunds:"  # settings key per payment intent → JSON list of its refund ids


class StripeApiError(Exception):
    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None,
                 error_type: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": error_type, "message": message, "param": param, "code": code}}


def missing(kind: str, object_id: str, param: str) -> StripeApiError:
    return StripeApiError(404, f"No such {kind}: '{object_id}'", param=param, code="resource_missing")


def create_checkout_session(session: Session, params: dict[str, Any], *, page_url: str) -> dict[str, Any]:
    now = store.clock(session)
    if params.get("mode") != "payment":
        raise StripeApiError(400, "The emulator supports only mode=payment.", param="mode")
    for name in ("success_url", "cancel_url", "expires_at"):
        if not params.get(name):
            raise StripeApiError(400, f"Missing required param: {name}.", param=name)
    try:
        price = params["line_items"][0]["price_data"]
        amount = int(price["unit_amount"])
        price["currency"], price["product_data"]["name"]  # noqa: B018 - presence check
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise StripeApiError(400, "line_items[0][price_data] needs currency, unit_amount and product_data[name].",
                             param="line_items") from exc
    if amount < 0:
        raise StripeApiError(400, "This value must be greater than or equal to 0.", param="line_items[0][price_data][unit_amount]")
    # Like Stripe, judge expires_at against real time (the app computes it from real time)...
    expires_at = int(params["expires_at"])
    lifetime = expires_at - datetime.now(UTC).timestamp()
    if not MIN_EXPIRY.total_seconds() - 5 <= lifetime <= MAX_EXPIRY.total_seconds():
        raise StripeApiError(400, "The `expires_at` timestamp must be between 30 minutes and 24 hours after the "
                                  "Checkout Session is created.", param="expires_at")
    session_id = store.new_id("cs_test")
    data = objects.checkout_session(params=params, now=now, url=f"{page_url}/{session_id}", session_id=session_id)
    store.put_object(session, data)
    # ...but let it run out on the emulator's movable clock, so tests can make it expire.
    store.set_setting(session, OPEN_PREFIX + session_id, str(int(now.timestamp() + lifetime)))
    return data


def get_checkout_session(session: Session, session_id: str, *, for_update: bool = False) -> dict[str, Any]:
    data = store.get_object(session, session_id, for_update=for_update)
    if data is None or data.get("object") != "checkout.session":
        raise missing("checkout.session", session_id, "session")
    return data


def expire_checkout_session(session: Session, session_id: str) -> dict[str, Any]:
    data = get_checkout_session(session, session_id, for_update=True)
    if data["status"] != "open":
        raise StripeApiError(400, 'Only Checkout Sessions with a status in ["open"] can be expired.', param="session")
    return _expire(session, data)


def _expire(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    data = {**data, "status": "expired", "url": None}
    store.put_object(session, data)
    store.set_setting(session, OPEN_PREFIX + data["id"], None)
    _emit(session, "checkout.session.expired", objects.public_checkout_session(data))
    return data


def _emit(session: Session, event_type: str, obj: dict[str, Any]) -> None:
    store.queue_event(session, objects.event(event_type=event_type, obj=obj, now=store.clock(session)))


def checkout_outcome(session: Session, session_id: str, outcome: str) -> tuple[dict[str, Any], str | None]:
    """Apply the customer's choice on the hosted page. Returns the session and an error
    message to show on the page (a decline), or None when the customer leaves the page."""
    data = get_checkout_session(session, session_id, for_update=True)
    if data["status"] != "open":
        return data, "This checkout session is no longer open."
    if outcome == "decline":
        return data, DECLINE_MESSAGE
    if outcome == "cancel":
        return data, None
    now = store.clock(session)
    delayed = outcome in ("delayed_success", "delayed_failure")
    intent = objects.payment_intent(session=data, now=now, status="processing" if delayed else "succeeded")
    store.put_object(session, intent)
    data = {**data, "status": "complete", "url": None, "payment_intent": intent["id"],
            "payment_status": "unpaid" if delayed else "paid"}
    store.put_object(session, data)
    store.set_setting(session, OPEN_PREFIX + session_id, None)
    if delayed:
        due = int((now + SETTLE_AFTER).timestamp())
        result = "success" if outcome == "delayed_success" else "failure"
        store.set_setting(session, SETTLE_PREFIX + session_id, f"{result}@{due}")
    else:
        _emit(session, "payment_intent.succeeded", objects.public_payment_intent(intent))
    _emit(session, "checkout.session.completed", objects.public_checkout_session(data))
    return data, None


def tick(session: Session) -> None:
    """Do what is due on the emulator clock: expire sessions, settle delayed payments."""
    now = store.clock(session).timestamp()
    for key, value in store.settings_with_prefix(session, OPEN_PREFIX).items():
        if int(value) <= now:
            data = get_checkout_session(session, key.removeprefix(OPEN_PREFIX), for_update=True)
            if data["status"] == "open":
                _expire(session, data)
            else:
                store.set_setting(session, key, None)
    for key, value in store.settings_with_prefix(session, SETTLE_PREFIX).items():
        result, due = value.split("@")
        if int(due) <= now:
            _settle(session, key.removeprefix(SETTLE_PREFIX), succeeded=result == "success")
            store.set_setting(session, key, None)


def _settle(session: Session, session_id: str, *, succeeded: bool) -> None:
    data = get_checkout_session(session, session_id, for_update=True)
    intent = store.get_object(session, data["payment_intent"], for_update=True)
    intent = {**intent, "status": "succeeded" if succeeded else "requires_payment_method",
              "amount_received": intent["amount"] if succeeded else 0}
    store.put_object(session, intent)
    if succeeded:
        data = {**data, "payment_status": "paid"}
        store.put_object(session, data)
    event_type = "checkout.session.async_payment_" + ("succeeded" if succeeded else "failed")
    _emit(session, event_type, objects.public_checkout_session(data))


def create_refund(session: Session, params: dict[str, Any]) -> dict[str, Any]:
    intent_id = params.get("payment_intent")
    if not intent_id:
        raise StripeApiError(400, "Missing required param: payment_intent.", param="payment_intent")
    intent = store.get_object(session, intent_id, for_update=True)
    if intent is None or intent.get("object") != "payment_intent":
        raise missing("payment_intent", intent_id, "payment_intent")
    if intent["status"] != "succeeded":
        raise StripeApiError(400, f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                             param="payment_intent", code="charge_not_refundable")
    remaining = intent["amount"] - intent["amount_refunded"]
    amount = int(params.get("amount", remaining))
    if amount <= 0 or amount > remaining:
        raise StripeApiError(400, f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining}).",
                             param="amount", code="amount_too_large")
    now = store.clock(session)
    fail = store.get_setting(session, "fail_next_refund") == "1"
    result = objects.refund(intent=intent, amount=amount, now=now, status="pending" if fail else "succeeded",
                            metadata=params.get("metadata", {}), reason=params.get("reason"))
    store.put_object(session, result)
    key = REFUNDS_PREFIX + intent_id
    store.set_setting(session, key, json.dumps([*json.loads(store.get_setting(session, key) or "[]"), result["id"]]))
    _emit(session, "refund.created", result)
    if fail:
        store.set_setting(session, "fail_next_refund", None)
        failed = {**result, "status": "failed", "failure_reason": "expired_or_canceled_card"}
        store.put_object(session, failed)
        _emit(session, "refund.failed", failed)
        return result
    intent = {**intent, "amount_refunded": intent["amount_refunded"] + amount}
    store.put_object(session, intent)
    all_refunds = [store.get_object(session, refund_id) for refund_id in reversed(json.loads(store.get_setting(session, key)))]
    _emit(session, "charge.refunded", objects.charge(intent=intent, now=now, refunds=all_refunds))
    _emit(session, "refund.updated", result)
    return result


def list_refunds(session: Session, params: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/refunds?payment_intent=…``: a payment's refunds, newest first, as a list object."""
    intent_id = params.get("payment_intent")
    ids = json.loads(store.get_setting(session, REFUNDS_PREFIX + intent_id) or "[]") if intent_id else []
    refunds = [store.get_object(session, refund_id) for refund_id in reversed(ids)]
    limit = int(params.get("limit", 10))
    return {"object": "list", "url": "/v1/refunds", "has_more": len(refunds) > limit, "data": refunds[:limit]}
