"""The app with the Stripe emulator in-process (the payments ``shop``), plus a second builder
and API keys: Ada's (the owner of the shared offer), Bob's, and a revoked one of Ada's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from booking_app.integrations import api_keys
from tests.factories import make_builder
from tests.integration.payments.conftest import Shop, shop  # noqa: F401 - the fixture, reused

__all__ = ["Keys", "keys", "shop"]


@dataclass
class Keys:
    ada: str
    bob: str
    revoked: str
    bob_user_id: int

    @staticmethod
    def header(key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"} if key else {}


@pytest.fixture
def keys(shop: Shop) -> Keys:  # noqa: F811 - the fixture imported above
    now = datetime.now(UTC)
    with Session(shop.engine, expire_on_commit=False) as session:
        bob = make_builder(session, slug="bob")
        session.commit()
    ada = shop.offer.builder.user_id
    revoked = api_keys.create_key(ada, "old script", now=now)
    api_keys.revoke_key(ada, revoked.key.id, now=now)
    return Keys(ada=api_keys.create_key(ada, "CRM", now=now).secret,
                bob=api_keys.create_key(bob.user_id, "Bob's", now=now).secret,
                revoked=revoked.secret, bob_user_id=bob.user_id)
