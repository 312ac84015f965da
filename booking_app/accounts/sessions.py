"""Signing builders up, in and out: server-side sessions and throttled password checks.

A session is a random token held by the browser (local storage); the database keeps only its
SHA-256. It ends at whichever comes first: ``SESSION_MAX_HOURS`` after sign-in (absolute) or
``SESSION_IDLE_MINUTES`` without a request (idle); signing out, or a password reset, ends it
at once.

Failed sign-ins are throttled without letting anyone lock the owner out (docs/security.md):

* per e-mail address *and* client address: 5 failures in 15 minutes refuse that client for
  that address (a guesser is stopped; the owner, elsewhere, is not);
* per client address: 20 failures in 15 minutes refuse that client for every address;
* per e-mail address from everywhere: past 10 failures in 15 minutes every attempt for that
  address is answered only after a delay (1 s more per 5 further failures, at most 10 s),
  *before* the password is checked — a slowdown for a distributed guesser, never a refusal.

The count is checked and the attempt recorded in one transaction (SQLite's write lock;
advisory locks on PostgreSQL), so concurrent submissions cannot all pass the check. Neither a
refusal nor its timing depends on the address having an account (the limits count attempts,
not accounts), and a wrong password for an unknown address costs the same hashing work as for
a known one.

Password hashing takes milliseconds: UI handlers use ``sign_in_async`` (hashing in a worker
thread, the slowdown as an ``asyncio.sleep``), scripts and tests ``sign_in``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlmodel import func, select

from booking_app.accounts.passwords import hash_password, needs_rehash, verify_password
from booking_app.accounts.service import NewBuilder, create_builder
from booking_app.db import read_session, write_session
from booking_app.errors import DomainError, TooManyRequests
from booking_app.models import AuthSession, Builder, LoginAttempt, User
from booking_app.settings import get_settings

log = logging.getLogger(__name__)

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL_AND_CLIENT = 5
MAX_FAILURES_PER_CLIENT = 20
SLOWDOWN_AFTER_FAILURES = 10
SLOWDOWN_STEP_FAILURES = 5
MAX_SLOWDOWN_SECONDS = 10.0
# A session's last request is written at most this often (not on every click).
TOUCH_EVERY = timedelta(minutes=1)
SIGN_IN_KIND = "sign_in"
SIGN_IN_FAILED = "That e-mail address and password do not match. Please try again."
THROTTLED = ("Too many unsuccessful sign-ins from your network. Please wait 15 minutes and try again, "
             "or sign in from another network.")
# Verified against when the e-mail has no account, so that a miss costs as much as a wrong password.
_DUMMY_HASH = hash_password("not a real password, only here to spend the same time")
_LOCK_SPACE = "sign-in:"


class SignInFailed(DomainError):
    """Wrong e-mail or password (deliberately not saying which)."""


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    email: str
    builder_slug: str
    builder_name: str
    builder_timezone: str


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt that passed the throttle and is recorded (as failed until it succeeds)."""

    id: int
    email: str
    delay: float  # seconds to wait before checking the password (the slowdown)


def session_lifetime() -> timedelta:
    return timedelta(hours=get_settings().session_max_hours)


def session_idle_timeout() -> timedelta:
    return timedelta(minutes=get_settings().session_idle_minutes)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session, user_id: int, now: datetime) -> str:
    """A new session for ``user_id`` in the caller's transaction; returns the token."""
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=_hash_token(token), user_id=user_id, created_at=now, last_seen_at=now,
                            expires_at=now + session_lifetime()))
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


def _recent_failures(session, now: datetime, *conditions) -> int:
    return session.exec(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.kind == SIGN_IN_KIND, LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > now - THROTTLE_WINDOW, *conditions)
    ).one()


def slowdown_for(failures: int) -> float:
    """Seconds every attempt for an address waits once it has ``failures`` recent failures.

    >>> [slowdown_for(n) for n in (0, 9, 10, 14, 15, 60, 500)]
    [0.0, 0.0, 1.0, 1.0, 2.0, 10.0, 10.0]
    """
    if failures < SLOWDOWN_AFTER_FAILURES:
        return 0.0
    return min(1.0 + (failures - SLOWDOWN_AFTER_FAILURES) // SLOWDOWN_STEP_FAILURES, MAX_SLOWDOWN_SECONDS)


def begin_sign_in(email: str, *, client_address: str | None, now: datetime) -> Attempt:
    """The throttle: check the recent failures and record this attempt (as a failure until
    ``finish_sign_in`` says otherwise) in one transaction. ``TooManyRequests`` past a limit."""
    address = _lookup_email(email)
    client = (client_address or "")[:64]
    with write_session() as session:
        if session.get_bind().dialect.name == "postgresql":
            # Concurrent attempts for one address or from one client queue here (SQLite: the
            # write lock of BEGIN IMMEDIATE). Always address first, then client: no deadlock.
            for key in (f"{_LOCK_SPACE}{address}", f"{_LOCK_SPACE}client:{client}"):
                session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))
        from_here = LoginAttempt.client_address == client
        throttled = (
            _recent_failures(session, now, LoginAttempt.email == address, from_here) >= MAX_FAILURES_PER_EMAIL_AND_CLIENT
            or _recent_failures(session, now, from_here) >= MAX_FAILURES_PER_CLIENT)
        if not throttled:
            delay = slowdown_for(_recent_failures(session, now, LoginAttempt.email == address))
            attempt = LoginAttempt(email=address, client_address=client, succeeded=False, attempted_at=now,
                                   kind=SIGN_IN_KIND)
            session.add(attempt)
            session.flush()
            attempt_id = attempt.id
    if throttled:
        log.info("sign-in for %s from %s throttled", address, client or "?")
        raise TooManyRequests(THROTTLED)
    return Attempt(attempt_id, address, delay)


def finish_sign_in(attempt: Attempt, password: str, *, now: datetime) -> str:
    """Check the password of an attempt that passed the throttle; the session token, or
    ``SignInFailed`` (same message for an unknown e-mail and a wrong password)."""
    with read_session() as session:
        user = session.exec(select(User).where(User.email == attempt.email)).first()
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None and user.is_active
    if not ok:
        log.info("failed sign-in for %s", attempt.email)
        raise SignInFailed(SIGN_IN_FAILED)
    new_hash = hash_password(password) if needs_rehash(user.password_hash) else None
    with write_session() as session:
        session.execute(sa.update(LoginAttempt).where(LoginAttempt.id == attempt.id).values(succeeded=True))
        values = {"last_login_at": now} | ({"password_hash": new_hash} if new_hash else {})
        session.execute(sa.update(User).where(User.id == user.id).values(**values))
        return start_session(session, user.id, now)


def sign_in(email: str, password: str, *, client_address: str | None, now: datetime) -> str:
    """Throttle, check the password and start a session; returns its token (blocking: for
    scripts and tests — the UI uses ``sign_in_async``)."""
    attempt = begin_sign_in(email, client_address=client_address, now=now)
    if attempt.delay:
        time.sleep(attempt.delay)
    return finish_sign_in(attempt, password, now=now)


async def sign_in_async(email: str, password: str, *, client_address: str | None, now: datetime) -> str:
    """``sign_in`` for the event loop: the database and hashing in worker threads, the
    slowdown as a sleep that holds no thread."""
    attempt = await asyncio.to_thread(begin_sign_in, email, client_address=client_address, now=now)
    if attempt.delay:
        await asyncio.sleep(attempt.delay)
    return await asyncio.to_thread(finish_sign_in, attempt, password, now=now)


def signed_in_builder(token: str, *, now: datetime) -> SignedIn | None:
    """Who holds this session token, if it is valid (neither past its absolute expiry nor
    idle too long) and belongs to an active builder. Records the request for the idle rule."""
    if not token:
        return None
    token_hash = _hash_token(token)
    with read_session() as session:
        row = session.exec(
            select(User, Builder, AuthSession.last_seen_at)
            .join(AuthSession, AuthSession.user_id == User.id)
            .join(Builder, Builder.user_id == User.id)
            .where(AuthSession.token_hash == token_hash, AuthSession.expires_at > now,
                   AuthSession.last_seen_at > now - session_idle_timeout(), User.is_active)
        ).first()
    if row is None:
        return None
    user, builder, last_seen = row
    if last_seen <= now - TOUCH_EVERY:
        with write_session() as session:
            session.execute(sa.update(AuthSession).where(AuthSession.token_hash == token_hash,
                                                         AuthSession.last_seen_at < now).values(last_seen_at=now))
    return SignedIn(user.id, user.email, builder.slug, builder.display_name, builder.timezone)


def sign_out(token: str) -> None:
    """End this session (other browsers stay signed in)."""
    if token:
        with write_session() as session:
            session.execute(sa.delete(AuthSession).where(AuthSession.token_hash == _hash_token(token)))


def forget_stale_records(*, now: datetime) -> None:
    """Drop ended sessions (expired or idle) and login attempts older than the throttle
    window (run by the sweeper)."""
    with write_session() as session:
        session.execute(sa.delete(AuthSession).where(sa.or_(
            AuthSession.expires_at <= now, AuthSession.last_seen_at <= now - session_idle_timeout())))
        session.execute(sa.delete(LoginAttempt).where(LoginAttempt.kind == SIGN_IN_KIND,
                                                      LoginAttempt.attempted_at <= now - THROTTLE_WINDOW))
