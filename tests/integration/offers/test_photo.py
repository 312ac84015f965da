"""Builder profile photos (issue 18): ``offers.photo`` checks, crops and stores an upload, only
for the signed-in builder's own profile; ``GET /api/builders/{slug}/photo`` serves it."""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image

from booking_app.api.app import create_api
from booking_app.errors import Forbidden, InvalidInput
from booking_app.offers import photo
from booking_app.offers import service as offers
from tests.integration.offers.conftest import Studio

URL = re.compile(r"^/api/builders/(ada|bob)/photo\?size=256&v=([0-9a-f]{16})$")
RED, BLUE = (220, 30, 30), (30, 30, 220)


def image_bytes(size=(640, 480), color=RED, fmt="PNG", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **save)
    return out.getvalue()


def halves(size=(400, 200)) -> Image.Image:
    """Left half red, right half blue."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions in a few bytes (a decompression bomb's header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
            + chunk(b"IEND", b""))


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def stored(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.text(
            "SELECT b.slug, b.photo_url, p.version, p.content_type FROM builder b "
            "JOIN builder_photo p ON p.builder_id = b.id ORDER BY b.slug"))]


def assert_clean_square(data: bytes, side: int) -> None:
    """A square WebP of ``side`` pixels without any metadata."""
    image = decoded(data)
    assert (image.format, image.size) == ("WEBP", (side, side))
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
    assert dict(image.getexif()) == {}
    for chunk in (b"EXIF", b"XMP ", b"ICCP"):  # the RIFF chunks WebP keeps metadata in
        assert chunk not in data


# --- the service -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_photo_is_stored_square_in_two_sizes_and_shown_on_the_profile(studio: Studio, fmt: str) -> None:
    profile = photo.set_photo(studio.ada, image_bytes((640, 480), fmt=fmt))
    match = URL.match(profile.photo_url)
    assert match and match.group(1) == "ada"
    assert offers.get_profile(studio.ada).photo_url == profile.photo_url
    assert stored(studio.engine) == [("ada", profile.photo_url, match.group(2), "image/webp")]
    for side in (256, 96):
        found = photo.photo_of("ada", side)
        assert found is not None and found.version == match.group(2)
        assert_clean_square(found.data, side)


def test_camera_metadata_is_dropped(studio: Studio) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "Editor 1.0"  # Software
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS latitude
    icc = b"\0" * 128  # any ICC profile bytes: they must not reach the output
    upload = image_bytes((800, 600), fmt="JPEG", exif=exif.tobytes(), icc_profile=icc, comment=b"private note")
    assert b"SecretCam" in upload and b"private note" in upload
    photo.set_photo(studio.ada, upload)
    for side in (256, 96):
        data = photo.photo_of("ada", side).data
        assert_clean_square(data, side)
        assert b"SecretCam" not in data and b"private note" not in data


def test_the_exif_orientation_is_applied_before_cropping(studio: Studio) -> None:
    # Stored sideways (landscape, red left, blue right) with "rotate 90° clockwise to view"
    # (orientation 6): upright it is a portrait, red on top, blue below.
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    halves((400, 200)).save(out, "PNG", exif=exif.tobytes())
    photo.set_photo(studio.ada, out.getvalue())
    image = decoded(photo.photo_of("ada", 256).data).convert("RGB")
    assert image.size == (256, 256)

    def near(pixel, color):
        return all(abs(a - b) < 40 for a, b in zip(pixel, color, strict=True))

    assert near(image.getpixel((128, 10)), RED) and near(image.getpixel((250, 60)), RED)  # upright: top red
    assert near(image.getpixel((128, 250)), BLUE) and near(image.getpixel((5, 250)), BLUE)  # bottom blue
    assert dict(image.getexif()) == {}


@pytest.mark.parametrize(("upload", "message"), [
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n", "not a PNG, JPEG or WebP image",
                 id="a PDF named photo.png"),
    pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
                 "not a PNG, JPEG or WebP image", id="an SVG with a script"),
    pytest.param(image_bytes(fmt="GIF"), "not a PNG, JPEG or WebP image", id="a GIF"),
    pytest.param(image_bytes(fmt="BMP"), "not a PNG, JPEG or WebP image", id="a BMP"),
    pytest.param(b"", "The file is empty", id="empty"),
    pytest.param(image_bytes()[:200], "could not be read", id="a truncated PNG"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + b"\0" * photo.MAX_UPLOAD_BYTES, "larger than 5 MB", id="over 5 MB"),
    pytest.param(png_header_only(10_000, 10_000), "10,000×10,000 pixels; photos up to 40 megapixels",
                 id="a decompression bomb of 100 megapixels"),
    pytest.param(png_header_only(60_000, 60_000), "far too many pixels; photos up to 40 megapixels",
                 id="a decompression bomb past Pillow's MAX_IMAGE_PIXELS"),
    pytest.param(png_header_only(30_000, 100), "30,000×100 pixels", id="a banner 30,000 pixels wide"),
    pytest.param(image_bytes((40, 40)), "only 40×40 pixels", id="a tiny icon"),
])
def test_what_is_not_a_usable_photo_is_refused_with_a_specific_message(
        studio: Studio, upload: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)) as refused:
        photo.set_photo(studio.ada, upload)
    assert refused.value.field == "photo"
    assert stored(studio.engine) == [] and offers.get_profile(studio.ada).photo_url == ""


def test_the_five_megabyte_limit_is_inclusive(studio: Studio) -> None:
    real = image_bytes((300, 300))
    padded = real + b"\0" * (photo.MAX_UPLOAD_BYTES - len(real))  # trailing bytes after IEND are ignored
    assert len(padded) == photo.MAX_UPLOAD_BYTES
    assert URL.match(photo.set_photo(studio.ada, padded).photo_url)


def test_a_new_photo_replaces_the_old_one_under_a_new_version_and_removal_forgets_it(studio: Studio) -> None:
    first = photo.set_photo(studio.ada, image_bytes(color=RED)).photo_url
    second = photo.set_photo(studio.ada, image_bytes(color=BLUE)).photo_url
    assert first != second and URL.match(second)
    assert [row[1] for row in stored(studio.engine)] == [second]
    assert photo.set_photo(studio.ada, image_bytes(color=BLUE)).photo_url == second  # same pixels, same address
    assert photo.remove_photo(studio.ada).photo_url == ""
    assert stored(studio.engine) == [] and photo.photo_of("ada") is None
    assert photo.remove_photo(studio.ada).photo_url == ""  # nothing to remove: no error


def test_another_builder_changes_only_their_own_photo(studio: Studio) -> None:
    ada = photo.set_photo(studio.ada, image_bytes(color=RED)).photo_url
    bob = photo.set_photo(studio.bob, image_bytes(color=BLUE)).photo_url
    assert URL.match(bob).group(1) == "bob"
    assert offers.get_profile(studio.ada).photo_url == ada  # Bob's upload went to Bob's profile
    photo.remove_photo(studio.bob)
    assert offers.get_profile(studio.ada).photo_url == ada
    assert [row[0] for row in stored(studio.engine)] == ["ada"]


@pytest.mark.parametrize("who", ["nobody signed in", "not a builder", "unknown user"])
def test_only_a_signed_in_builder_can_set_or_remove_a_photo(studio: Studio, who: str) -> None:
    photo.set_photo(studio.ada, image_bytes())
    before = stored(studio.engine)
    actor = {"nobody signed in": None, "not a builder": studio.nobody, "unknown user": 999_999}[who]
    with pytest.raises(Forbidden, match="sign in as a builder"):
        photo.set_photo(actor, image_bytes(color=BLUE))
    with pytest.raises(Forbidden, match="sign in as a builder"):
        photo.remove_photo(actor)
    assert stored(studio.engine) == before


# --- the route ---------------------------------------------------------------------------------------


@pytest.fixture
def client(studio: Studio, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("APP_URL", "https://book.example.com")
    from booking_app.settings import get_settings

    get_settings.cache_clear()
    with TestClient(create_api()) as test_client:
        yield test_client


def test_the_photo_route_serves_each_size_with_its_type_and_cache_headers(studio: Studio, client: TestClient) -> None:
    url = photo.set_photo(studio.ada, image_bytes((900, 600), fmt="JPEG")).photo_url
    version = URL.match(url).group(2)

    answer = client.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/webp"
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"  # this version, for good
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["etag"] == f'"{version}-256"'
    assert_clean_square(answer.content, 256)

    small = client.get(f"/api/builders/ada/photo?size=96&v={version}")
    assert small.status_code == 200 and small.headers["etag"] == f'"{version}-96"'
    assert_clean_square(small.content, 96)

    # Without the version (or an old one) the current photo, checked again each time.
    for current in (client.get("/api/builders/ada/photo"), client.get("/api/builders/ada/photo?v=0123456789abcdef")):
        assert current.status_code == 200 and current.headers["cache-control"] == "public, no-cache"
        assert current.content == answer.content
    unchanged = client.get("/api/builders/ada/photo", headers={"If-None-Match": f'"{version}-256"'})
    assert unchanged.status_code == 304 and unchanged.content == b""

    assert client.get("/api/builders/ada/photo?size=1024").status_code == 422
    # The public profile links to it, with the app's address.
    builder = client.get("/api/builders/ada/session-types").json()["builder"]
    assert builder["photo_url"] == "https://book.example.com" + url


def test_the_photo_route_answers_404_without_a_photo(studio: Studio, client: TestClient) -> None:
    for path in ("/api/builders/bob/photo", "/api/builders/nobody-here/photo"):
        answer = client.get(path)
        assert answer.status_code == 404 and answer.json()["error"] == "not_found"
    assert client.get("/api/builders/bob/session-types").json()["builder"]["photo_url"] is None
    photo.set_photo(studio.bob, image_bytes())
    assert client.get("/api/builders/bob/photo").status_code == 200
    photo.remove_photo(studio.bob)
    assert client.get("/api/builders/bob/photo").status_code == 404


def test_reflexs_upload_endpoint_refuses_bodies_far_over_the_photo_limit(client: TestClient) -> None:
    """Beyond react-dropzone's check in the browser: a client posting gigabytes to /_upload is
    cut off at 6 MiB (a 5 MB photo and its multipart framing pass)."""
    huge = client.post("/_upload", content=b"\0" * (6 * 1024 * 1024 + 1),
                       headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert huge.status_code == 413 and huge.json()["error"] == "payload_too_large"
    fine = client.post("/_upload", content=b"\0" * (5 * 1024 * 1024 + 4096),
                       headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert fine.status_code != 413  # reaches the app (Reflex is not mounted in this test: 404)


# --- the profile page's handlers ---------------------------------------------------------------


def _upload(data: bytes, name: str = "me.jpg"):
    import reflex as rx

    return [rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data))]


def test_the_profile_pages_upload_stores_the_photo_of_the_signed_in_builder_only(studio: Studio) -> None:
    from booking_app.pages.profile import ProfileState
    from tests.integration.dashboard.handlers import run_handler, state_for, token_for

    anonymous = state_for(ProfileState, "")
    outcome = run_handler(ProfileState.upload_photo, anonymous, _upload(image_bytes()))
    assert any("/login/" in str(item) for item in outcome)  # sent to sign in
    assert stored(studio.engine) == [] and anonymous.photo_url == ""

    bob = state_for(ProfileState, token_for(studio.bob))
    run_handler(ProfileState.upload_photo, bob, _upload(image_bytes(fmt="JPEG")))
    assert URL.match(bob.photo_url).group(1) == "bob" and bob.photo_error == ""
    assert [row[0] for row in stored(studio.engine)] == ["bob"]  # not Ada's

    run_handler(ProfileState.upload_photo, bob, _upload(b"GIF89a not really", "cat.png"))
    assert "not a PNG, JPEG or WebP image" in bob.photo_error
    assert URL.match(bob.photo_url)  # the earlier photo stays

    run_handler(ProfileState.photo_rejected, bob, "file-too-large")
    assert bob.photo_error == "The photo is larger than 5 MB. Please choose a smaller one."

    run_handler(ProfileState.remove_photo, bob)
    assert bob.photo_url == "" and stored(studio.engine) == []
