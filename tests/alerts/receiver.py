"""A real HTTP receiver on 127.0.0.1 (stdlib http.server in a thread) for the alert tests."""

from __future__ import annotations

import dataclasses
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@dataclasses.dataclass
class Receiver:
    """What the server received; ``delay`` seconds before it answers, with ``status``."""

    url: str
    delay: float = 0.0
    status: int = 200
    bodies: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    headers: list[dict[str, str]] = dataclasses.field(default_factory=list)
    paths: list[str] = dataclasses.field(default_factory=list)

    def alerts(self) -> list[list[tuple[str, str]]]:
        """Per message: (state, test name) of each alert."""
        return [[(a["state"], a["name"]) for a in b["mlaudit"]["alerts"]] for b in self.bodies]


@contextmanager
def receiver(*, delay: float = 0.0, status: int = 200) -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that records every POSTed JSON body."""
    holder: dict[str, Receiver] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            rec = holder["r"]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            rec.bodies.append(json.loads(body))
            rec.headers.append(dict(self.headers))
            rec.paths.append(self.path)
            if rec.delay:
                time.sleep(rec.delay)
            try:
                self.send_response(rec.status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if rec.status < 400 else b"invalid_payload")
            except OSError:  # the client gave up waiting
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    holder["r"] = Receiver(f"http://127.0.0.1:{port}/services/T000/B000/secret", delay, status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["r"]
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 whose port nothing listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
