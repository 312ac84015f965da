"""A builder's profile photo (issue 18): the only code that writes or reads the stored images.

An upload is decoded by Pillow before anything is stored, and refused with a message that
says what to change when it is not a PNG, JPEG or WebP image (whatever its name says), is over
``MAX_UPLOAD_BYTES``, has absurd dimensions (a decompression bomb: a small file that decodes
to gigapixels is refused from its header, before any pixel is decoded) or cannot be read.
A good one is turned upright (its EXIF orientation), cropped to a centred square and re-encoded
as WebP at ``SIZES``; the new images are built from the pixels alone, so no EXIF (camera,
GPS position), XMP, ICC profile or comment of the upload is kept.

Only the signed-in builder changes their own photo: ``set_photo`` and ``remove_photo`` take
the acting user's id and act on that user's builder (``Forbidden`` for nobody and for users
who are not builders). Anyone may read a photo (``photo_of``): it is shown on public pages.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import select

from booking_app.db import read_session, write_session
from booking_app.errors import InvalidInput
from booking_app.models import Builder, BuilderPhoto
from booking_app.offers.service import ProfileView, _lock_builder, _profile

log = logging.getLogger(__name__)

FIELD = "photo"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # 5 MB, what the upload control says
MAX_PIXELS = 40_000_000  # 40 megapixels: any phone photo; well under Pillow's MAX_IMAGE_PIXELS
MAX_SIDE = 12_000  # pixels on one side
MIN_SIDE = 64  # smaller is a thumbnail of a thumbnail
LARGE, SMALL = 256, 96
SIZES = (LARGE, SMALL)
CONTENT_TYPE = "image/webp"
FORMATS = ("PNG", "JPEG", "WEBP")  # the only decoders Pillow may use on an upload
ACCEPTED = "PNG, JPEG or WebP"


@dataclass(frozen=True)
class StoredPhoto:
    content_type: str
    version: str
    data: bytes


def photo_path(slug: str, version: str, size: int = LARGE) -> str:
    """The photo's address on this site, with its version to bust caches."""
    return f"/api/builders/{slug}/photo?size={size}&v={version}"


def prepare_photo(data: bytes) -> dict[int, bytes]:
    """The upload as square WebP images by side (``SIZES``); ``InvalidInput`` (field "photo")
    saying what is wrong with it otherwise. Pure: no database."""
    if not data:
        raise InvalidInput(FIELD, "The file is empty. Please choose a PNG, JPEG or WebP photo.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(FIELD, f"The photo is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. "
                                  "Please choose a smaller one.")
    try:
        # Reads the header only; ``formats`` keeps Pillow's other decoders away from uploads.
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:  # over twice Pillow's MAX_IMAGE_PIXELS, from the header
        raise InvalidInput(FIELD, _too_many_pixels("The image has far too many pixels")) from None
    except UnidentifiedImageError:
        raise InvalidInput(FIELD, f"This file is not a {ACCEPTED} image. Please choose a photo in one "
                                  "of these formats.") from None
    except Exception:  # a header Pillow chokes on: not an image we can use
        log.info("photo refused: unreadable header", exc_info=True)
        raise InvalidInput(FIELD, f"This file is not a {ACCEPTED} image we can read. Please choose "
                                  "another photo.") from None
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
            raise InvalidInput(FIELD, _too_many_pixels(f"The image is {width:,}×{height:,} pixels"))
        if min(width, height) < MIN_SIDE:
            raise InvalidInput(FIELD, f"The image is only {width}×{height} pixels; please choose a photo at "
                                      f"least {MIN_SIDE} pixels on each side ({LARGE} or more looks best).")
        if getattr(image, "n_frames", 1) > 1:
            raise InvalidInput(FIELD, "Animated images cannot be profile photos. Please choose a still "
                                      "photo.")
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
        except Exception:  # truncated or corrupt pixel data
            log.info("photo refused: pixel data unreadable", exc_info=True)
            raise InvalidInput(FIELD, "The image could not be read; the file may be damaged. Please choose "
                                      "another photo.") from None
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info)
    pixels = upright.convert("RGBA" if has_alpha else "RGB")
    images = {}
    for side in SIZES:
        square = ImageOps.fit(pixels, (side, side), Image.Resampling.LANCZOS, centering=(0.5, 0.4))
        # A new image from the pixels alone: nothing of the upload's metadata (info) comes along.
        clean = Image.frombytes(square.mode, square.size, square.tobytes())
        out = io.BytesIO()
        clean.save(out, format="WEBP", quality=85, method=4)
        images[side] = out.getvalue()
    return images


def _too_many_pixels(what: str) -> str:
    return (f"{what}; photos up to {MAX_PIXELS // 1_000_000} megapixels and {MAX_SIDE:,} pixels on a side "
            "are accepted. Please choose a smaller one.")


def set_photo(actor_user_id: int | None, data: bytes, *, now: datetime | None = None) -> ProfileView:
    """The acting builder's new photo (replacing any earlier one); the profile with its URL."""
    images = prepare_photo(data)  # before the transaction: decoding is the slow part
    version = hashlib.sha256(images[LARGE] + images[SMALL]).hexdigest()[:16]
    with write_session() as session:
        builder = _lock_builder(session, actor_user_id)
        photo = session.get(BuilderPhoto, builder.id) or BuilderPhoto(builder_id=builder.id)
        photo.version, photo.content_type = version, CONTENT_TYPE
        photo.large, photo.small = images[LARGE], images[SMALL]
        photo.updated_at = now or datetime.now(UTC)
        builder.photo_url = photo_path(builder.slug, version)
        session.add_all([photo, builder])
        session.flush()
        log.info("builder %s: new photo %s", builder.id, version)
        return _profile(builder)


def remove_photo(actor_user_id: int | None) -> ProfileView:
    """The acting builder has no photo any more (customers see their initials)."""
    with write_session() as session:
        builder = _lock_builder(session, actor_user_id)
        photo = session.get(BuilderPhoto, builder.id)
        if photo is not None:
            session.delete(photo)
        builder.photo_url = None
        session.add(builder)
        session.flush()
        return _profile(builder)


def photo_of(slug: str, size: int = LARGE) -> StoredPhoto | None:
    """A builder's stored photo at one of ``SIZES``; None when they have none."""
    column = BuilderPhoto.large if size == LARGE else BuilderPhoto.small
    with read_session() as session:
        found = session.exec(
            select(BuilderPhoto.content_type, BuilderPhoto.version, column)
            .join(Builder, Builder.id == BuilderPhoto.builder_id).where(Builder.slug == slug)
        ).first()
    return StoredPhoto(*found) if found else None
