"""Domain errors → HTTP status codes, in one place at the edge, with one JSON shape:

    {"error": "invalid_input", "message": "…", "field": "email"}

Also the request body size limit (413) and a JSON 404 for unknown /api paths.
"""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from booking_app.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PaymentError,
    PaymentUnavailable,
    SignInRequired,
    TooManyRequests,
)

log = logging.getLogger(__name__)

_STATUS = [
    (InvalidInput, 422, "invalid_input"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (Forbidden, 403, "forbidden"),
    (SignInRequired, 401, "unauthorized"),  # members-only session types (issue 16)
    (TooManyRequests, 429, "too_many_requests"),
    (PaymentUnavailable, 503, "payments_unavailable"),  # before PaymentError: it is a subclass
    (PaymentError, 502, "payment_error"),
]
DEFAULT_BODY_LIMIT = 64 * 1024
WEBHOOK_BODY_LIMIT = 1024 * 1024
WEBHOOK_PATH = "/api/stripe/webhook"
# Reflex's upload endpoint (the profile photo, issue 18): a 5 MB photo and the multipart framing.
UPLOAD_BODY_LIMIT = 6 * 1024 * 1024
UPLOAD_PATH = "/_upload"


def error_body(error: str, message: str, field: str | None = None) -> dict[str, str]:
    body = {"error": error, "message": message}
    if field is not None:
        body["field"] = field
    return body


def _domain_error_response(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            headers = {"WWW-Authenticate": 'Bearer realm="customer"'} if status == 401 else None
            return JSONResponse(error_body(code, exc.message, getattr(exc, "field", None)), status_code=status,
                                headers=headers)
    log.error("unmapped domain error %s: %s", type(exc).__name__, exc.message)
    return JSONResponse(error_body("error", exc.message), status_code=400)


def _validation_error_response(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, reshaped to name the offending field plainly."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        location = [str(part) for part in error["loc"] if part not in ("body", "query", "path")]
        problems.append({"field": ".".join(location) or "body", "message": error["msg"]})
    first = problems[0] if problems else {"field": "body", "message": "Invalid request."}
    body = error_body("invalid_input", f"{first['field']}: {first['message']}", first["field"])
    body["errors"] = problems
    return JSONResponse(body, status_code=422)


def _http_error_response(_request: Request, exc: Exception) -> JSONResponse:
    """Framework-raised HTTP errors (e.g. a body that is not valid JSON) in the same shape."""
    assert isinstance(exc, HTTPException)
    code = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


DATABASE_RETRY_AFTER_SECONDS = 5
DATABASE_BUSY = "The service is busy right now. Please try again in a few seconds."


def _database_error_response(request: Request, exc: Exception) -> JSONResponse:
    """The database is locked, unreachable or out of connections: 503 with Retry-After (the
    documented shape, instead of a plain-text 500), so clients and Stripe try again."""
    log.warning("database unavailable for %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(error_body("service_unavailable", DATABASE_BUSY), status_code=503,
                        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})


def install_error_handlers(api: FastAPI) -> None:
    api.add_exception_handler(sa.exc.OperationalError, _database_error_response)
    api.add_exception_handler(sa.exc.TimeoutError, _database_error_response)
    api.add_exception_handler(DomainError, _domain_error_response)
    api.add_exception_handler(RequestValidationError, _validation_error_response)
    api.add_exception_handler(HTTPException, _http_error_response)


class BodySizeLimit:
    """Refuse request bodies over the limit with 413 before the route reads them.

    Checks the declared Content-Length and, for chunked bodies, counts bytes as they arrive.
    The Stripe webhook gets 1 MiB; every other /api route 64 KiB; Reflex's ``/_upload`` (the
    profile photo) 6 MiB, so nobody parks gigabytes in the server's temporary files.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if not (path.startswith("/api/") or path.rstrip("/") == UPLOAD_PATH):
            await self.app(scope, receive, send)
            return
        limits = {WEBHOOK_PATH: WEBHOOK_BODY_LIMIT, UPLOAD_PATH: UPLOAD_BODY_LIMIT}
        limit = limits.get(path.rstrip("/"), DEFAULT_BODY_LIMIT)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _send_too_large(send, limit)
            return
        received = 0
        response_started = False
        rejected = False

        async def counting_receive() -> Message:
            nonlocal received, rejected
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not rejected:
                    # Answer now; the app sees a disconnected client and stops reading.
                    rejected = True
                    if not response_started:
                        await _send_too_large(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if rejected:
                return  # the 413 has been sent; whatever the app answers is dropped
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, guarded_send)


async def _send_too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        error_body("payload_too_large", f"The request body is larger than {limit // 1024} KiB.")
    ).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
