"""Sign-in with an OpenID Connect provider (issue 16, part 4) against a REAL provider: the npm
package oidc-provider, started on a free port (tests/support/oidc_provider.py). Builders and
customers; PKCE, state and nonce; accounts linked by verified e-mail; refused: a forged or
tampered ID token, a wrong nonce, a wrong audience, an unverified e-mail, a state replayed or
arriving in another browser; no button without an issuer."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlmodel import Session, select

from booking_app import messages
from booking_app.accounts import customers, oidc, sessions
from booking_app.bookings import mine
from booking_app.models import Customer, OidcLogin
from booking_app.settings import get_settings
from tests.integration.payments.conftest import Shop
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, sign_in, start_provider

CALLBACK = "http://testserver/api/auth/oidc/callback"
OTHER_APP = {"client_id": "other-app", "client_secret": "other-secret", "redirect_uris": ["http://other.test/cb"],
             "grant_types": ["authorization_code"], "response_types": ["code"],
             "token_endpoint_auth_method": "client_secret_basic"}
ACCOUNTS = {
    "ada": {"email": "ada@example.com", "email_verified": True, "name": "Ada Lovelace"},
    "grace": {"email": "Grace@Example.com", "email_verified": True, "name": "Grace Hopper"},
    "mallory": {"email": "grace@example.com", "email_verified": False, "name": "Not Grace"},
}


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    running = start_provider([CALLBACK], ACCOUNTS, extra_clients=[OTHER_APP])
    yield running
    running.stop()


@pytest.fixture
def oidc_shop(shop: Shop, provider: OidcProvider, monkeypatch: pytest.MonkeyPatch) -> Shop:
    monkeypatch.setenv("OIDC_ISSUER", provider.issuer)
    monkeypatch.setenv("OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OIDC_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("OIDC_DISPLAY_NAME", "Test ID")
    get_settings.cache_clear()
    oidc.forget_cached_metadata()
    yield shop
    get_settings.cache_clear()
    oidc.forget_cached_metadata()


def start(shop: Shop, purpose: str, next_path: str = "") -> str:
    response = shop.client.get("/api/auth/oidc/start", params={"for": purpose, **({"next": next_path} if next_path
                                                                                    else {})},
                               follow_redirects=False)
    assert response.status_code == 303, response.text
    assert "makerhours_oidc" in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]
    return response.headers["location"]


def callback(shop: Shop, url: str) -> dict[str, list[str]]:
    """The browser back at the app's callback: where it is sent next (the finish page's query)."""
    answer = shop.client.get(url.removeprefix("http://testserver"), follow_redirects=False)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith("http://testserver/auth/oidc/finish/?")
    return parse_qs(urlsplit(location).query)


def flow(shop: Shop, login: str, purpose: str = "customer", next_path: str = "") -> dict[str, list[str]]:
    authorize = start(shop, purpose, next_path)
    return callback(shop, sign_in(requests.Session(), authorize, login, stop_at=CALLBACK))


def test_a_customer_signs_in_and_is_linked_to_their_guest_bookings_by_verified_email(oidc_shop: Shop,
                                                                                       provider: OidcProvider) -> None:
    guest = oidc_shop.book(10, kind=oidc_shop.offer.free, email="grace@example.com")
    authorize = start(oidc_shop, "customer", "/book/ada/?type=intro")
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(provider.issuer)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["openid email profile"] and query["redirect_uri"] == [CALLBACK]
    answer = callback(oidc_shop, sign_in(requests.Session(), authorize, "grace", stop_at=CALLBACK))
    done = oidc.redeem(answer["ticket"][0], now=datetime.now(UTC))
    assert (done.purpose, done.next_path) == ("customer", "/book/ada/?type=intro")
    who = customers.signed_in_customer(done.token, now=datetime.now(UTC))
    assert (who.email, who.name) == ("grace@example.com", "Grace Hopper")
    assert [v.token for v in mine.my_bookings(done.token, now=datetime.now(UTC)).upcoming] == [guest["token"]]
    with pytest.raises(oidc.OidcError):  # the ticket works once
        oidc.redeem(answer["ticket"][0], now=datetime.now(UTC))
    # A second sign-in (and a code sign-in) lands in the same account.
    again = oidc.redeem(flow(oidc_shop, "grace")["ticket"][0], now=datetime.now(UTC))
    assert customers.signed_in_customer(again.token, now=datetime.now(UTC)).customer_id == who.customer_id
    with Session(oidc_shop.engine) as session:
        assert len(session.exec(select(Customer)).all()) == 1


def test_a_builder_signs_in_with_the_account_of_their_verified_email(oidc_shop: Shop) -> None:
    done = oidc.redeem(flow(oidc_shop, "ada", "builder")["ticket"][0], now=datetime.now(UTC))
    assert done.purpose == "builder" and done.next_path == "/dashboard/"
    who = sessions.signed_in_builder(done.token, now=datetime.now(UTC))
    assert (who.email, who.builder_slug) == ("ada@example.com", "ada")
    assert customers.signed_in_customer(done.token, now=datetime.now(UTC)) is None  # not a customer session
    # Grace has no builder account: no builder session (OIDC does not create builders).
    with pytest.raises(oidc.OidcError, match="no builder account for grace@example.com"):
        oidc.redeem(flow(oidc_shop, "grace", "builder")["ticket"][0], now=datetime.now(UTC))


def test_an_unverified_email_gets_no_session(oidc_shop: Shop) -> None:
    answer = flow(oidc_shop, "mallory")  # claims grace@example.com, not verified
    assert answer == {"error": ["unverified"]}
    with Session(oidc_shop.engine) as session:
        assert session.exec(select(Customer)).all() == []


def test_a_wrong_nonce_is_refused(oidc_shop: Shop) -> None:
    authorize = start(oidc_shop, "customer")
    with Session(oidc_shop.engine) as session:  # the ID token will carry the nonce sent, not this one
        login = session.exec(select(OidcLogin)).one()
        login.nonce = "another-nonce-than-the-one-sent"
        session.add(login)
        session.commit()
    assert callback(oidc_shop, sign_in(requests.Session(), authorize, "grace", stop_at=CALLBACK)) == {
        "error": ["failed"]}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_tampered_or_forged_id_token_is_refused(oidc_shop: Shop, provider: OidcProvider,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real_fetch = OAuth2Session.fetch_token

    def tampered(self, *args, **kwargs):  # the provider's real token, its e-mail changed
        tokens = real_fetch(self, *args, **kwargs)
        header, payload, signature = tokens["id_token"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        tokens["id_token"] = ".".join((header, _b64({**claims, "email": "ada@example.com"}), signature))
        return tokens

    monkeypatch.setattr(OAuth2Session, "fetch_token", tampered)
    assert flow(oidc_shop, "grace", "builder") == {"error": ["failed"]}

    def forged(self, *args, **kwargs):  # signed with a key of our own, under the provider's key id
        tokens = real_fetch(self, *args, **kwargs)
        header = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[0] + "=="))
        claims = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[1] + "=="))
        key = RSAKey.generate_key(2048, parameters={"kid": header["kid"]})
        tokens["id_token"] = jwt.encode({"alg": "RS256", "kid": header["kid"]}, {**claims, "email": "ada@example.com"},
                                        key)
        return tokens

    monkeypatch.setattr(OAuth2Session, "fetch_token", forged)
    assert flow(oidc_shop, "grace", "builder") == {"error": ["failed"]}
    unsigned = ".".join((_b64({"alg": "none"}), _b64({"iss": provider.issuer, "aud": CLIENT_ID, "sub": "ada"}), ""))
    with pytest.raises(oidc.OidcError):
        oidc.verify_id_token(unsigned, nonce="x", now=datetime.now(UTC))


def test_an_id_token_for_another_audience_is_refused(oidc_shop: Shop, provider: OidcProvider) -> None:
    """A real token the provider issued to another application, with our nonce."""
    meta = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=5).json()
    other = OAuth2Session(OTHER_APP["client_id"], OTHER_APP["client_secret"], scope="openid email",
                          redirect_uri="http://other.test/cb", code_challenge_method="S256")
    verifier = "v" * 64
    url, state = other.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce="n-1")
    back = sign_in(requests.Session(), url, "ada", stop_at="http://other.test/cb")
    tokens = other.fetch_token(meta["token_endpoint"], authorization_response=back, code_verifier=verifier)
    claims = jwt.decode(tokens["id_token"], oidc._key_set(provider.issuer)).claims
    assert claims["aud"] == "other-app" and claims["nonce"] == "n-1"  # genuine, for another app
    with pytest.raises(oidc.OidcError) as refused:
        oidc.verify_id_token(tokens["id_token"], nonce="n-1", now=datetime.now(UTC))
    assert "aud" in refused.value.reason


def test_a_state_works_once_and_only_in_the_browser_that_started(oidc_shop: Shop) -> None:
    authorize = start(oidc_shop, "customer")
    back = sign_in(requests.Session(), authorize, "grace", stop_at=CALLBACK)
    cookie = oidc_shop.client.cookies.get("makerhours_oidc")
    oidc_shop.client.cookies.clear()  # another browser
    assert callback(oidc_shop, back) == {"error": ["failed"]}
    oidc_shop.client.cookies.set("makerhours_oidc", cookie, domain="testserver.local", path="/api/auth/oidc")
    assert callback(oidc_shop, back) == {"error": ["failed"]}  # the state is spent
    assert callback(oidc_shop, "http://testserver/api/auth/oidc/callback?state=made-up&code=x") == {
        "error": ["failed"]}


def test_no_issuer_no_button_and_no_routes(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    from booking_app.pages.oidc import oidc_button

    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    get_settings.cache_clear()
    assert "oidc-sign-in" not in str(oidc_button("/api/auth/oidc/start?for=builder"))
    assert shop.client.get("/api/auth/oidc/start", follow_redirects=False).status_code == 404
    monkeypatch.setenv("OIDC_ISSUER", "http://127.0.0.1:9")
    monkeypatch.setenv("OIDC_CLIENT_ID", "x")
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "y")
    monkeypatch.setenv("OIDC_DISPLAY_NAME", "Clerk")
    get_settings.cache_clear()
    button = str(oidc_button("/api/auth/oidc/start?for=builder"))
    assert "oidc-sign-in" in button and "Continue with Clerk" in button
    get_settings.cache_clear()
    assert messages.OIDC_FAILED
