"""Where an outgoing webhook may go: an ``http(s)`` URL whose host resolves only to public
addresses (unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS=true``). Checked when an endpoint is
registered and again before every delivery — the sender then connects to the very address
it checked (see ``delivery``), so a name that re-resolves to an internal address between the
check and the connection (DNS rebinding) gets nothing."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from booking_app import messages
from booking_app.errors import InvalidInput
from booking_app.settings import get_settings

URL_LIMIT = 2000
FIELD = "url"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (the Host header and the TLS server name)
    port: int
    path: str  # path + query, as sent in the request line
    addresses: tuple[str, ...]  # resolved and checked


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a URL people may register, or ``InvalidInput``."""
    url = url.strip()
    if not url:
        raise InvalidInput(FIELD, messages.WEBHOOK_URL_REQUIRED)
    if len(url) > URL_LIMIT:
        raise InvalidInput(FIELD, messages.WEBHOOK_URL_TOO_LONG)
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise InvalidInput(FIELD, messages.WEBHOOK_URL_FORMAT)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidInput(FIELD, messages.WEBHOOK_URL_SCHEME)
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(FIELD, messages.WEBHOOK_URL_CREDENTIALS)
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise InvalidInput(FIELD, messages.WEBHOOK_URL_FORMAT) from None
    if not parts.hostname:
        raise InvalidInput(FIELD, messages.WEBHOOK_URL_FORMAT)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme.lower(), parts.hostname, port, path


def resolve(url: str) -> Target:
    """Parse, resolve and check ``url``: ``InvalidInput`` naming the problem."""
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise InvalidInput(FIELD, messages.WEBHOOK_URL_UNRESOLVABLE.format(host=host)) from None
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise InvalidInput(FIELD, messages.WEBHOOK_URL_UNRESOLVABLE.format(host=host))
    if not get_settings().webhook_allow_private_targets and not all(is_public(a) for a in addresses):
        raise InvalidInput(FIELD, messages.WEBHOOK_URL_PRIVATE.format(host=host))
    return Target(scheme, host, port, path, addresses)
