"""The webhook's signature check at its boundaries, with the clock given explicitly (an
integration test a second away from the boundary would depend on how fast it runs)."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from booking_app.payments.webhooks import TOLERANCE_SECONDS, InvalidSignature, verify_event

SECRET = "whsec_test_boundary"
EVENT = json.dumps({"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {"id": "cs_1"}}})


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)


def signed_now() -> tuple[bytes, str, int]:
    timestamp = int(time.time())
    return EVENT.encode(), stripe.WebhookSignature.generate_signature_header(EVENT, SECRET, timestamp), timestamp


@pytest.mark.parametrize("offset", [TOLERANCE_SECONDS, -TOLERANCE_SECONDS, 0])
def test_a_timestamp_up_to_300_s_old_or_ahead_is_accepted(offset: int) -> None:
    payload, header, timestamp = signed_now()
    assert verify_event(payload, header, now=timestamp + offset)["id"] == "evt_1"


@pytest.mark.parametrize("offset", [TOLERANCE_SECONDS + 1, -(TOLERANCE_SECONDS + 1)])
def test_a_timestamp_more_than_300_s_old_or_ahead_is_refused(offset: int) -> None:
    payload, header, timestamp = signed_now()
    with pytest.raises(InvalidSignature, match="tolerance"):
        verify_event(payload, header, now=timestamp + offset)
