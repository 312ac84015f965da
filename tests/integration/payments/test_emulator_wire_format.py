"""The emulator's JSON has Stripe's shape: validated against Stripe's published OpenAPI
schemas (tests/fixtures/stripe/openapi-subset.json, API version 2023-08-16 — a floor, not a ceiling)."""

from __future__ import annotations

import copy
import functools
import json

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlmodel import Session, select

from booking_app.models import EmulatorObject
from booking_app.payments.emulator.objects import public_payment_intent
from booking_app.settings import PROJECT_ROOT
from tests.integration.payments.conftest import EMULATOR, Shop

SPEC = PROJECT_ROOT / "tests" / "fixtures" / "stripe" / "openapi-subset.json"
URI = "urn:stripe-openapi-subset"
AUTH = {"authorization": "Bearer sk_test_local_emulator"}


def _nullable_to_any_of(node):
    """OpenAPI 3.0 ``nullable: true`` → JSON Schema ``anyOf [..., null]`` (see tests/fixtures/stripe/README.md)."""
    if isinstance(node, dict):
        node = {key: _nullable_to_any_of(value) for key, value in node.items()}
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable_to_any_of(item) for item in node]
    return node


@functools.cache
def _registry() -> Registry:
    document = _nullable_to_any_of(json.loads(SPEC.read_text()))
    return Registry().with_resource(URI, Resource.from_contents(document, default_specification=DRAFT4))


def schema_errors(obj: dict, schema: str) -> list[str]:
    validator = Draft4Validator({"$ref": f"{URI}#/components/schemas/{schema}"}, registry=_registry())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(obj)]


def test_the_schema_check_itself_rejects_a_wrong_object() -> None:
    assert schema_errors({"id": "cs_1", "object": "checkout.session", "payment_status": "sort-of"}, "checkout.session")


def test_checkout_session_event_refund_and_payment_intent_match_stripes_schemas(shop: Shop) -> None:
    booking = shop.book()
    session_id = booking["checkout_url"].rsplit("/", 1)[1]
    open_session = shop.client.get(f"{EMULATOR}/v1/checkout/sessions/{session_id}", headers=AUTH).json()
    assert schema_errors(open_session, "checkout.session") == []
    shop.choose(booking, "pay")
    paid_session = shop.client.get(f"{EMULATOR}/v1/checkout/sessions/{session_id}", headers=AUTH).json()
    assert paid_session["payment_status"] == "paid" and schema_errors(paid_session, "checkout.session") == []

    refund = shop.client.post(f"{EMULATOR}/v1/refunds", headers=AUTH,
                              content=f"payment_intent={paid_session['payment_intent']}&amount=500".encode()).json()
    assert refund["object"] == "refund" and schema_errors(refund, "refund") == []

    with Session(shop.engine) as session:
        stored = {row.id: row.data for row in session.exec(select(EmulatorObject))}
    intent = public_payment_intent(stored[paid_session["payment_intent"]])
    assert schema_errors(intent, "payment_intent") == []
    events = [data for data in stored.values() if data["object"] == "event"]
    assert {e["type"] for e in events} >= {"checkout.session.completed", "charge.refunded", "refund.created"}
    for event in events:
        fetched = shop.client.get(f"{EMULATOR}/v1/events/{event['id']}", headers=AUTH).json()
        assert schema_errors(fetched, "event") == [], event["type"]
        if event["type"].startswith("checkout.session"):
            assert schema_errors(copy.deepcopy(fetched["data"]["object"]), "checkout.session") == []
        if event["type"] == "charge.refunded":  # the charge, with its refunds list (issue 19, finding 2)
            charge = fetched["data"]["object"]
            assert schema_errors(charge, "charge") == []
            assert [r["id"] for r in charge["refunds"]["data"]] == [refund["id"]]


def test_stripe_errors_have_stripes_shape(shop: Shop) -> None:
    missing = shop.client.get(f"{EMULATOR}/v1/checkout/sessions/cs_test_nope", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "invalid_request_error"
    assert missing.json()["error"]["code"] == "resource_missing"
    unauthorised = shop.client.get(f"{EMULATOR}/v1/checkout/sessions/cs_test_nope")
    assert unauthorised.status_code == 401
