"""Signing up on the web: confirmed by e-mail, so the form tells nobody who has an account.

``request_sign_up`` checks the form (the same rules as ``service.create_builder``: name,
address, zone, password strength) and then answers the same for every e-mail address:
"we sent you a link". An address without an account gets the link
(``/signup/confirm/?token=…``, valid ``LINK_LIFETIME``) that creates the account and signs
in (``confirm_sign_up``); an address with an account gets a mail saying so, with the way to
sign in. Nothing about the account is created or revealed before the link is opened.

Throttled like "find my bookings" (checked and recorded in one transaction): at most
``PER_ADDRESS`` requests per e-mail address and ``PER_CLIENT`` per client address within
``WINDOW`` — so the form cannot be used to flood someone's inbox or to create accounts in
bulk. The booking address (slug) being taken is said at once: it is public anyway.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import func, select

from booking_app import messages
from booking_app.accounts.passwords import check_password_strength, hash_password
from booking_app.accounts.service import NewBuilder, create_builder, validate_slug
from booking_app.accounts.sessions import start_session
from booking_app.bookings.notices import EMAIL_JOB
from booking_app.db import write_session
from booking_app.emails import normalise_email
from booking_app.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from booking_app.jobs import runner
from booking_app.jobs.queue import enqueue
from booking_app.models import Builder, LoginAttempt, SignupRequest, User
from booking_app.timezones import validate_timezone

log = logging.getLogger(__name__)

SIGN_UP_KIND = "sign_up"
WINDOW = timedelta(hours=1)
PER_ADDRESS = 3
PER_CLIENT = 5
LINK_LIFETIME = timedelta(hours=24)
CONFIRM_TEMPLATE = "confirm_sign_up"
EXISTS_TEMPLATE = "account_exists"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SignUpErrors(InvalidInput):
    """Everything wrong with the sign-up form at once: ``fields`` maps each field to its
    message (``field`` and the message are the first, for callers that show one)."""

    def __init__(self, fields: dict[str, str]) -> None:
        first = next(iter(fields))
        super().__init__(first, fields[first])
        self.fields = fields


def _checked_form(new: NewBuilder) -> tuple[str, str, str, str]:
    """The form's values, cleaned; ``SignUpErrors`` naming every field that is wrong."""
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    display_name = new.display_name.strip()
    if not display_name or len(display_name) > 200:
        errors["display_name"] = "Please enter a name of 1 to 200 characters."
    for field, check, value in (("email", normalise_email, new.email), ("slug", validate_slug, new.slug),
                                ("timezone", validate_timezone, new.timezone)):
        try:
            cleaned[field] = check(value)
        except InvalidInput as exc:
            errors[exc.field] = exc.message
    try:
        check_password_strength(new.password, user_inputs=(cleaned.get("email", new.email), display_name,
                                                           cleaned.get("slug", new.slug)))
    except ValueError as exc:
        errors["password"] = str(exc)
    if errors:
        raise SignUpErrors(errors)
    return cleaned["email"], cleaned["slug"], cleaned["timezone"], display_name


def request_sign_up(new: NewBuilder, *, client_address: str | None, now: datetime) -> str:
    """Check the form and promise the mail; returns the normalised address the mail goes to.
    ``InvalidInput`` (field named), ``Conflict`` (the booking address is taken) or
    ``TooManyRequests``; never anything that depends on the e-mail having an account."""
    email, slug, timezone, display_name = _checked_form(new)
    password_hash = hash_password(new.password)  # before the transaction: it takes a while
    client = (client_address or "")[:64]
    with write_session() as session:
        if session.get_bind().dialect.name == "postgresql":  # two requests at once cannot both pass
            for key in (f"sign-up:{email}", f"sign-up-client:{client}"):
                session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))
        recent = select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.kind == SIGN_UP_KIND, LoginAttempt.attempted_at > now - WINDOW)
        if (session.exec(recent.where(LoginAttempt.email == email)).one() >= PER_ADDRESS
                or session.exec(recent.where(LoginAttempt.client_address == client)).one() >= PER_CLIENT):
            raise TooManyRequests(messages.SIGN_UP_LIMIT)
        session.add(LoginAttempt(email=email, client_address=client, succeeded=True, attempted_at=now,
                                 kind=SIGN_UP_KIND))
        if session.exec(select(Builder.id).where(Builder.slug == slug)).first() is not None:
            raise Conflict(messages.SLUG_TAKEN.format(slug=slug))
        if session.exec(select(User.id).where(User.email == email)).first() is not None:
            payload = {"template": EXISTS_TEMPLATE, "recipient": "builder", "email": email}
        else:
            token = secrets.token_urlsafe(32)
            session.add(SignupRequest(token_hash=_hash(token), email=email, slug=slug, display_name=display_name,
                                      timezone=timezone, password_hash=password_hash, created_at=now,
                                      expires_at=now + LINK_LIFETIME))
            payload = {"template": CONFIRM_TEMPLATE, "recipient": "builder", "email": email, "name": display_name,
                       "token": token}
        enqueue(session, EMAIL_JOB, payload, now=now)
    runner.notify()
    log.info("sign-up requested for %s (%s)", email, payload["template"])
    return email


def confirm_sign_up(token: str, *, now: datetime) -> str:
    """The link in the mail: create the account and profile and start a session; returns the
    session token. ``NotFound`` for an unknown, used or expired link; ``Conflict`` when the
    address or the booking address was taken meanwhile."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound(messages.SIGN_UP_LINK_INVALID)
    with write_session() as session:
        request = session.exec(select(SignupRequest).where(SignupRequest.token_hash == _hash(token),
                                                           SignupRequest.expires_at > now)).first()
        if request is None:
            raise NotFound(messages.SIGN_UP_LINK_INVALID)
        if session.exec(select(User.id).where(User.email == request.email)).first() is not None:
            session.delete(request)
            session.commit()
            raise Conflict(messages.SIGN_UP_ALREADY_DONE)
        builder = create_builder(session, NewBuilder(email=request.email, password="", slug=request.slug,
                                                     display_name=request.display_name, timezone=request.timezone),
                                 password_hash=request.password_hash)
        # Every pending request of this address is done with (several links may have been sent).
        session.execute(sa.delete(SignupRequest).where(SignupRequest.email == request.email))
        session_token = start_session(session, builder.user_id, now)
    log.info("builder %s signed up (address confirmed)", builder.slug)
    return session_token


def forget_expired_requests(*, now: datetime) -> None:
    """Drop links past their lifetime and sign-up attempts past the window (the sweeper)."""
    with write_session() as session:
        session.execute(sa.delete(SignupRequest).where(SignupRequest.expires_at <= now))
        session.execute(sa.delete(LoginAttempt).where(LoginAttempt.kind == SIGN_UP_KIND,
                                                      LoginAttempt.attempted_at <= now - WINDOW))
