"""A builder's reminder setting: saved, read back, refused with the field named, and only
ever the builder's own (both databases)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from booking_app import db
from booking_app.errors import Forbidden, InvalidInput
from booking_app.models import Builder
from booking_app.offers import service as offers
from booking_app.settings import get_settings
from tests.factories import make_builder


@pytest.fixture
def builders(database_url: str, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[Builder, Builder]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    db.dispose_engines()
    with Session(engine, expire_on_commit=False) as session:
        ada, mallory = make_builder(session, slug="ada"), make_builder(session, slug="mallory")
        session.commit()
    return ada, mallory


def _stored(engine: sa.Engine, builder: Builder) -> str:
    with Session(engine) as session:
        return session.get(Builder, builder.id).reminder_hours


def test_reminder_hours_are_saved_and_read_back(builders, engine: sa.Engine) -> None:
    ada, mallory = builders
    assert offers.get_reminder_hours(ada.user_id) == "24, 1"  # the default
    assert offers.set_reminder_hours(ada.user_id, " 2h, 48 ") == "48, 2"
    assert _stored(engine, ada) == "48,2" and offers.get_reminder_hours(ada.user_id) == "48, 2"
    assert offers.set_reminder_hours(ada.user_id, "") == ""  # no reminders
    assert _stored(engine, mallory) == "24,1"  # nobody else's changed


@pytest.mark.parametrize("text", ["0", "1, 2, 3, 4", "169", "tomorrow", "24;1"])
def test_bad_reminder_hours_name_the_field_and_change_nothing(builders, engine: sa.Engine, text: str) -> None:
    ada, _ = builders
    with pytest.raises(InvalidInput) as refused:
        offers.set_reminder_hours(ada.user_id, text)
    assert refused.value.field == "reminder_hours" and _stored(engine, ada) == "24,1"


def test_only_a_signed_in_builder_sets_their_own(builders, engine: sa.Engine) -> None:
    ada, mallory = builders
    for actor in (None, 10_000):
        with pytest.raises(Forbidden):
            offers.set_reminder_hours(actor, "2")
        with pytest.raises(Forbidden):
            offers.get_reminder_hours(actor)
    offers.set_reminder_hours(mallory.user_id, "3")  # another builder changes only their own
    assert (_stored(engine, ada), _stored(engine, mallory)) == ("24,1", "3")
