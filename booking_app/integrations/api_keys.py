"""Builder API keys: made and revoked by the builder, shown once, stored hashed.

A key is ``mh_live_`` followed by 256 random bits (URL-safe base64). The table keeps only its
SHA-256, so a leaked database gives nobody access; a request's key is looked up by that hash
(an index lookup of a value the caller cannot steer towards a match, so no timing leaks which
keys exist). ``last_used_at`` is written at most once a minute per key, so a busy script does
not turn every read into a write.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from booking_app import messages
from booking_app.db import read_session, write_session
from booking_app.errors import InvalidInput, NotFound
from booking_app.models import ApiKey, Builder
from booking_app.scheduling.service import builder_of
from booking_app.text import refuse_control_characters

PREFIX = "mh_live_"
KEY_BYTES = 32  # 256 random bits
HINT_LENGTH = len(PREFIX) + 4
NAME_LIMIT = 100
MAX_ACTIVE_KEYS = 20
LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class ApiKeyView:
    id: int
    name: str
    hint: str  # "mh_live_AbCd…"
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKeyView
    secret: str  # the key itself: shown once, never stored


@dataclass(frozen=True)
class KeyOwner:
    """Who a valid key acts for: the builder's login (the services' ``actor_user_id``)."""

    user_id: int
    builder_id: int
    key_id: int


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _view(row: ApiKey) -> ApiKeyView:
    return ApiKeyView(row.id, row.name, row.hint + "…", row.created_at, row.last_used_at, row.revoked_at)


def _clean_name(name: str) -> str:
    refuse_control_characters(name, "name")
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name", messages.API_KEY_NAME_REQUIRED)
    if len(name) > NAME_LIMIT:
        raise InvalidInput("name", messages.API_KEY_NAME_TOO_LONG)
    return name


def _insert_key(session: Session, builder: Builder, name: str, now: datetime) -> NewApiKey:
    active = session.exec(select(func.count()).select_from(ApiKey)
                          .where(ApiKey.builder_id == builder.id, col(ApiKey.revoked_at).is_(None))).one()
    if active >= MAX_ACTIVE_KEYS:
        raise InvalidInput("name", messages.API_KEY_TOO_MANY)
    secret = PREFIX + secrets.token_urlsafe(KEY_BYTES)
    row = ApiKey(builder_id=builder.id, name=name, key_hash=hash_key(secret), hint=secret[:HINT_LENGTH],
                 created_at=now)
    session.add(row)
    session.flush()
    return NewApiKey(_view(row), secret)


def create_key(actor_user_id: int | None, name: str, *, now: datetime) -> NewApiKey:
    """A new key for the acting builder (``Forbidden`` for anyone else)."""
    name = _clean_name(name)
    with write_session() as session:
        return _insert_key(session, builder_of(session, actor_user_id), name, now)


def create_key_for_slug(slug: str, name: str, *, now: datetime) -> NewApiKey:
    """The CLI's ``create-api-key``: an operator makes a key for a builder by slug."""
    name = _clean_name(name)
    with write_session() as session:
        builder = session.exec(select(Builder).where(Builder.slug == slug.strip().lower())).first()
        if builder is None:
            raise NotFound(messages.BUILDER_NOT_FOUND)
        return _insert_key(session, builder, name, now)


def list_keys(actor_user_id: int | None) -> list[ApiKeyView]:
    """The builder's keys, newest first, revoked ones included (marked)."""
    with read_session() as session:
        builder = builder_of(session, actor_user_id)
        rows = session.exec(select(ApiKey).where(ApiKey.builder_id == builder.id)
                            .order_by(col(ApiKey.id).desc())).all()
        return [_view(row) for row in rows]


def revoke_key(actor_user_id: int | None, key_id: int, *, now: datetime) -> ApiKeyView:
    """The key stops working at once. Another builder's key reads as unknown."""
    with write_session() as session:
        builder = builder_of(session, actor_user_id)
        row = session.get(ApiKey, key_id, with_for_update=True)
        if row is None or row.builder_id != builder.id:
            raise NotFound(messages.API_KEY_NOT_FOUND)
        if row.revoked_at is None:
            row.revoked_at = now
            session.add(row)
            session.flush()
        return _view(row)


_OWNER = (sa.select(ApiKey.__table__.c.id, ApiKey.__table__.c.builder_id, ApiKey.__table__.c.last_used_at,
                    Builder.__table__.c.user_id)
          .join(Builder.__table__, Builder.__table__.c.id == ApiKey.__table__.c.builder_id)
          .where(ApiKey.__table__.c.key_hash == sa.bindparam("key_hash"),
                 ApiKey.__table__.c.revoked_at.is_(None)))


def authenticate(secret: str, *, now: datetime) -> KeyOwner | None:
    """The builder a presented key acts for, or None (malformed, unknown or revoked)."""
    secret = secret.strip()
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    with read_session() as session:
        row = session.execute(_OWNER, {"key_hash": hash_key(secret)}).first()
    if row is None:
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_GRANULARITY:
        with write_session() as session:
            session.execute(sa.update(ApiKey).where(col(ApiKey.id) == row.id).values(last_used_at=now))
    return KeyOwner(user_id=row.user_id, builder_id=row.builder_id, key_id=row.id)
