"""Creating builders and managing their logins. Callers own the transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from booking_app import messages
from booking_app.accounts.passwords import check_password_strength, hash_password
from booking_app.emails import normalise_email
from booking_app.errors import Conflict, InvalidInput, NotFound
from booking_app.models import AuthSession, Builder, User
from booking_app.timezones import validate_timezone

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
# Slugs that would shadow pages or read as official.
RESERVED_SLUGS = frozenset({"admin", "api", "book", "booking", "dashboard", "login", "logout", "signup", "static"})


@dataclass(frozen=True)
class NewBuilder:
    email: str
    password: str
    slug: str
    display_name: str
    timezone: str
    headline: str = ""
    bio: str = ""


def validate_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG_PATTERN.fullmatch(slug):
        raise InvalidInput(
            "slug", "Use 1-64 lower-case letters, digits and hyphens, not starting or ending with a hyphen."
        )
    if slug in RESERVED_SLUGS:
        raise InvalidInput("slug", f"'{slug}' is reserved; please choose another address.")
    return slug


def create_builder(session: Session, new: NewBuilder, *, password_hash: str | None = None) -> Builder:
    """Create the login and the builder profile; ``InvalidInput`` / ``Conflict`` on bad data.
    ``password_hash``: the password was checked and hashed already (a confirmed sign-up)."""
    email = normalise_email(new.email)
    slug = validate_slug(new.slug)
    timezone = validate_timezone(new.timezone)
    display_name = new.display_name.strip()
    if not display_name or len(display_name) > 200:
        raise InvalidInput("display_name", "Please enter a name of 1 to 200 characters.")
    if password_hash is None:
        try:
            check_password_strength(new.password, user_inputs=(email, display_name, slug))
        except ValueError as exc:
            raise InvalidInput("password", str(exc)) from exc
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise Conflict("An account with this e-mail address already exists.")
    if session.exec(select(Builder).where(Builder.slug == slug)).first() is not None:
        raise Conflict(messages.SLUG_TAKEN.format(slug=slug))
    user = User(email=email, password_hash=password_hash or hash_password(new.password))
    session.add(user)
    session.flush()
    builder = Builder(
        user_id=user.id,
        slug=slug,
        display_name=display_name,
        headline=new.headline.strip()[:200],
        bio=new.bio.strip(),
        timezone=timezone,
    )
    session.add(builder)
    session.flush()
    return builder


def reset_password(session: Session, email: str, password: str) -> int:
    """Set a new password for the account with ``email`` and end every session it has (a
    stolen session token must not outlive the password change). Returns how many ended."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        raise NotFound("No account with this e-mail address.")
    builder = session.exec(select(Builder).where(Builder.user_id == user.id)).first()
    words = (user.email, builder.display_name, builder.slug) if builder else (user.email,)
    try:
        check_password_strength(password, user_inputs=words)
    except ValueError as exc:
        raise InvalidInput("password", str(exc)) from exc
    user.password_hash = hash_password(password)
    session.add(user)
    return session.execute(sa.delete(AuthSession).where(AuthSession.user_id == user.id)).rowcount
