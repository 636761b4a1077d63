"""A real local webhook receiver: an HTTP server that verifies every delivery's signature
with the `standardwebhooks` library, as a customer's endpoint would, and can be scripted
to fail, hang or answer huge bodies.

    receiver = WebhookReceiver().start()
    receiver.secrets = [secret]                 # the secret(s) it verifies with
    receiver.script(fail(500), fail(503))       # what the next requests get, then `ok`
    await receiver.wait_for(3)                  # event-driven: until 3 requests arrived
    receiver.requests[-1].verified, .msg_id, .payload, .answered
    receiver.stop()

Replies: `ok()`, `fail(status)`, `hang(seconds)` (holds the request: longer than the
sender's time-out; `release()` lets every held request go), `huge(size)` (a 200 whose body
is `size` bytes, streamed), `redirect(location)`. A request whose signature does not
verify is answered 401 and recorded with `verified=False`.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Reply:
    """What the receiver does with one request."""

    kind: str
    status: int = 200
    seconds: float = 0.0
    size: int = 0
    location: str = ""


def ok() -> Reply:
    """Answer 204."""
    return Reply("ok", 204)


def fail(status: int = 500) -> Reply:
    """Answer `status` with a short body."""
    return Reply("fail", status)


def hang(seconds: float = 600) -> Reply:
    """Hold the request for `seconds` (or until `release()`), then answer 200."""
    return Reply("hang", 200, seconds=seconds)


def huge(size: int = 20 * 1024 * 1024) -> Reply:
    """Answer 200 with a body of `size` bytes."""
    return Reply("huge", 200, size=size)


def redirect(location: str) -> Reply:
    """Answer 307 to `location`."""
    return Reply("redirect", 307, location=location)


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int

    @property
    def msg_id(self) -> str:
        """The `webhook-id` header."""
        return self.headers.get("webhook-id", "")

    @property
    def payload(self) -> Any:
        """The JSON body."""
        return json.loads(self.body)


class WebhookReceiver:
    """A threaded HTTP server on 127.0.0.1 that verifies, records and answers deliveries."""

    def __init__(self) -> None:
        self.secrets: list[str] = []
        self.requests: list[Received] = []
        self.refusals: list[str] = []  # why signatures did not verify
        self.arrivals = 0
        self.default = ok()
        self._script: deque[Reply] = deque()
        self._lock = threading.Condition()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port it listens on."""
        assert self._server is not None
        return int(self._server.server_address[1])

    def url(self, path: str = "/hooks") -> str:
        """The URL of a path on this receiver."""
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, *replies: Reply) -> None:
        """What the next requests get, in order (then the default)."""
        with self._lock:
            self._script.extend(replies)

    def release(self) -> None:
        """Let every held (and future hanging) request answer at once."""
        self._release.set()

    def _next(self) -> Reply:
        with self._lock:
            self.arrivals += 1
            self._lock.notify_all()
            return self._script.popleft() if self._script else self.default

    def _verify(self, body: bytes, headers: dict[str, str]) -> bool:
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                return True
            except WebhookVerificationError as error:
                self.refusals.append(str(error))
        if not self.secrets:
            self.refusals.append("no secret to verify with")
        return False

    def _record(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)
            self._lock.notify_all()

    def _wait_sync(self, count: int, timeout: float, arrived: bool) -> bool:
        with self._lock:
            return self._lock.wait_for(
                lambda: (self.arrivals if arrived else len(self.requests)) >= count, timeout
            )

    async def wait_for(self, count: int, timeout: float = 60.0) -> None:
        """Until `count` requests were answered (AssertionError after `timeout` seconds)."""
        if not await asyncio.to_thread(self._wait_sync, count, timeout, False):
            raise AssertionError(f"{len(self.requests)} of {count} webhook requests arrived")

    async def wait_for_arrivals(self, count: int, timeout: float = 60.0) -> None:
        """Until `count` requests arrived, answered or still held."""
        if not await asyncio.to_thread(self._wait_sync, count, timeout, True):
            raise AssertionError(f"{self.arrivals} of {count} webhook requests arrived")

    def start(self) -> WebhookReceiver:
        """Listen on an ephemeral port in a background thread."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                reply = receiver._next()
                verified = receiver._verify(body, headers)
                status = reply.status if verified else 401
                if verified and reply.kind == "hang":
                    receiver._release.wait(reply.seconds)
                if verified and reply.kind == "huge":
                    receiver._record(Received(self.path, headers, body, verified, status))
                    self.send_response(200)
                    self.send_header("Content-Length", str(reply.size))
                    self.end_headers()
                    chunk = b"x" * 65536
                    try:
                        for _ in range(reply.size // len(chunk)):
                            self.wfile.write(chunk)
                    except OSError:
                        pass  # the sender stopped reading, as it should
                    return
                payload = b'{"error": "no"}' if status >= 300 else b"ok"
                try:
                    self.send_response(status)
                    if reply.kind == "redirect" and verified:
                        self.send_header("Location", reply.location)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the sender gave up (a time-out) or was killed
                receiver._record(Received(self.path, headers, body, verified, status))

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (held requests are released first)."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
