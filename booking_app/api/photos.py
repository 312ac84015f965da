"""``GET /api/builders/{slug}/photo``: a builder's profile photo (issue 18), as stored by
``offers.photo`` — public, since the home page and the booking pages show it.

The address the app links to carries the photo's version (``v``, a hash of the images): that
exact version may be cached for a year (``immutable``); a request without it, or with an old
one, gets the current photo with ``no-cache`` (browsers check the ``ETag`` again each time).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from booking_app.api.schemas import ErrorBody
from booking_app.errors import InvalidInput, NotFound
from booking_app.offers import photo

router = APIRouter(tags=["booking"])
CACHE_VERSIONED = "public, max-age=31536000, immutable"
CACHE_CURRENT = "public, no-cache"


@router.get(
    "/builders/{slug}/photo",
    response_class=Response,
    responses={200: {"content": {photo.CONTENT_TYPE: {}}, "description": "the photo, square"},
               304: {"description": "unchanged since the ETag given"},
               404: {"model": ErrorBody, "description": "no such builder, or no photo"},
               422: {"model": ErrorBody}},
)
def get_builder_photo(
    slug: Annotated[str, Path(min_length=1, max_length=64)],
    request: Request,
    size: Annotated[int, Query(description="side in pixels: 256 or 96")] = photo.LARGE,
    v: Annotated[str, Query(max_length=64, description="the photo's version, from `photo_url`")] = "",
) -> Response:
    """A builder's profile photo, a square WebP image of 256 or 96 pixels; 404 when they have none."""
    if size not in photo.SIZES:
        raise InvalidInput("size", f"The photo comes in {' and '.join(map(str, photo.SIZES))} pixels.")
    found = photo.photo_of(slug, size)
    if found is None:
        raise NotFound("This builder has no photo.")
    etag = f'"{found.version}-{size}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_VERSIONED if v == found.version else CACHE_CURRENT,
               "X-Content-Type-Options": "nosniff"}
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(found.data, media_type=found.content_type, headers=headers)
