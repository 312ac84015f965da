"""A real HTTP server for outgoing webhooks in tests: it checks every request's signature
with the ``standardwebhooks`` library (as a builder's receiver would) and answers with the
statuses a test queues (200 when none is queued); ``redirect`` / ``huge`` / ``slow`` answers
play a hostile endpoint."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    verified: bool
    answered: int | str | tuple
    at: float  # time.monotonic() on arrival

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    secret: str = ""
    answers: deque = field(default_factory=deque)  # 500, 200, "redirect", "huge", ("slow", s), ("drip", s)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *answers) -> None:
        self.answers.extend(answers)

    def events(self) -> list[tuple[str, str]]:
        """(type, webhook-id) of what arrived, in order."""
        return [(r.event["type"], r.id) for r in self.received]


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                Webhook(receiver.secret).verify(body, headers)
                verified = True
            except (WebhookVerificationError, ValueError, KeyError):
                verified = False
            with receiver.lock:
                answer = receiver.answers.popleft() if receiver.answers else 200
                receiver.received.append(Received(self.path, headers, body, verified, answer, time.monotonic()))
            if answer == "redirect":
                self.send_response(302)
                self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif answer == "huge":
                self.send_response(200)
                self.send_header("Content-Length", str(20 * 1024 * 1024))
                self.end_headers()
                try:
                    for _ in range(20 * 16):
                        self.wfile.write(b"x" * 65536)
                except OSError:
                    pass  # the sender stopped reading, as it should
            elif isinstance(answer, tuple) and answer[0] == "drip":  # a status line a byte at a time
                try:
                    for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 1000:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(answer[1])
                except OSError:
                    pass  # the sender gave up, as it should
            elif isinstance(answer, tuple):
                time.sleep(answer[1])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_response(int(answer))
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/makerhours")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
