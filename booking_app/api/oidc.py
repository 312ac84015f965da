"""The two legs of a sign-in through an OpenID Connect provider that are plain HTTP
(``booking_app/accounts/oidc.py`` does the work): ``GET /api/auth/oidc/start`` sends the
browser to the provider with a cookie binding the answer to this browser;
``GET /api/auth/oidc/callback`` checks the answer and sends the browser to the app's page
``/auth/oidc/finish/`` with a one-time ticket (or the reason it failed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException

from booking_app.accounts import oidc
from booking_app.settings import get_settings

router = APIRouter(prefix="/auth/oidc", tags=["sign-in"], include_in_schema=False)
COOKIE_PATH = "/api/auth/oidc"
ERROR_KEYS = {  # what /auth/oidc/finish shows, by key (no free text travels in the URL)
    "failed": oidc.messages.OIDC_FAILED, "cancelled": oidc.messages.OIDC_CANCELLED,
    "unreachable": oidc.messages.OIDC_UNREACHABLE, "unverified": oidc.messages.OIDC_EMAIL_UNVERIFIED,
}


def _now() -> datetime:
    return datetime.now(UTC)


def _finish(**query: str) -> RedirectResponse:
    response = RedirectResponse(f"{get_settings().app_url}/auth/oidc/finish/?{urlencode(query)}", status_code=303)
    response.delete_cookie(oidc.BROWSER_COOKIE, path=COOKIE_PATH)
    return response


def _error_key(exc: oidc.OidcError) -> str:
    return next((key for key, message in ERROR_KEYS.items() if message == exc.message), "failed")


@router.get("/start")
def start(purpose: Annotated[str, Query(alias="for", max_length=16)] = "customer",
          next_path: Annotated[str, Query(alias="next", max_length=500)] = "") -> RedirectResponse:
    if not get_settings().oidc_enabled:
        raise HTTPException(404, "Not Found")
    try:
        started = oidc.begin(purpose, next_path, now=_now())
    except oidc.OidcError as exc:
        oidc.log.warning("OIDC start failed: %s", exc.reason)
        return _finish(error=_error_key(exc), role=purpose if purpose in oidc.PURPOSES else "customer")
    response = RedirectResponse(started.url, status_code=303)
    response.set_cookie(oidc.BROWSER_COOKIE, started.browser, max_age=int(oidc.LOGIN_LIFETIME.total_seconds()),
                        path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=get_settings().app_url.startswith("https://"))
    return response


@router.get("/callback")
def callback(request: Request, state: Annotated[str, Query(max_length=200)] = "",
             code: Annotated[str, Query(max_length=2000)] = "",
             error: Annotated[str, Query(max_length=200)] = "") -> RedirectResponse:
    if not get_settings().oidc_enabled:
        raise HTTPException(404, "Not Found")
    try:
        ticket = oidc.complete(state=state, code=code, error=error or None,
                               browser=request.cookies.get(oidc.BROWSER_COOKIE), now=_now())
    except oidc.OidcError as exc:
        oidc.log.warning("OIDC sign-in refused: %s", exc.reason)
        return _finish(error=_error_key(exc))
    return _finish(ticket=ticket)
