"""People: login accounts and the builder profiles customers book."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from booking_app.models.types import UTCDateTime, utcnow


class User(SQLModel, table=True):
    """A login. The e-mail is stored lower-cased so lookups need no case folding."""

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, sa_column_kwargs={"unique": True}, nullable=False)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Builder(SQLModel, table=True):
    """The public profile customers book; its ``slug`` is the wizard's URL (/book/<slug>)."""

    __tablename__ = "builder"
    __table_args__ = (sa.CheckConstraint("slug <> ''", name="slug_not_empty"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", unique=True, ondelete="CASCADE")
    slug: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=200)
    headline: str = Field(default="", max_length=200)  # the one line on the home page
    bio: str = Field(default="", max_length=5000)
    # The photo customers see: ``/api/builders/<slug>/photo?size=256&v=<version>`` while a
    # ``BuilderPhoto`` is stored (set and cleared with it by ``offers.photo``), else None.
    photo_url: str | None = Field(default=None, max_length=500)
    timezone: str = Field(max_length=64)  # IANA name; availability is read in this zone
    # Hours before a session its customer is reminded, comma-separated ("" = no reminders).
    reminder_hours: str = Field(default="24,1", max_length=50, sa_column_kwargs={"server_default": "24,1"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AuthSession(SQLModel, table=True):
    """A signed-in browser. Only a SHA-256 of the session token is stored, so a leaked
    database does not let anyone sign in; the token itself lives in the browser."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)  # the absolute end
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)  # the idle rule


class LoginAttempt(SQLModel, table=True):
    """One sign-in (or sign-up) attempt, kept for throttling (per e-mail and per client address)."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)  # as typed, normalised; need not be an account
    client_address: str | None = Field(default=None, max_length=64, index=True)
    succeeded: bool
    kind: str = Field(default="sign_in", max_length=16, sa_column_kwargs={"server_default": "sign_in"})
    attempted_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class SignupRequest(SQLModel, table=True):
    """A sign-up waiting for its e-mail address to be confirmed (the link in the mail).

    The account is created only from the link, so the sign-up form answers the same whether
    or not the address already has an account (that one gets a "you already have an account"
    mail instead). Only a SHA-256 of the link's token is stored; the password only hashed."""

    __tablename__ = "signup_request"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    email: str = Field(max_length=320, index=True)
    slug: str = Field(max_length=64)
    display_name: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class BuilderPhoto(SQLModel, table=True):
    """A builder's profile photo (issue 18), as served: square WebP images, re-encoded from the
    upload by ``offers.photo`` (EXIF orientation applied, every metadata dropped). One row per
    builder; ``version`` is a hash of the images, the cache-busting ``v`` of the photo's URL."""

    __tablename__ = "builder_photo"

    builder_id: int = Field(foreign_key="builder.id", primary_key=True, ondelete="CASCADE")
    version: str = Field(max_length=16)
    content_type: str = Field(max_length=32)  # of both sizes: "image/webp"
    large: bytes = Field(sa_type=sa.LargeBinary, nullable=False)  # 256×256
    small: bytes = Field(sa_type=sa.LargeBinary, nullable=False)  # 96×96
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
