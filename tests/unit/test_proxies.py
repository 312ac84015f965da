"""Forwarded headers are believed from trusted proxies only."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from booking_app.api.proxies import forwarded_headers_transformer
from booking_app.settings import Settings


async def _whoami(request):
    return PlainTextResponse(f"{request.client.host} {request.url.scheme}")


def _client(trusted: str, peer: str) -> TestClient:
    app = Starlette(routes=[Route("/", _whoami)])
    transformer = forwarded_headers_transformer(Settings(trusted_proxies=trusted))
    wrapped = transformer(app) if transformer else app

    async def asgi(scope, receive, send):  # plain ASGI 3 for the test client's signature check
        await wrapped(scope, receive, send)

    return TestClient(asgi, client=(peer, 40000))


FORWARDED = {"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"}


def test_a_trusted_proxy_is_believed() -> None:
    assert _client("10.0.0.2", "10.0.0.2").get("/", headers=FORWARDED).text == "203.0.113.7 https"


def test_anyone_else_is_not() -> None:
    assert _client("10.0.0.2", "198.51.100.1").get("/", headers=FORWARDED).text == "198.51.100.1 http"


def test_no_proxy_trusted_by_default() -> None:
    assert forwarded_headers_transformer(Settings()) is None
