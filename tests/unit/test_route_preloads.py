"""Dynamic pages' HTML with their route's modules preloaded (booking_app/api/route_preloads.py),
against a build laid out as React Router writes it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from booking_app.api.route_preloads import RoutePreloads, accepts_gzip, route_pattern, with_preloads

FALLBACK = ('<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>'
            '<link rel="modulepreload" href="/assets/entry.client-1.js"/>'
            '<link rel="modulepreload" href="/assets/shared-1.js"/></head><body>'
            '<script type="module" async="">import "/assets/manifest-ab12.js";</script></body></html>')
MANIFEST = {
    "entry": {"module": "/assets/entry.client-1.js", "imports": ["/assets/shared-1.js"], "css": []},
    "routes": {
        "root": {"id": "root", "path": "", "module": "/assets/root-1.js", "imports": ["/assets/shared-1.js"]},
        "routes/[book].$[builder]._index": {
            "id": "routes/[book].$[builder]._index", "parentId": "root", "path": "book/:builder", "index": True,
            "module": "/assets/_book_-1.js", "imports": ["/assets/shared-1.js", "/assets/book-chunk-1.js"]},
        "routes/[book].[new]._index": {"id": "routes/[book].[new]._index", "parentId": "root", "path": "book/new",
                                       "index": True, "module": "/assets/_book_new-1.js", "imports": []},
        "routes/[files].$": {"id": "routes/[files].$", "parentId": "root", "path": "files/*",
                             "module": "/assets/files-1.js", "imports": []},
    },
    "url": "/assets/manifest-ab12.js", "version": "ab12",
}


def write_build(directory: Path, fallback: str = FALLBACK, manifest: dict | None = None) -> Path:
    (directory / "assets").mkdir(parents=True)
    (directory / "__spa-fallback.html").write_text(fallback)
    (directory / "assets" / "manifest-ab12.js").write_text(
        "window.__reactRouterManifest=" + json.dumps(manifest or MANIFEST) + ";")
    return directory


def client_for(build_dir: Path) -> TestClient:
    async def reflex_pages(request):
        return PlainTextResponse(f"served by Reflex: {request.url.path}")

    inner = Starlette(routes=[Route("/{path:path}", reflex_pages, methods=["GET", "HEAD", "POST"])])
    return TestClient(RoutePreloads(inner, build_dir=build_dir))


def test_route_patterns_match_their_parameters_only() -> None:
    pattern = route_pattern("book/:builder")
    assert pattern.match("/book/demo/") and pattern.match("/book/demo")
    assert not pattern.match("/book/") and not pattern.match("/book/demo/extra/") and not pattern.match("/books/x/")
    assert route_pattern("bookings/find") is None  # no parameter: prerendered, not ours
    assert route_pattern("files/*") is None  # splats are left to Reflex
    assert route_pattern("") is None


def test_preloads_are_added_once_before_the_existing_ones() -> None:
    html = with_preloads(FALLBACK, ["/assets/_book_-1.js", "/assets/shared-1.js", "/assets/_book_-1.js"])
    assert html.count('href="/assets/_book_-1.js"') == 1
    assert html.count('href="/assets/shared-1.js"') == 1  # already preloaded: not repeated
    assert html.index("_book_-1.js") < html.index("entry.client-1.js")


def test_a_dynamic_page_gets_its_route_modules_preloaded(tmp_path: Path) -> None:
    client = client_for(write_build(tmp_path))
    response = client.get("/book/demo/", headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["vary"] == "Accept-Encoding"
    for module in ("/assets/_book_-1.js", "/assets/book-chunk-1.js", "/assets/entry.client-1.js"):
        assert f'<link rel="modulepreload" href="{module}"/>' in response.text
    assert 'import "/assets/manifest-ab12.js"' in response.text  # otherwise the fallback as built


def test_gzip_is_used_when_accepted(tmp_path: Path) -> None:
    client = client_for(write_build(tmp_path))
    response = client.get("/book/demo/", headers={"accept-encoding": "gzip, br"})
    assert response.headers["content-encoding"] == "gzip"
    assert "/assets/_book_-1.js" in response.text  # the test client decodes it
    raw = client.get("/book/demo/", headers={"accept-encoding": "gzip;q=0"})
    assert "content-encoding" not in raw.headers
    assert accepts_gzip("br, *") and not accepts_gzip("br") and not accepts_gzip("gzip;q=0, *")


def test_head_has_the_headers_and_no_body(tmp_path: Path) -> None:
    response = client_for(write_build(tmp_path)).head("/book/demo/", headers={"accept-encoding": "identity"})
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["content-length"]) > len(FALLBACK)


@pytest.mark.parametrize("path", ["/", "/book/", "/book/new/", "/files/a/b", "/api/builders/demo/session-types",
                                  "/book/demo/extra/"])
def test_other_paths_pass_through(tmp_path: Path, path: str) -> None:
    response = client_for(write_build(tmp_path)).get(path)
    assert response.text == f"served by Reflex: {path}"


def test_other_methods_pass_through(tmp_path: Path) -> None:
    response = client_for(write_build(tmp_path)).post("/book/demo/")
    assert response.text == "served by Reflex: /book/demo/"


def test_without_a_build_everything_passes_through(tmp_path: Path) -> None:
    assert client_for(tmp_path).get("/book/demo/").text == "served by Reflex: /book/demo/"


def test_a_build_it_cannot_read_is_logged_and_left_to_reflex(tmp_path: Path, caplog) -> None:
    client = client_for(write_build(tmp_path, fallback=FALLBACK.replace("manifest-ab12", "other")))
    assert client.get("/book/demo/").text == "served by Reflex: /book/demo/"
    assert "route preloads disabled" in caplog.text


def test_a_new_build_is_picked_up(tmp_path: Path) -> None:
    client = client_for(write_build(tmp_path))
    assert "/assets/_book_-1.js" in client.get("/book/demo/").text
    changed = json.loads(json.dumps(MANIFEST))
    changed["routes"]["routes/[book].$[builder]._index"]["module"] = "/assets/_book_-2.js"
    (tmp_path / "assets" / "manifest-ab12.js").write_text("window.__reactRouterManifest=" + json.dumps(changed) + ";")
    fallback = tmp_path / "__spa-fallback.html"
    fallback.write_text(FALLBACK + " ")
    stat = fallback.stat()
    os.utime(fallback, (stat.st_atime, stat.st_mtime + 5))
    assert "/assets/_book_-2.js" in client.get("/book/demo/").text
