"""Stripe-shaped JSON for the objects the app uses (validated in tests against Stripe's
OpenAPI schemas in tests/fixtures/stripe/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from booking_app.payments.emulator.store import new_id

API_VERSION = "2026-10-28"


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


def checkout_session(*, params: dict[str, Any], now: datetime, url: str, session_id: str) -> dict[str, Any]:
    item = params["line_items"][0]
    price = item["price_data"]
    quantity = int(item.get("quantity", 1))
    amount = int(price["unit_amount"]) * quantity
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": amount,
        "amount_total": amount,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "created": ts(now),
        "currency": price["currency"].lower(),
        "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": None,
        "customer_email": params.get("customer_email"),
        "expires_at": int(params["expires_at"]),
        "livemode": False,
        "metadata": params.get("metadata", {}),
        "mode": params.get("mode", "payment"),
        "payment_intent": None,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "shipping_options": [],
        "status": "open",
        "success_url": params.get("success_url"),
        "url": url,
        # Not Stripe fields: what the hosted page shows and how the payment will go.
        "line_item_name": price["product_data"]["name"],
        "payment_intent_metadata": params.get("payment_intent_data", {}).get("metadata", {}),
    }


def public_checkout_session(data: dict[str, Any]) -> dict[str, Any]:
    """The session as Stripe would return it (without the emulator's own bookkeeping)."""
    return {key: value for key, value in data.items() if key not in ("line_item_name", "payment_intent_metadata")}


def payment_intent(*, session: dict[str, Any], now: datetime, status: str) -> dict[str, Any]:
    return {
        "id": new_id("pi"),
        "object": "payment_intent",
        "amount": session["amount_total"],
        "amount_received": session["amount_total"] if status == "succeeded" else 0,
        "capture_method": "automatic",
        "confirmation_method": "automatic",
        "created": ts(now),
        "currency": session["currency"],
        "latest_charge": new_id("ch"),
        "livemode": False,
        "metadata": session.get("payment_intent_metadata", {}),
        "payment_method_types": ["card"],
        "status": status,
        # Not a Stripe field: how much of the charge has been refunded so far.
        "amount_refunded": 0,
    }


def public_payment_intent(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "amount_refunded"}


def refund(*, intent: dict[str, Any], amount: int, now: datetime, status: str, metadata: dict, reason: str | None) -> dict[str, Any]:
    return {
        "id": new_id("re"),
        "object": "refund",
        "amount": amount,
        "charge": intent["latest_charge"],
        "created": ts(now),
        "currency": intent["currency"],
        "metadata": metadata,
        "payment_intent": intent["id"],
        "reason": reason,
        "status": status,  # failure_reason appears only on a failed refund, as in Stripe
    }


def charge(*, intent: dict[str, Any], now: datetime, refunds: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A charge as in ``charge.refunded``; ``refunds`` (newest first) become its ``refunds``
    list object, as Stripe includes it in that event."""
    refund_list = refunds or []
    return {
        "id": intent["latest_charge"],
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"],
        "amount_refunded": intent["amount_refunded"],
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "captured": True,
        "created": ts(now),
        "currency": intent["currency"],
        "disputed": False,
        "livemode": False,
        "metadata": intent["metadata"],
        "paid": True,
        "payment_intent": intent["id"],
        "refunded": intent["amount_refunded"] >= intent["amount"],
        "refunds": {"object": "list", "data": refund_list, "has_more": False,
                    "url": f"/v1/charges/{intent['latest_charge']}/refunds"},
        "status": "succeeded",
    }


def event(*, event_type: str, obj: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "id": new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": ts(now),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
