"""The only code that talks to Stripe (or the local emulator), through ``stripe.StripeClient``.

Contracts: ``create_checkout_session`` moves no money; ``refund`` moves money back and is
safe to repeat with the same idempotency key (Stripe then answers with the first refund).
SDK errors become ``PaymentError`` with a message for the customer (details in the log);
network trouble becomes ``PaymentUnavailable`` (retryable).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import stripe
import urllib3

from booking_app import messages
from booking_app.errors import PaymentError, PaymentNotFound, PaymentUnavailable
from booking_app.settings import get_settings

log = logging.getLogger(__name__)
EMULATOR_API_KEY = "sk_test_local_emulator"


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str | None
    status: str | None  # open | complete | expired
    payment_status: str  # unpaid | paid | no_payment_required
    payment_intent_id: str | None
    amount_total: int | None
    currency: str | None
    expires_at: datetime
    booking_id: int | None

    @classmethod
    def from_stripe(cls, obj: Any) -> CheckoutSession:
        obj = obj.to_dict() if hasattr(obj, "to_dict") else obj  # SDK objects are not dicts
        intent = obj.get("payment_intent")
        metadata = obj.get("metadata") or {}
        booking_id = metadata.get("booking_id") or obj.get("client_reference_id")
        return cls(
            id=obj["id"], url=obj.get("url"), status=obj.get("status"), payment_status=obj["payment_status"],
            payment_intent_id=intent if isinstance(intent, str) or intent is None else intent["id"],
            amount_total=obj.get("amount_total"), currency=obj.get("currency"),
            expires_at=datetime.fromtimestamp(obj["expires_at"], UTC),
            booking_id=int(booking_id) if booking_id and str(booking_id).isdigit() else None,
        )


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str
    amount: int
    metadata: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_stripe(cls, obj: Any) -> RefundResult:
        obj = obj.to_dict() if hasattr(obj, "to_dict") else obj
        return cls(id=obj["id"], status=obj["status"], amount=obj["amount"], metadata=dict(obj.get("metadata") or {}))


@dataclass(frozen=True)
class CheckoutRequest:
    booking_id: int
    attempt: int
    amount: int
    currency: str
    line_item_name: str
    customer_email: str
    expires_at: datetime
    success_url: str
    cancel_url: str


class PooledHTTPClient(stripe.HTTPClient):
    """The SDK's transport: one urllib3 connection pool shared by every thread, so requests
    reuse kept-alive connections (TLS verified against the CA bundle the SDK ships).

    The SDK's default ``RequestsClient`` keeps one ``requests`` session per thread and spends
    about twice the CPU per call; webhooks re-read a Checkout Session on every event."""

    name = "urllib3-pooled"

    def __init__(self, *, timeout: float = 80.0, connect_timeout: float = 30.0, pool_size: int = 16) -> None:
        super().__init__()
        self._pool = urllib3.PoolManager(
            num_pools=4, maxsize=pool_size, block=False, retries=False,
            timeout=urllib3.Timeout(connect=connect_timeout, read=timeout),
            cert_reqs="CERT_REQUIRED", ca_certs=stripe.ca_bundle_path,
        )

    def request(self, method, url, headers, post_data=None, **_kwargs):  # noqa: ANN001 - SDK signature
        try:
            response = self._pool.request(method.upper(), url, headers=dict(headers or {}), body=post_data,
                                          redirect=False, preload_content=True)
        except urllib3.exceptions.SSLError as exc:
            raise stripe.APIConnectionError(f"Could not verify Stripe's TLS certificate: {exc}",
                                            should_retry=False) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # timeouts, refused, reset
            raise stripe.APIConnectionError(f"Unexpected error communicating with Stripe: {exc!r}",
                                            should_retry=True) from exc
        return response.data, response.status, response.headers

    def request_stream(self, method, url, headers, post_data=None, **_kwargs):  # noqa: ANN001 - SDK signature
        return self.request(method, url, headers, post_data)

    def close(self) -> None:
        self._pool.clear()


def build_client(http_client: stripe.HTTPClient | None = None) -> stripe.StripeClient:
    """A client for real Stripe (``STRIPE_SECRET_KEY``) or the local emulator."""
    settings = get_settings()
    http_client = http_client or PooledHTTPClient()
    if settings.stripe_secret_key is not None:
        return stripe.StripeClient(settings.stripe_secret_key.get_secret_value(), max_network_retries=2,
                                   http_client=http_client)
    from booking_app.payments.emulator.api import EMULATOR_PREFIX

    return stripe.StripeClient(EMULATOR_API_KEY, base_addresses={"api": settings.emulator_url + EMULATOR_PREFIX},
                               max_network_retries=0, http_client=http_client)


class StripeGateway:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession:
        metadata = {"booking_id": str(request.booking_id)}
        params = {
            "mode": "payment",
            "line_items": [{
                "quantity": 1,
                "price_data": {
                    "currency": request.currency,
                    "unit_amount": request.amount,  # already in minor units (see money.py)
                    "product_data": {"name": request.line_item_name},
                },
            }],
            "customer_email": request.customer_email,
            "client_reference_id": str(request.booking_id),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "expires_at": int(request.expires_at.timestamp()),
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        key = f"checkout-booking-{request.booking_id}-attempt-{request.attempt}"
        obj = self._call("create checkout session", {"booking": request.booking_id},
                         lambda: self._client.v1.checkout.sessions.create(params=params, options={"idempotency_key": key}))
        return CheckoutSession.from_stripe(obj)

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        # The SDK's raw request (same auth, retries, telemetry and error types as
        # ``checkout.sessions.retrieve``) without building a StripeObject tree from the JSON:
        # fulfilment needs a handful of fields, and every webhook pays for this call.
        path = f"/v1/checkout/sessions/{quote(session_id, safe='')}"
        response = self._call("retrieve checkout session", {"session": session_id},
                              lambda: self._client.raw_request("get", path))
        return CheckoutSession.from_stripe(response.data)

    def expire_checkout_session(self, session_id: str) -> CheckoutSession | None:
        """Expire an open session; None if it was no longer open (already paid or expired)."""
        try:
            obj = self._client.v1.checkout.sessions.expire(session_id)
        except stripe.InvalidRequestError as exc:
            log.info("checkout session %s not expired: %s", session_id, exc.user_message)
            return None
        except stripe.StripeError as exc:
            raise self._translate("expire checkout session", {"session": session_id}, exc) from exc
        return CheckoutSession.from_stripe(obj)

    def refund(self, *, payment_intent_id: str, amount: int, idempotency_key: str, booking_id: int,
               refund_id: int | None = None) -> RefundResult:
        """``refund_id`` (our row) goes into the metadata: a refund event that arrives before
        Stripe's answer is then recognised as ours, and anything without it as made outside."""
        metadata = {"booking_id": str(booking_id)} | ({"refund_id": str(refund_id)} if refund_id else {})
        params = {"payment_intent": payment_intent_id, "amount": amount, "metadata": metadata}
        obj = self._call("refund", {"booking": booking_id, "payment_intent": payment_intent_id, "amount": amount},
                         lambda: self._client.v1.refunds.create(params=params, options={"idempotency_key": idempotency_key}))
        return RefundResult.from_stripe(obj)

    def list_refunds(self, payment_intent_id: str) -> list[RefundResult]:
        """Every refund Stripe holds for a payment (ours and any made in Stripe's Dashboard)."""
        obj = self._call("list refunds", {"payment_intent": payment_intent_id},
                         lambda: self._client.v1.refunds.list(params={"payment_intent": payment_intent_id,
                                                                      "limit": 100}))
        return [RefundResult.from_stripe(r) for r in obj.data]

    def _call(self, action: str, context: dict, call):
        try:
            return call()
        except stripe.StripeError as exc:
            raise self._translate(action, context, exc) from exc

    @staticmethod
    def _translate(action: str, context: dict, exc: stripe.StripeError) -> PaymentError:
        detail = exc.user_message or str(exc)
        if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)) or (exc.http_status or 0) >= 500:
            log.warning("Stripe %s failed (retryable) %s: %s", action, context, exc)
            return PaymentUnavailable(messages.PAYMENTS_UNAVAILABLE, detail=detail)
        if isinstance(exc, stripe.InvalidRequestError) and (exc.http_status == 404 or exc.code == "resource_missing"):
            log.warning("Stripe %s: no such object %s: %s", action, context, exc)
            return PaymentNotFound(messages.PAYMENT_NOT_STARTED, detail=detail)
        if isinstance(exc, stripe.CardError):
            return PaymentError(exc.user_message or messages.PAYMENT_NOT_STARTED, detail=detail)
        log.error("Stripe %s refused %s: %s (%s)", action, context, exc, type(exc).__name__)
        return PaymentError(messages.PAYMENT_NOT_STARTED, detail=detail)


_gateway: StripeGateway | None = None


def get_gateway() -> StripeGateway:
    """The process-wide gateway (tests replace it with ``use_gateway``)."""
    global _gateway
    if _gateway is None:
        _gateway = StripeGateway(build_client())
    return _gateway


def use_gateway(gateway: StripeGateway | None) -> None:
    global _gateway
    _gateway = gateway
