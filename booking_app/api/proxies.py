"""Believing a TLS proxy or load balancer about who the client is.

Behind a proxy every request comes from the proxy's address, so the per-address hold limit
and sign-in throttling would treat all customers as one. With ``TRUSTED_PROXIES`` set, the
client address and scheme are taken from ``X-Forwarded-For`` / ``X-Forwarded-Proto`` — but
only on connections from those proxies, so nobody else can claim another address.
"""

from __future__ import annotations

from collections.abc import Callable

from granian.utils.proxies import wrap_asgi_with_proxy_headers

from booking_app.settings import Settings


def forwarded_headers_transformer(settings: Settings) -> Callable | None:
    """An ``api_transformer`` that wraps the whole app (pages' websocket and the JSON API), or
    None when no proxy is trusted."""
    trusted = settings.trusted_proxy_list
    if not trusted:
        return None
    return lambda app: wrap_asgi_with_proxy_headers(app, trusted_hosts=trusted)
