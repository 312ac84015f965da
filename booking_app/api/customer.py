"""Customer accounts over the API (issue 16): how an API client gets a customer token.

``POST /api/customer/sign-in/code`` mails a 6-digit code (the same answer for every address;
429 past the limits), ``POST /api/customer/sign-in/verify`` trades the code for a customer
token (401 for a wrong, used or expired code), sent afterwards as
``Authorization: Bearer <token>`` — to book members-only session types (``POST
/api/bookings``) and to ``GET /api/customer/bookings``; ``POST /api/customer/sign-out`` ends
it. The token is a customer session like the browser's (idle and absolute expiry).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from booking_app import messages
from booking_app.accounts import customers
from booking_app.accounts.sessions import session_lifetime
from booking_app.api.schemas import CustomerCodeRequest, CustomerCodeVerify, CustomerToken, ErrorBody, LookupAccepted

router = APIRouter(prefix="/customer", tags=["customer"])
_bearer = HTTPBearer(auto_error=False, scheme_name="CustomerToken",
                     description="A customer token from POST /api/customer/sign-in/verify.")
_ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 413, 422, 429, 503)}


def _now() -> datetime:
    return datetime.now(UTC)


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer realm="customer"'})


def api_customer(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> tuple[str, str]:
    """(token, e-mail) of the signed-in customer; 401 otherwise."""
    token = credentials.credentials if credentials else ""
    who = customers.signed_in_customer(token, now=_now())
    if who is None:
        raise _unauthorized(messages.CUSTOMER_TOKEN_INVALID)
    return token, who.email


@router.post("/sign-in/code", status_code=202, response_model=LookupAccepted, responses=_ERRORS)
def request_code(body: CustomerCodeRequest, request: Request) -> LookupAccepted:
    """Mail a sign-in code (and link) to the address: valid 15 minutes, once. The same answer
    for every address; 429 after 3 requests for one address or 10 from one client in 15 minutes."""
    address = customers.request_code(body.email, client_address=request.client.host if request.client else None,
                                     now=_now())
    return LookupAccepted(message=messages.CUSTOMER_CODE_SENT.format(email=address))


@router.post("/sign-in/verify", response_model=CustomerToken, responses=_ERRORS)
def verify_code(body: CustomerCodeVerify, request: Request) -> CustomerToken:
    """Trade the mailed code for a customer token. 401 for a wrong, used or expired code (a
    code dies after 5 wrong tries); 429 for a client with 20 wrong codes in 15 minutes."""
    now = _now()
    try:
        token = customers.verify_code(body.email, body.code,
                                      client_address=request.client.host if request.client else None, now=now)
    except customers.CodeRefused as exc:
        raise _unauthorized(exc.message) from None
    who = customers.signed_in_customer(token, now=now)
    return CustomerToken(token=token, token_type="Bearer", email=who.email, expires_at=now + session_lifetime())


@router.post("/sign-out", status_code=204, responses=_ERRORS)
def sign_out(customer: Annotated[tuple[str, str], Depends(api_customer)]) -> Response:
    """End this customer token on the server."""
    customers.sign_out_customer(customer[0])
    return Response(status_code=204)
