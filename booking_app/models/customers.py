"""Customers' accounts (issue 16): signed in without a password, by a code or link e-mailed
to the address. Kept apart from builders' ``user_account``/``auth_session``: a person can be
both, and a customer session never opens a builder's dashboard (nor the other way round)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from booking_app.models.types import UTCDateTime, utcnow


class Customer(SQLModel, table=True):
    """A customer's account: created the first time an address proves it reads its mail.
    The e-mail is stored normalised and lower-cased, and it is verified (a code or link
    mailed to it, or an identity provider that says so)."""

    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CustomerSignInCode(SQLModel, table=True):
    """One mailed sign-in: a 6-digit code and a link, both for ``email``, usable once, until
    ``expires_at``. Only hashes are stored: the link's token as SHA-256, the code as SHA-256
    with a random salt of its own. ``failures`` counts wrong codes: at the limit the code is
    dead (brute force over a million codes needs a million tries)."""

    __tablename__ = "customer_sign_in_code"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    link_hash: str = Field(max_length=64, unique=True)
    code_salt: str = Field(max_length=32)
    code_hash: str = Field(max_length=64)
    failures: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CustomerSession(SQLModel, table=True):
    """A signed-in customer's browser (or API client): only the token's SHA-256 is stored.
    Ends like a builder's session: absolute and idle expiry, sign-out."""

    __tablename__ = "customer_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
