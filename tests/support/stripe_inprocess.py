"""An SDK transport into the app itself: the stripe SDK's HTTP requests go to the emulator
mounted in the same FastAPI app, in-process. Tests and benchmarks use it to drive the real SDK
and the whole payment path without a server or a network; the running app never does, so it
lives here and not in ``booking_app``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import stripe
from fastapi.testclient import TestClient

from booking_app.payments.gateway import StripeGateway, build_client, use_gateway


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class InProcessHTTPClient(stripe.HTTPClient):
    """Sends the SDK's requests to the ASGI app through FastAPI's test client."""

    name = "in-process"

    def __init__(self, client: TestClient) -> None:
        super().__init__()
        self._client = client

    def request(self, method, url, headers, post_data=None, **_kwargs):
        response = self._client.request(method.upper(), path_of(url), headers=dict(headers or {}), content=post_data)
        return response.content, response.status_code, response.headers

    def close(self) -> None:
        pass


@contextmanager
def in_process_gateway(client: TestClient) -> Iterator[None]:
    use_gateway(StripeGateway(build_client(http_client=InProcessHTTPClient(client))))
    try:
        yield
    finally:
        use_gateway(None)
