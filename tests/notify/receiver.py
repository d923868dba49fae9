"""A webhook receiver for tests: a real HTTP server on a free loopback port, run in a thread.

It checks each delivery's signature as a receiver should, records what it got, and answers
as the test scripts it: a status per request, or a delay that outlasts the sender's timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kalkan.notify.signing import InvalidSignature, verify


@dataclass
class Received:
    delivery_id: str
    body: bytes
    verified: bool


@dataclass
class Receiver:
    secret: str = ""
    #: What to do with the n-th request (0-based); past the end, answer 204. ("status", 500) or ("sleep", 2.0).
    script: list[tuple[str, float]] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)

    def accepted(self) -> list[Received]:
        """Requests answered 2xx, in order of arrival."""
        with self.lock:
            return [r for i, r in enumerate(self.requests) if self._answer(i)[0] == "ok"]

    def _answer(self, index: int) -> tuple[str, float]:
        return self.script[index] if index < len(self.script) else ("ok", 204)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """Wait until ``count`` requests were accepted (or ``timeout`` passes); return those accepted."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len([i for i in range(len(self.requests)) if self._answer(i)[0] == "ok"]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.arrived.wait(left)
        return self.accepted()


@contextmanager
def running_receiver(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            delivery_id = self.headers.get("Kalkan-Delivery-Id", "")
            try:
                verify(receiver.secret, self.headers.get("Kalkan-Signature", ""), delivery_id, body, now=time.time())
                verified = True
            except InvalidSignature:
                verified = False
            with receiver.arrived:
                index = len(receiver.requests)
                receiver.requests.append(Received(delivery_id, body, verified))
                action, value = receiver._answer(index)
                receiver.arrived.notify_all()
            if action == "sleep":
                time.sleep(value)
                status = 204
            else:
                status = int(value) if action == "status" else 204
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/kalkan"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
