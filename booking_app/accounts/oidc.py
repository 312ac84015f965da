"""Sign in with an OpenID Connect provider (issue 16): Clerk, Auth0, Google, Keycloak…,
for builders and customers, configured by ``OIDC_ISSUER``, ``OIDC_CLIENT_ID``,
``OIDC_CLIENT_SECRET`` (and ``OIDC_DISPLAY_NAME`` for the button).

The authorization code flow with PKCE (S256), ``state`` and ``nonce``, with authlib's OAuth 2
client for the redirect and the code exchange, and joserfc (authlib's JOSE library) for the
ID token:

1. ``begin`` (``GET /api/auth/oidc/start``): a random ``state``, ``nonce`` and PKCE verifier,
   kept server-side (``oidc_login``, 10 minutes, the state only hashed) and bound to this
   browser by a cookie; the browser goes to the provider's authorization endpoint.
2. ``complete`` (``GET /api/auth/oidc/callback``): the state must be known, unused, unexpired
   and from this browser; the code is exchanged (client secret + verifier); the ID token's
   signature is checked against the issuer's keys (its ``jwks_uri``) and its claims: ``iss`` is
   the issuer, ``aud`` contains our client id (``azp`` is it when there are several), not
   expired, ``nonce`` is ours. The e-mail is taken only when ``email_verified`` is true (from
   the ID token, or the provider's userinfo for the same ``sub``).
3. The callback hands the browser a one-time ticket for the app's page
   (``/auth/oidc/finish``), whose handler trades it (``redeem``) for a session in local
   storage — a builder's (the account with that e-mail; OIDC does not create builders) or a
   customer's (created or linked by the verified e-mail).

Accounts are linked by verified e-mail only: a provider that does not vouch for the address
gets no session.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests
import sqlalchemy as sa
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlmodel import col, select

from booking_app import messages
from booking_app.accounts import customers
from booking_app.accounts.sessions import start_session
from booking_app.db import write_session
from booking_app.emails import normalise_email
from booking_app.errors import DomainError, InvalidInput
from booking_app.models import Builder, OidcLogin, User
from booking_app.settings import Settings, get_settings
from booking_app.text import refuse_control_characters

log = logging.getLogger(__name__)

LOGIN_LIFETIME = timedelta(minutes=10)
TICKET_LIFETIME = timedelta(minutes=2)
PURPOSES = ("builder", "customer")
SCOPE = "openid email profile"
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
TIMEOUT = 10
METADATA_TTL = 3600
CLOCK_LEEWAY = 60  # seconds of clock difference allowed with the provider
BROWSER_COOKIE = "makerhours_oidc"


class OidcError(DomainError):
    """The sign-in through the provider failed; ``message`` says so in the person's words,
    ``reason`` says why for the log (never shown)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Started:
    url: str  # the provider's authorization URL to send the browser to
    browser: str  # the cookie value binding the callback to this browser


@dataclass(frozen=True)
class Redeemed:
    purpose: str  # builder | customer
    token: str  # the session token for local storage
    next_path: str


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def redirect_uri(settings: Settings | None = None) -> str:
    return f"{(settings or get_settings()).app_url}/api/auth/oidc/callback"


# -- the provider's metadata and keys (cached) -------------------------------------------------

_cache: dict[str, tuple[float, Any]] = {}


def _get_json(url: str) -> dict:
    response = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
    response.raise_for_status()
    return response.json()


def metadata(issuer: str) -> dict:
    """The provider's discovery document; its ``issuer`` must be exactly the configured one."""
    key = f"meta:{issuer}"
    cached = _cache.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    document = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if document.get("issuer") != issuer:
        raise OidcError(messages.OIDC_FAILED, reason=f"discovery names issuer {document.get('issuer')!r}")
    _cache[key] = (time.monotonic() + METADATA_TTL, document)
    return document


def _key_set(issuer: str, *, refresh: bool = False) -> KeySet:
    key = f"jwks:{issuer}"
    cached = _cache.get(key)
    if cached and cached[0] > time.monotonic() and not refresh:
        return cached[1]
    keys = KeySet.import_key_set(_get_json(metadata(issuer)["jwks_uri"]))
    _cache[key] = (time.monotonic() + METADATA_TTL, keys)
    return keys


def forget_cached_metadata() -> None:
    _cache.clear()


# -- the ID token --------------------------------------------------------------------------------


def verify_id_token(id_token: str, *, nonce: str, now: datetime, settings: Settings | None = None) -> dict:
    """The ID token's claims once its signature (the issuer's keys) and claims (iss, aud,
    azp, exp, iat, nonce, sub) are right; ``OidcError`` otherwise."""
    settings = settings or get_settings()
    issuer, client_id = settings.oidc_issuer, settings.oidc_client_id
    try:
        try:
            token = jwt.decode(id_token, _key_set(issuer), algorithms=ALGORITHMS)
        except JoseError:  # perhaps a key the provider rotated in: read its keys again, once
            token = jwt.decode(id_token, _key_set(issuer, refresh=True), algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            now=int(now.timestamp()), leeway=CLOCK_LEEWAY,
            iss={"essential": True, "value": issuer}, sub={"essential": True},
            aud={"essential": True, "value": client_id}, exp={"essential": True}, iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise OidcError(messages.OIDC_FAILED, reason=f"ID token refused: {type(exc).__name__}: {exc}") from None
    claims = token.claims
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
        raise OidcError(messages.OIDC_FAILED, reason=f"ID token azp {claims.get('azp')!r}")
    return claims


def verified_email(claims: dict, userinfo: dict | None = None) -> tuple[str, str]:
    """(e-mail, name) when the provider says the address is verified; ``OidcError`` otherwise.
    The userinfo answer counts only for the same subject as the ID token."""
    source = claims
    if "email" not in claims and userinfo is not None:
        if userinfo.get("sub") != claims.get("sub"):
            raise OidcError(messages.OIDC_FAILED, reason="userinfo for another subject")
        source = userinfo
    email, verified = source.get("email"), source.get("email_verified")
    if not isinstance(email, str) or verified is not True:
        raise OidcError(messages.OIDC_EMAIL_UNVERIFIED, reason=f"email {email!r} verified={verified!r}")
    try:
        address = normalise_email(email)
    except DomainError:
        raise OidcError(messages.OIDC_EMAIL_UNVERIFIED, reason=f"unusable email {email!r}") from None
    name = source.get("name") or " ".join(filter(None, (source.get("given_name"), source.get("family_name"))))
    name = " ".join(str(name or "").split())[:200]
    try:
        refuse_control_characters(name, "name")
    except InvalidInput:
        name = ""  # a name we cannot store is left out; the e-mail is what counts
    return address, name


# -- the flow --------------------------------------------------------------------------------


def _client(settings: Settings) -> OAuth2Session:
    return OAuth2Session(settings.oidc_client_id, settings.oidc_client_secret.get_secret_value(), scope=SCOPE,
                         redirect_uri=redirect_uri(settings), code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_basic", default_timeout=TIMEOUT)


def begin(purpose: str, next_path: str, *, now: datetime) -> Started:
    """Start a sign-in: the provider's URL and the cookie that binds the answer to this browser."""
    settings = get_settings()
    if not settings.oidc_enabled:
        raise OidcError(messages.OIDC_OFF, reason="no OIDC_ISSUER")
    if purpose not in PURPOSES:
        purpose = "customer"
    state, nonce, verifier, browser = (secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                                       secrets.token_urlsafe(64), secrets.token_urlsafe(32))
    try:
        endpoint = metadata(settings.oidc_issuer)["authorization_endpoint"]
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise OidcError(messages.OIDC_UNREACHABLE, reason=f"discovery: {exc}") from None
    url, _ = _client(settings).create_authorization_url(endpoint, state=state, code_verifier=verifier, nonce=nonce)
    default = "/dashboard/" if purpose == "builder" else "/account/"
    with write_session() as session:
        session.add(OidcLogin(state_hash=_sha256(state), browser_hash=_sha256(browser), nonce=nonce,
                              code_verifier=verifier, purpose=purpose,
                              next_path=customers.safe_next(next_path) if next_path else default,
                              created_at=now, expires_at=now + LOGIN_LIFETIME))
    return Started(url, browser)


def complete(*, state: str, code: str, browser: str | None, error: str | None = None, now: datetime) -> str:
    """The provider's answer at the callback: the one-time ticket for ``/auth/oidc/finish``,
    or ``OidcError`` (the state is spent either way)."""
    settings = get_settings()
    if not settings.oidc_enabled:
        raise OidcError(messages.OIDC_OFF, reason="no OIDC_ISSUER")
    if not state or len(state) > 200:
        raise OidcError(messages.OIDC_FAILED, reason="no state")
    with write_session() as session:
        login = session.exec(select(OidcLogin).where(OidcLogin.state_hash == _sha256(state),
                                                     col(OidcLogin.answered_at).is_(None),
                                                     OidcLogin.expires_at > now)).first()
        if login is not None:  # spent now, whatever follows: a state works once
            login.answered_at = now
            session.add(login)
            nonce, verifier, browser_hash, login_id = login.nonce, login.code_verifier, login.browser_hash, login.id
    if login is None:
        raise OidcError(messages.OIDC_FAILED, reason="unknown, used or expired state")
    if not browser or not secrets.compare_digest(_sha256(browser), browser_hash):
        raise OidcError(messages.OIDC_FAILED, reason="answer arrived in another browser")
    if error:
        raise OidcError(messages.OIDC_CANCELLED, reason=f"provider said {error[:100]!r}")
    if not code or len(code) > 2000:
        raise OidcError(messages.OIDC_FAILED, reason="no code")
    try:
        meta = metadata(settings.oidc_issuer)
        client = _client(settings)
        tokens = client.fetch_token(meta["token_endpoint"], grant_type="authorization_code", code=code,
                                    code_verifier=verifier)
    except OidcError:
        raise
    except Exception as exc:  # the provider refused the code or could not be reached
        raise OidcError(messages.OIDC_FAILED, reason=f"code exchange: {type(exc).__name__}: {exc}") from None
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise OidcError(messages.OIDC_FAILED, reason="no id_token in the token response")
    claims = verify_id_token(id_token, nonce=nonce, now=now, settings=settings)
    userinfo = None
    if "email" not in claims and meta.get("userinfo_endpoint"):
        try:
            userinfo = client.get(meta["userinfo_endpoint"], timeout=TIMEOUT).json()
        except Exception as exc:  # noqa: BLE001 - any failure: no verified e-mail
            log.warning("OIDC userinfo failed: %s", exc)
    email, name = verified_email(claims, userinfo)
    ticket = secrets.token_urlsafe(32)
    with write_session() as session:
        session.execute(sa.update(OidcLogin).where(OidcLogin.id == login_id).values(
            ticket_hash=_sha256(ticket), email=email, name=name, expires_at=now + TICKET_LIFETIME))
    log.info("OIDC sign-in proven for %s", email)
    return ticket


def redeem(ticket: str, *, now: datetime) -> Redeemed:
    """The app's page: trade the ticket (once, within minutes) for a session — a builder's
    for the account with that e-mail, a customer's (created or linked by the e-mail)."""
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 100:
        raise OidcError(messages.OIDC_FAILED, reason="malformed ticket")
    with write_session() as session:
        login = session.exec(select(OidcLogin).where(OidcLogin.ticket_hash == _sha256(ticket),
                                                     OidcLogin.expires_at > now)).first()
        if login is None or login.email is None:
            raise OidcError(messages.OIDC_FAILED, reason="unknown, used or expired ticket")
        purpose, email, name, next_path = login.purpose, login.email, login.name, login.next_path
        session.delete(login)
        if purpose == "builder":
            user = session.exec(select(User).join(Builder, Builder.user_id == User.id)
                                .where(User.email == email, User.is_active)).first()
            if user is None:
                session.commit()  # the ticket is spent either way
                raise OidcError(messages.OIDC_NO_BUILDER.format(email=email), reason="no builder with that e-mail")
            user.last_login_at = now
            session.add(user)
            token = start_session(session, user.id, now)
        else:
            token = None
    if token is None:
        token = customers.sign_in_verified(email, now=now, name=name)
    log.info("OIDC %s sign-in for %s", purpose, email)
    return Redeemed(purpose, token, next_path)


def start_url(purpose: str, next_path: str = "") -> str:
    """Where the sign-in buttons point (an API route: it sets the binding cookie)."""
    query = {"for": purpose} | ({"next": next_path} if next_path else {})
    return "/api/auth/oidc/start?" + urlencode(query)


def forget_stale_logins(*, now: datetime) -> None:
    with write_session() as session:
        session.execute(sa.delete(OidcLogin).where(OidcLogin.expires_at <= now))
