"""Customers sign in without a password (issue 16): a 6-digit code and a one-time link,
e-mailed to the address, valid ``CODE_LIFETIME`` and usable once.

* **No enumeration**: every well-formed address gets a code; the account (``customer``) is
  created when a code or link is first used, so asking reveals nothing about who has one.
* **Rate limits** (checked and recorded in one transaction, as for builders' sign-in):
  ``REQUESTS_PER_ADDRESS`` codes per address and ``REQUESTS_PER_CLIENT`` per client address
  within ``WINDOW``; a code dies after ``MAX_CODE_FAILURES`` wrong tries (every live code of
  the address counts the miss), and a client with ``MAX_FAILURES_PER_CLIENT`` wrong codes in
  the window is refused for every address. So a guesser gets at most 3 × 5 tries per address
  per 15 minutes against a million codes.
* Only hashes are stored (the link's token as SHA-256, the code salted); codes are compared
  in constant time.
* A customer session is a random token like a builder's (``accounts/sessions.py``): only its
  SHA-256 is stored (``customer_session``), it ends after ``SESSION_MAX_HOURS`` or
  ``SESSION_IDLE_MINUTES`` without a request, and sign-out deletes it on the server. It is a
  different table and a different browser key: it never opens a builder's pages.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, func, select

from booking_app import messages
from booking_app.accounts.sessions import TOUCH_EVERY, session_idle_timeout, session_lifetime
from booking_app.bookings.notices import EMAIL_JOB
from booking_app.db import read_session, write_session
from booking_app.emails import normalise_email
from booking_app.errors import DomainError, NotFound, TooManyRequests
from booking_app.jobs import runner
from booking_app.jobs.queue import enqueue
from booking_app.models import Customer, CustomerSession, CustomerSignInCode, LoginAttempt

log = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=15)
WINDOW = timedelta(minutes=15)
REQUESTS_PER_ADDRESS = 3
REQUESTS_PER_CLIENT = 10
MAX_CODE_FAILURES = 5
MAX_FAILURES_PER_CLIENT = 20
REQUEST_KIND = "customer_code"  # login_attempt.kind: a code was asked for
CHECK_KIND = "customer_check"  # login_attempt.kind: a wrong code was entered
TEMPLATE = "customer_sign_in"


class CodeRefused(DomainError):
    """A wrong, used or expired code or link (one message for all: nothing to learn from it)."""


@dataclass(frozen=True)
class SignedInCustomer:
    customer_id: int
    email: str
    name: str


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _code_hash(salt: str, code: str) -> str:
    return _sha256(f"{salt}:{code}")


def _client(client_address: str | None) -> str:
    return (client_address or "")[:64]


def _lock(session, *keys: str) -> None:
    """PostgreSQL: concurrent requests for one address or client queue here (SQLite: the write
    lock of BEGIN IMMEDIATE already does). Always in the given order: no deadlock."""
    if session.get_bind().dialect.name == "postgresql":
        for key in keys:
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))


def _count(session, kind: str, since: datetime, *conditions) -> int:
    return session.exec(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.kind == kind, LoginAttempt.attempted_at > since, *conditions)).one()


def safe_next(target: str | None) -> str:
    """Only local paths: where to go after signing in must not be another site."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and len(target) <= 500:
        return target
    return "/account/"


def request_code(email: str, *, client_address: str | None, now: datetime, next_path: str = "/account/") -> str:
    """Mail a code and a link to ``email``; returns the normalised address. ``InvalidInput``
    for a malformed address, ``TooManyRequests`` past a limit; the same answer otherwise,
    account or not."""
    address = normalise_email(email)
    client = _client(client_address)
    since = now - WINDOW
    with write_session() as session:
        _lock(session, f"customer-code:{address}", f"customer-code-client:{client}")
        if (_count(session, REQUEST_KIND, since, LoginAttempt.email == address) >= REQUESTS_PER_ADDRESS
                or _count(session, REQUEST_KIND, since, LoginAttempt.client_address == client) >= REQUESTS_PER_CLIENT):
            log.info("customer code for %s from %s throttled", address, client or "?")
            raise TooManyRequests(messages.CUSTOMER_CODE_LIMIT)
        session.add(LoginAttempt(email=address, client_address=client, succeeded=True, attempted_at=now,
                                 kind=REQUEST_KIND))
        code = f"{secrets.randbelow(1_000_000):06d}"
        link = secrets.token_urlsafe(32)
        salt = secrets.token_hex(16)
        session.add(CustomerSignInCode(email=address, link_hash=_sha256(link), code_salt=salt,
                                       code_hash=_code_hash(salt, code), created_at=now,
                                       expires_at=now + CODE_LIFETIME))
        enqueue(session, EMAIL_JOB, {"template": TEMPLATE, "recipient": "customer", "email": address, "code": code,
                                     "token": link, "next": safe_next(next_path)}, now=now)
    runner.notify()
    log.info("customer sign-in code sent to %s", address)
    return address


def _customer_for(session, address: str, now: datetime, *, name: str = "") -> Customer:
    """The account of a verified address, created on first use."""
    customer = session.exec(select(Customer).where(Customer.email == address)).first()
    if customer is None:
        customer = Customer(email=address, name=name[:200], created_at=now)
        session.add(customer)
    elif name and not customer.name:
        customer.name = name[:200]
    customer.last_login_at = now
    session.flush()
    return customer


def start_customer_session(session, customer_id: int, now: datetime) -> str:
    """A new customer session in the caller's transaction; returns its token."""
    token = secrets.token_urlsafe(32)
    session.add(CustomerSession(token_hash=_sha256(token), customer_id=customer_id, created_at=now, last_seen_at=now,
                                expires_at=now + session_lifetime()))
    return token


def sign_in_verified(email: str, *, now: datetime, name: str = "") -> str:
    """Start a session for an address already proven (an identity provider's verified e-mail)."""
    address = normalise_email(email)
    with write_session() as session:
        customer = _customer_for(session, address, now, name=name)
        return start_customer_session(session, customer.id, now)


def _use(session, row: CustomerSignInCode, now: datetime) -> str:
    """Spend ``row`` and every other live code of its address (one sign-in per mail round)."""
    session.execute(sa.update(CustomerSignInCode).where(CustomerSignInCode.email == row.email,
                                                        col(CustomerSignInCode.used_at).is_(None))
                    .values(used_at=now))
    customer = _customer_for(session, row.email, now)
    return start_customer_session(session, customer.id, now)


def verify_code(email: str, code: str, *, client_address: str | None, now: datetime) -> str:
    """The 6-digit code typed in: the session token, or ``CodeRefused`` (wrong, used, expired
    or dead after too many misses), ``TooManyRequests`` for a client past its misses."""
    try:
        address = normalise_email(email)
    except DomainError:
        raise CodeRefused(messages.CUSTOMER_CODE_WRONG) from None
    code = code.strip() if isinstance(code, str) else ""
    client = _client(client_address)
    with write_session() as session:
        _lock(session, f"customer-code:{address}", f"customer-code-client:{client}")
        if _count(session, CHECK_KIND, now - WINDOW, LoginAttempt.client_address == client) >= MAX_FAILURES_PER_CLIENT:
            raise TooManyRequests(messages.CUSTOMER_CODE_THROTTLED)
        live = session.exec(select(CustomerSignInCode).where(
            CustomerSignInCode.email == address, col(CustomerSignInCode.used_at).is_(None),
            CustomerSignInCode.expires_at > now, CustomerSignInCode.failures < MAX_CODE_FAILURES)).all()
        well_formed = len(code) == 6 and code.isascii() and code.isdigit()
        match = next((row for row in live
                      if well_formed and hmac.compare_digest(row.code_hash, _code_hash(row.code_salt, code))), None)
        if match is not None:
            token = _use(session, match, now)
            log.info("customer %s signed in with a code", address)
            return token
        session.add(LoginAttempt(email=address, client_address=client, succeeded=False, attempted_at=now,
                                 kind=CHECK_KIND))
        if live:
            session.execute(sa.update(CustomerSignInCode).where(col(CustomerSignInCode.id).in_([r.id for r in live]))
                            .values(failures=CustomerSignInCode.failures + 1))
    log.info("wrong customer code for %s from %s", address, client or "?")
    raise CodeRefused(messages.CUSTOMER_CODE_WRONG)


def verify_link(token: str, *, now: datetime) -> str:
    """The link of the mail (opened and confirmed with a click): the session token, or
    ``CodeRefused`` for an unknown, used or expired link."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise CodeRefused(messages.CUSTOMER_LINK_INVALID)
    with write_session() as session:
        row = session.exec(select(CustomerSignInCode).where(
            CustomerSignInCode.link_hash == _sha256(token), col(CustomerSignInCode.used_at).is_(None),
            CustomerSignInCode.expires_at > now)).first()
        if row is None:
            raise CodeRefused(messages.CUSTOMER_LINK_INVALID)
        session_token = _use(session, row, now)
    log.info("customer %s signed in with a link", row.email)
    return session_token


def signed_in_customer(token: str, *, now: datetime) -> SignedInCustomer | None:
    """Who holds this customer session token, if it is still valid; records the request for
    the idle rule (at most once a minute)."""
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    token_hash = _sha256(token)
    with read_session() as session:
        row = session.exec(
            select(Customer, CustomerSession.last_seen_at)
            .join(CustomerSession, CustomerSession.customer_id == Customer.id)
            .where(CustomerSession.token_hash == token_hash, CustomerSession.expires_at > now,
                   CustomerSession.last_seen_at > now - session_idle_timeout())).first()
    if row is None:
        return None
    customer, last_seen = row
    if last_seen <= now - TOUCH_EVERY:
        with write_session() as session:
            session.execute(sa.update(CustomerSession).where(CustomerSession.token_hash == token_hash,
                                                             CustomerSession.last_seen_at < now)
                            .values(last_seen_at=now))
    return SignedInCustomer(customer.id, customer.email, customer.name)


def require_customer(token: str, *, now: datetime) -> SignedInCustomer:
    """``signed_in_customer`` or ``NotFound`` ("please sign in")."""
    who = signed_in_customer(token, now=now)
    if who is None:
        raise NotFound(messages.CUSTOMER_SIGN_IN_NEEDED)
    return who


def sign_out_customer(token: str) -> None:
    """End this customer session on the server (other browsers stay signed in)."""
    if token and isinstance(token, str):
        with write_session() as session:
            session.execute(sa.delete(CustomerSession).where(CustomerSession.token_hash == _sha256(token)))


def forget_stale_records(*, now: datetime) -> None:
    """The sweeper: ended sessions, spent or expired codes, attempts past the window."""
    with write_session() as session:
        session.execute(sa.delete(CustomerSession).where(sa.or_(
            CustomerSession.expires_at <= now, CustomerSession.last_seen_at <= now - session_idle_timeout())))
        session.execute(sa.delete(CustomerSignInCode).where(sa.or_(
            CustomerSignInCode.expires_at <= now, col(CustomerSignInCode.used_at).is_not(None))))
        session.execute(sa.delete(LoginAttempt).where(col(LoginAttempt.kind).in_([REQUEST_KIND, CHECK_KIND]),
                                                      LoginAttempt.attempted_at <= now - WINDOW))
