"""Signing builders up, in and out: server-side sessions and throttled password checks.

A session is a random token held by the browser (local storage); the database keeps only its
SHA-256, with an absolute expiry. Failed sign-ins are counted per e-mail address and per
client address; past the limit every attempt is refused for a while — with the same message
whether or not the address has an account, and after the same amount of hashing work, so
neither the answer nor its timing tells which e-mail addresses exist.

Password hashing takes tens of milliseconds: UI handlers call these functions through
``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlmodel import func, select

from booking_app.accounts.passwords import hash_password, verify_password
from booking_app.accounts.service import NewBuilder, create_builder
from booking_app.db import read_session, write_session
from booking_app.errors import DomainError, TooManyRequests
from booking_app.models import AuthSession, Builder, LoginAttempt, User

log = logging.getLogger(__name__)

SESSION_LIFETIME = timedelta(days=7)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
SIGN_IN_FAILED = "That e-mail address and password do not match. Please try again."
THROTTLED = "Too many unsuccessful sign-ins. Please wait 15 minutes and try again."
# Verified against when the e-mail has no account, so that a miss costs as much as a wrong password.
_DUMMY_HASH = hash_password("not a real password, only here to spend the same time")


class SignInFailed(DomainError):
    """Wrong e-mail or password (deliberately not saying which)."""


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    email: str
    builder_slug: str
    builder_name: str
    builder_timezone: str


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session, user_id: int, now: datetime) -> str:
    """A new session for ``user_id`` in the caller's transaction; returns the token."""
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=_hash_token(token), user_id=user_id, created_at=now,
                            expires_at=now + SESSION_LIFETIME))
    return token


def sign_up(new: NewBuilder, *, now: datetime) -> str:
    """Create the builder's account and profile and sign them in; returns the session token.
    ``InvalidInput`` (field named) or ``Conflict`` (e-mail or address taken) otherwise."""
    with write_session() as session:
        builder = create_builder(session, new)
        token = start_session(session, builder.user_id, now)
    log.info("builder %s signed up", builder.slug)
    return token


def _lookup_email(email: str) -> str:
    """The form an e-mail is stored and throttled under; garbage stays garbage (and fails)."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return email.strip().lower()[:320]


def _recent_failures(session, column, value: str, now: datetime) -> int:
    return session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at > now - THROTTLE_WINDOW)
    ).one()


def sign_in(email: str, password: str, *, client_address: str | None, now: datetime) -> str:
    """Check the password and start a session; returns its token.

    Raises ``SignInFailed`` (same message for an unknown e-mail and a wrong password) or
    ``TooManyRequests`` after too many failures for this e-mail or this client address.
    """
    address = _lookup_email(email)
    client = client_address[:64] if client_address else None
    with read_session() as session:
        throttled = _recent_failures(session, LoginAttempt.email, address, now) >= MAX_FAILURES_PER_EMAIL or (
            client is not None
            and _recent_failures(session, LoginAttempt.client_address, client, now) >= MAX_FAILURES_PER_CLIENT)
        user = session.exec(select(User).where(User.email == address)).first()
    if throttled:
        verify_password(_DUMMY_HASH, password)
        raise TooManyRequests(THROTTLED)
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None and user.is_active
    with write_session() as session:
        session.add(LoginAttempt(email=address, client_address=client, succeeded=ok, attempted_at=now))
        if not ok:
            token = None
        else:
            session.execute(sa.update(User).where(User.id == user.id).values(last_login_at=now))
            token = start_session(session, user.id, now)
    if token is None:
        log.info("failed sign-in for %s from %s", address, client)
        raise SignInFailed(SIGN_IN_FAILED)
    return token


def signed_in_builder(token: str, *, now: datetime) -> SignedIn | None:
    """Who holds this session token, if it is valid and belongs to an active builder."""
    if not token:
        return None
    with read_session() as session:
        row = session.exec(
            select(User, Builder)
            .join(AuthSession, AuthSession.user_id == User.id)
            .join(Builder, Builder.user_id == User.id)
            .where(AuthSession.token_hash == _hash_token(token), AuthSession.expires_at > now, User.is_active)
        ).first()
    if row is None:
        return None
    user, builder = row
    return SignedIn(user.id, user.email, builder.slug, builder.display_name, builder.timezone)


def sign_out(token: str) -> None:
    """End this session (other browsers stay signed in)."""
    if token:
        with write_session() as session:
            session.execute(sa.delete(AuthSession).where(AuthSession.token_hash == _hash_token(token)))


def forget_stale_records(*, now: datetime) -> None:
    """Drop expired sessions and login attempts older than the throttle window (run by the sweeper)."""
    with write_session() as session:
        session.execute(sa.delete(AuthSession).where(AuthSession.expires_at <= now))
        session.execute(sa.delete(LoginAttempt).where(LoginAttempt.attempted_at <= now - THROTTLE_WINDOW))
