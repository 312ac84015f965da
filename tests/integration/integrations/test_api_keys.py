"""Builder API keys on both databases: made for the acting builder only, stored as a SHA-256
(never the key), recognised until revoked, ``last_used_at`` kept; and the CLI command."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from booking_app import db
from booking_app.errors import Forbidden, InvalidInput, NotFound
from booking_app.integrations import api_keys
from booking_app.models import ApiKey, Builder, User
from booking_app.settings import PROJECT_ROOT, get_settings
from tests.factories import make_builder

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def people(database_url: str, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    db.dispose_engines()
    with Session(engine, expire_on_commit=False) as session:
        ada, bob = make_builder(session, slug="ada"), make_builder(session, slug="bob")
        nobody = User(email="nobody@example.com", password_hash="x")
        session.add(nobody)
        session.commit()
        yield {"ada": ada.user_id, "bob": bob.user_id, "nobody": nobody.id, "ada_builder": ada.id}
    db.dispose_engines()


def _rows(engine: sa.Engine) -> list[ApiKey]:
    with Session(engine) as session:
        return list(session.exec(select(ApiKey).order_by(ApiKey.id)))


def test_a_key_is_shown_once_and_stored_only_as_its_hash(people: dict[str, int], engine: sa.Engine) -> None:
    made = api_keys.create_key(people["ada"], "  CRM   sync ", now=NOW)
    assert made.secret.startswith("mh_live_") and len(made.secret) >= len("mh_live_") + 43  # 256 bits
    assert made.key.name == "CRM sync" and made.key.hint == made.secret[:12] + "…"
    [row] = _rows(engine)
    assert row.key_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert made.secret not in (row.key_hash, row.hint, row.name)
    owner = api_keys.authenticate(made.secret, now=NOW)
    assert owner is not None and owner.user_id == people["ada"] and owner.builder_id == people["ada_builder"]
    assert _rows(engine)[0].last_used_at == NOW
    # Used again within the minute: no write; later: the time moves on.
    api_keys.authenticate(made.secret, now=NOW + timedelta(seconds=30))
    assert _rows(engine)[0].last_used_at == NOW
    api_keys.authenticate(made.secret, now=NOW + timedelta(minutes=5))
    assert _rows(engine)[0].last_used_at == NOW + timedelta(minutes=5)


def test_unknown_malformed_and_revoked_keys_act_for_nobody(people: dict[str, int], engine: sa.Engine) -> None:
    made = api_keys.create_key(people["ada"], "Zapier", now=NOW)
    for wrong in ("", "Bearer", "mh_live_", made.secret[:-1], made.secret + "x", "sk_live_" + made.secret[8:],
                  "mh_live_" + "a" * 500):
        assert api_keys.authenticate(wrong, now=NOW) is None
    # Bob cannot revoke Ada's key (it reads as unknown); nobody cannot list keys.
    with pytest.raises(NotFound):
        api_keys.revoke_key(people["bob"], made.key.id, now=NOW)
    with pytest.raises(Forbidden):
        api_keys.list_keys(people["nobody"])
    with pytest.raises(Forbidden):
        api_keys.create_key(None, "x", now=NOW)
    assert api_keys.authenticate(made.secret, now=NOW) is not None
    revoked = api_keys.revoke_key(people["ada"], made.key.id, now=NOW)
    assert revoked.revoked_at == NOW and not revoked.active
    assert api_keys.authenticate(made.secret, now=NOW) is None
    assert [k.active for k in api_keys.list_keys(people["ada"])] == [False]
    assert api_keys.list_keys(people["bob"]) == []


def test_a_key_needs_a_sensible_name(people: dict[str, int], engine: sa.Engine) -> None:
    for bad, message in (("   ", "Give the key a name"), ("x" * 101, "100 characters"), ("bad\x00", "control")):
        with pytest.raises(InvalidInput) as caught:
            api_keys.create_key(people["ada"], bad, now=NOW)
        assert caught.value.field == "name" and message.lower() in caught.value.message.lower()
    assert _rows(engine) == []


def test_at_most_twenty_active_keys(people: dict[str, int], engine: sa.Engine) -> None:
    first = [api_keys.create_key(people["ada"], f"key {n}", now=NOW) for n in range(20)]
    with pytest.raises(InvalidInput, match="20 active API keys"):
        api_keys.create_key(people["ada"], "one more", now=NOW)
    api_keys.revoke_key(people["ada"], first[0].key.id, now=NOW)
    api_keys.create_key(people["ada"], "one more", now=NOW)


def test_cli_prints_a_working_key(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    db.dispose_engines()
    with Session(db.make_engine(sqlite_url)) as session:
        make_builder(session, slug="grace")
        session.commit()
    env = {**os.environ, "DATABASE_URL": sqlite_url}
    result = subprocess.run([sys.executable, "-m", "booking_app.cli", "create-api-key", "grace", "--name", "CRM"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True)
    key = result.stdout.strip()
    assert key.startswith("mh_live_") and "shown only this once" in result.stderr
    owner = api_keys.authenticate(key, now=NOW)
    with Session(db.make_engine(sqlite_url)) as session:
        assert owner is not None and session.get(Builder, owner.builder_id).slug == "grace"
    unknown = subprocess.run([sys.executable, "-m", "booking_app.cli", "create-api-key", "nobody", "--name", "x"],
                             cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert unknown.returncode == 1 and "no builder" in unknown.stderr.lower() and "Traceback" not in unknown.stderr
