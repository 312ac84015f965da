"""Sign-ins through an OpenID Connect provider in flight (issue 16, booking_app/accounts/oidc.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from booking_app.models.types import UTCDateTime, utcnow


class OidcLogin(SQLModel, table=True):
    """One sign-in through the provider, from the redirect to the provider until the app's
    page has taken its session (usable once, minutes long).

    Before the provider answers it holds what the callback must check: the ``state`` (only its
    SHA-256), the browser it started in (SHA-256 of a cookie), the ``nonce`` and the PKCE
    ``code_verifier``. After a good answer it holds who was proven (``email``, verified) and a
    one-time ``ticket`` (SHA-256) that the app's page trades for a session.
    """

    __tablename__ = "oidc_login"

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    browser_hash: str = Field(max_length=64)
    nonce: str = Field(max_length=100)
    code_verifier: str = Field(max_length=128)
    purpose: str = Field(max_length=16)  # builder | customer
    next_path: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ticket_hash: str | None = Field(default=None, max_length=64, unique=True)
    email: str | None = Field(default=None, max_length=320)  # verified by the provider
    name: str = Field(default="", max_length=200)
