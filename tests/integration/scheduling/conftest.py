"""The shared London offer at a fixed ``NOW``, on either database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.offers import Offer, build_offer

__all__ = ["MONDAY_9", "NOW", "Offer"]

# Monday 7 December 2026, 08:00 in London (= UTC in winter).
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def offer(engine: sa.Engine) -> Offer:
    return build_offer(engine)
