"""The HTML of pages with a dynamic path, with the page's own modules preloaded.

Reflex builds with React Router in SPA mode: a page with a parameter in its path
(``/book/<builder>/``, ``/booking/<token>/``) has no prerendered file and is served one shared
fallback HTML that preloads only the root's modules. The page's own route module is found only
once the entry script runs, and that module's chunks only once it has loaded: two or three more
waves of requests before anything paints, each at least one round trip on a phone's network
(measured in ``benchmarks.pages``; see docs/benchmarks.md, "Page speed").

``RoutePreloads`` answers such a page with the same fallback HTML plus ``modulepreload`` links
for the matched route's module and everything it imports, taken from React Router's build
manifest, so the browser fetches them all in the first wave. Everything else passes through
untouched, as does every request when there is no production build (``reflex run`` in
development serves pages from Vite, not from here).
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

from reflex.utils import prerequisites
from reflex_base import constants
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

_FALLBACK = "__spa-fallback.html"
_MANIFEST_IMPORT = re.compile(r'import "(/[^"]*manifest-[^"/]+\.js)"')
_MANIFEST_PREFIX = "window.__reactRouterManifest="


@dataclass(frozen=True)
class _Page:
    html: bytes
    gzipped: bytes


def route_pattern(path: str) -> re.Pattern[str] | None:
    """A regular expression for a React Router path with ``:param`` segments (``book/:builder``),
    trailing slash optional; None for a path without parameters or with one this does not read
    (optional segments, splats)."""
    segments = [segment for segment in path.strip("/").split("/") if segment]
    if not any(segment.startswith(":") for segment in segments):
        return None
    parts = []
    for segment in segments:
        if segment.startswith(":") and re.fullmatch(r":\w+", segment):
            parts.append("[^/]+")
        elif re.fullmatch(r"[\w.~-]+", segment):
            parts.append(re.escape(segment))
        else:
            return None
    return re.compile("^/" + "/".join(parts) + "/?$")


def with_preloads(html: str, modules: list[str]) -> str:
    """The fallback HTML with a modulepreload link for each module it does not preload yet,
    placed before its first one (or at the end of <head>)."""
    missing = [module for module in dict.fromkeys(modules) if f'href="{module}"' not in html]
    links = "".join(f'<link rel="modulepreload" href="{escape(module)}"/>' for module in missing)
    anchor = html.find('<link rel="modulepreload"')
    if anchor < 0:
        anchor = html.find("</head>")
    if anchor < 0:
        raise ValueError("the fallback HTML has no <head>")
    return html[:anchor] + links + html[anchor:]


@dataclass(frozen=True)
class _Build:
    static_paths: frozenset[str]  # routes without parameters: prerendered, served as they are
    pages: tuple[tuple[re.Pattern[str], _Page], ...]  # one per route with parameters

    def page_for(self, path: str) -> _Page | None:
        # A path with no parameter (``bookings/find``) wins over a pattern it also matches, as
        # in React Router.
        if path.strip("/") in self.static_paths:
            return None
        return next((page for pattern, page in self.pages if pattern.match(path)), None)


_NO_BUILD = _Build(frozenset(), ())


def load_build(build_dir: Path) -> _Build:
    """The build's routes: its paths without parameters, a prepared page for each with them."""
    fallback_path = build_dir / _FALLBACK
    fallback = fallback_path.read_text()
    found = _MANIFEST_IMPORT.search(fallback)
    if found is None:
        raise ValueError(f"{fallback_path} does not import React Router's manifest")
    manifest_text = (build_dir / found.group(1).lstrip("/")).read_text().strip()
    if not manifest_text.startswith(_MANIFEST_PREFIX):
        raise ValueError(f"unexpected manifest layout in {found.group(1)}")
    manifest = json.loads(manifest_text[len(_MANIFEST_PREFIX):].rstrip(";"))
    routes = manifest["routes"].values()
    static_paths = frozenset(route["path"].strip("/") for route in routes
                             if route.get("path") and route_pattern(route["path"]) is None)
    pages = []
    for route in routes:
        pattern = route_pattern(route.get("path") or "")
        if pattern is None or not route.get("module"):
            continue
        html = with_preloads(fallback, [route["module"], *route.get("imports", [])]).encode()
        pages.append((pattern, _Page(html=html, gzipped=gzip.compress(html, compresslevel=9))))
    return _Build(static_paths, tuple(pages))


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header admits gzip (``gzip;q=0`` refuses it; so does a
    header naming neither gzip nor ``*``)."""
    qualities = {}
    for item in accept_encoding.lower().split(","):
        name, _, params = item.partition(";")
        params = params.strip()
        try:
            qualities[name.strip()] = float(params[2:]) if params.startswith("q=") else 1.0
        except ValueError:
            qualities[name.strip()] = 0.0
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0


class RoutePreloads:
    """Serves the dynamic routes' fallback HTML with their modules preloaded (see the module)."""

    def __init__(self, app: ASGIApp, build_dir: Path | None = None) -> None:
        self.app = app
        self.build_dir = build_dir
        self._loaded_for: float | None = None  # the fallback file's mtime the pages were built from
        self._build = _NO_BUILD

    def _current_build(self) -> _Build:
        build_dir = self.build_dir or (prerequisites.get_web_dir() / constants.Dirs.STATIC)
        try:
            mtime = (build_dir / _FALLBACK).stat().st_mtime
        except OSError:
            return _NO_BUILD  # no production build: development, or a separately served front end
        if mtime != self._loaded_for:
            try:
                self._build = load_build(build_dir)
            except (OSError, ValueError, KeyError) as error:
                # A Reflex upgrade that changed the build's layout: serve pages as Reflex does.
                log.error("route preloads disabled: cannot read the build in %s: %s", build_dir, error)
                self._build = _NO_BUILD
            self._loaded_for = mtime
        return self._build

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        page = self._current_build().page_for(scope["path"])
        if page is None:
            await self.app(scope, receive, send)
            return
        accepts = accepts_gzip(dict(scope["headers"]).get(b"accept-encoding", b"").decode("latin-1"))
        body = page.gzipped if accepts else page.html
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                   (b"vary", b"Accept-Encoding"), (b"cache-control", b"no-cache")]
        if accepts:
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
