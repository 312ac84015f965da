"""The embeddable booking widget: ``/embed.js`` and who may frame which page.

``/embed.js`` (``integrations/embed.js``) frames ``/book/<builder>/?embed=1`` on the builder's
own site. ``FramingHeaders`` answers every response with its framing policy: the booking
pages (``/book/…``, ``/booking/…``) may be framed by ``EMBED_ALLOWED_ORIGINS`` (default any);
everything else — the dashboard, sign-in, the API's own pages — by nobody
(``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` for older browsers).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from booking_app.settings import get_settings

router = APIRouter()
_SCRIPT = (Path(__file__).resolve().parent.parent / "integrations" / "embed.js").read_text()
FRAMEABLE = ("/book/", "/booking/")


@router.get("/embed.js", include_in_schema=False)
def embed_script() -> Response:
    return Response(_SCRIPT, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})


def framing_headers(path: str) -> list[tuple[bytes, bytes]]:
    if path.startswith(FRAMEABLE):
        return [(b"content-security-policy", f"frame-ancestors {get_settings().frame_ancestors}".encode())]
    return [(b"content-security-policy", b"frame-ancestors 'none'"), (b"x-frame-options", b"DENY")]


class FramingHeaders:
    """Adds the framing policy of its path to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = framing_headers(scope["path"])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *(h for h in extra if h[0] not in names)]}
            await send(message)

        await self.app(scope, receive, with_headers)
