"""Requests to addresses a builder typed, made safely: ``http``/``https`` only, a host that is
not private or loopback (unless ``CALENDAR_ALLOW_PRIVATE_HOSTS``), timeouts, no redirects, and
a size limit. Every refusal is a ``CalendarError`` whose message is shown to the builder.

The host is checked by resolving it just before the request; a name that resolves to another
address in between (DNS rebinding) is not caught — the allow setting stays off in production.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from booking_app.settings import get_settings

MAX_URL_LENGTH = 2000
MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = (5, 15)  # connect, read (seconds)


class CalendarError(Exception):
    """A calendar could not be read or written; ``str()`` is the message for the builder."""


@dataclass(frozen=True)
class Fetched:
    status: int  # 200, or 304 when unchanged since the last fetch
    body: bytes
    etag: str | None
    last_modified: str | None


def check_url(url: str) -> str:
    """The address, trimmed, if it may be requested; ``CalendarError`` saying why not."""
    url = (url or "").strip()
    if url.startswith("webcal://"):  # what calendar apps hand out for subscriptions
        url = "https://" + url.removeprefix("webcal://")
    parts = urlsplit(url)
    if len(url) > MAX_URL_LENGTH or parts.scheme not in ("http", "https") or not parts.hostname:
        raise CalendarError("Enter the calendar's address starting with https:// (or webcal://).")
    check_host(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    return url


def check_host(host: str, port: int) -> None:
    if get_settings().calendar_allow_private_hosts:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError):
        raise CalendarError(f"The host {host} could not be found.") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise CalendarError(f"The host {host} is a private or local address, which calendars may not use.")


def display_url(url: str) -> str:
    """Scheme and host only: enough to recognise a connection, nothing secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def fetch_ics(url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
    """GET an iCalendar address with a conditional request (304 when unchanged)."""
    url = check_url(url)
    headers = {"Accept": "text/calendar, */*;q=0.5", "User-Agent": "Makerhours calendar sync"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with requests.get(url, headers=headers, timeout=TIMEOUT, allow_redirects=False, stream=True) as response:
            if response.status_code == 304:
                return Fetched(304, b"", etag, last_modified)
            if 300 <= response.status_code < 400:
                raise CalendarError("The calendar's address redirects elsewhere; use the address it redirects to.")
            if response.status_code != 200:
                raise CalendarError(f"The calendar server answered {response.status_code} "
                                    f"{response.reason or ''}".strip() + ".")
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise CalendarError("The calendar is larger than 5 MB; share a smaller one.")
            return Fetched(200, bytes(body), response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except requests.Timeout:
        raise CalendarError("The calendar server did not answer in time.") from None
    except requests.RequestException as exc:
        raise CalendarError(f"The calendar could not be reached ({type(exc).__name__}).") from None
