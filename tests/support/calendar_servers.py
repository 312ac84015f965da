"""Real calendar servers for the tests: Radicale (a CalDAV server, in a child process on a
free port, with a temporary storage folder and one user) and a tiny HTTP server publishing an
iCalendar feed that the test changes, with ETag support and a count of what it answered."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.processes import free_port

USER, PASSWORD = "ada", "radicale-app-password"


@dataclass
class Radicale:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_radicale(folder: Path) -> Radicale:
    port = free_port()
    users = folder / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    config = folder / "config"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {users}\n"
        "htpasswd_encryption = plain\n"
        "[storage]\n"
        f"filesystem_folder = {folder / 'collections'}\n"
        "[logging]\n"
        "level = warning\n"
    )
    process = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"radicale exited: {process.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except urllib.error.HTTPError:
            break  # it answers (401/403 are answers)
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("radicale did not start")
    return Radicale(url, process)


@dataclass
class IcsFeed:
    """``body`` is served at ``url`` with an ETag; ``answers`` lists the status codes sent."""

    url: str = ""
    body: bytes = b""
    status: int = 200
    answers: list[int] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def start_ics_feed() -> IcsFeed:
    feed = IcsFeed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            etag = f'"{hashlib.sha256(feed.body).hexdigest()[:16]}"'
            if feed.status != 200:
                code = feed.status
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", "http://example.com/elsewhere.ics")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.headers.get("If-None-Match") == etag:
                code = 304
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
            else:
                code = 200
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(feed.body)))
                self.end_headers()
                self.wfile.write(feed.body)
            feed.answers.append(code)

        def log_message(self, *_args) -> None:
            pass

    port = free_port()
    feed.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=feed.server.serve_forever, daemon=True).start()
    feed.url = f"http://127.0.0.1:{port}/calendar.ics"
    return feed
