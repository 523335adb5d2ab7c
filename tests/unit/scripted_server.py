# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A real HTTP server on 127.0.0.1 that answers from a script, for the client's unit tests.

Tests queue replies (status, headers, body, or "drop the connection") and read back the requests the
server saw, so retry, error and pagination rules are proven over a real socket, not a mock.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Deque, Dict, List, Optional
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: Dict[str, str] = field(default_factory=dict)
    drop: bool = False
    raw: Optional[bytes] = None


@dataclass
class SeenRequest:
    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: bytes


class ScriptedServer:
    """Serve queued replies in order; when the queue is empty, ``default`` decides (200 ``{}``)."""

    def __init__(self) -> None:
        self.replies: Deque[Reply] = deque()
        self.requests: List[SeenRequest] = []
        self.default: Callable[[SeenRequest], Reply] = lambda request: Reply(body={})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:{0}".format(self._server.server_address[1])

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def start(self) -> "ScriptedServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_reply(self, seen: SeenRequest) -> Reply:
        self.requests.append(seen)
        return self.replies.popleft() if self.replies else self.default(seen)

    def _handler_class(self) -> type:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = SeenRequest(self.command, parts.path, dict(parse_qsl(parts.query)), dict(self.headers), body)
                reply = owner._next_reply(seen)
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                payload = reply.raw if reply.raw is not None else (
                    b"" if reply.body is None else json.dumps(reply.body).encode())
                self.send_response(reply.status)
                headers = {"Content-Type": "application/vnd.api+json"}
                headers.update(reply.headers)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        return Handler
