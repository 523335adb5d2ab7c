"""The HTTP/1.1 transport: a threading server whose handler turns socket traffic
into :class:`~tfesim.httpcore.Request` objects for the backend."""
from __future__ import annotations

import io
import socket
import ssl
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional, Tuple
from urllib.parse import parse_qsl, unquote, urlsplit

from .arrival import ArrivalStampedReader, enable_arrival_stamps, stamped_reader
from .backend import Backend
from .httpcore import Request


class SimulatorHTTPServer(ThreadingHTTPServer):
    """One thread per connection; daemon threads so a lingering keep-alive client never blocks stop()."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: Tuple[str, int], backend: Backend, tls: Optional[ssl.SSLContext] = None,
                 verbose: bool = False) -> None:
        self.backend = backend
        self.tls = tls
        self.scheme = "https" if tls else "http"
        self.verbose = verbose
        super().__init__(address, SimulatorRequestHandler)

    def server_bind(self) -> None:
        """Before any connection: the kernel stamps when each received packet arrived."""
        enable_arrival_stamps(self.socket)
        super().server_bind()

    def finish_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        """Wrap TLS here, in the connection's own thread, so one slow handshake never blocks accept()."""
        if self.tls is not None:
            request = self.tls.wrap_socket(request, server_side=True)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        """Clients that hang up or fail the TLS handshake are normal here, not tracebacks."""
        if self.verbose:
            super().handle_error(request, client_address)


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    """Keep-alive handler. Nagle is off: otherwise headers and body leave in separate
    packets and every response on a pooled connection stalls about 40 ms."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: SimulatorHTTPServer
    arrivals: Optional[ArrivalStampedReader]

    def setup(self) -> None:
        """Read the connection through a reader that knows when its bytes arrived, where the kernel says."""
        super().setup()
        self.arrivals = stamped_reader(self.connection)
        if self.arrivals is not None:
            self.rfile.close()
            self.rfile = io.BufferedReader(self.arrivals, io.DEFAULT_BUFFER_SIZE)

    def parse_request(self) -> bool:
        """Note when its request line arrived: the kernel's stamp, else now, before anything here delays it."""
        arrived_at = self.arrivals.arrived_at if self.arrivals is not None else None
        self.received_at = arrived_at if arrived_at is not None else time.monotonic()
        return super().parse_request()

    def _read_chunked(self) -> bytes:
        """A ``Transfer-Encoding: chunked`` body (http.client streams a file upload that way)."""
        chunks: List[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():  # trailers, then the blank line that ends the body
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk

    def _serve(self) -> None:
        try:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                body = self._read_chunked()
            else:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length > 0 else b""
        except ValueError:
            self.send_error(400, "bad Content-Length or chunk size")
            return
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        request = Request(
            method=self.command, path=unquote(parts.path), query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=dict(self.headers.items()), body=body, base_url="%s://%s" % (self.server.scheme, host),
            client=self.client_address[0], received_at=self.received_at,
        )
        response = self.server.backend.handle(request)
        if response.drop_connection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:  # pylint: disable=redefined-builtin
        """Quiet: the request log is the record (``--verbose`` on the command line prints it)."""
        if self.server.verbose:
            super().log_message(format, *args)

    def send_response(self, code: int, message: Optional[str] = None) -> None:
        """Omit the ``Server: BaseHTTP/...`` banner noise but keep the Date header."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server-side TLS context (TLS 1.2 minimum, like the provider's client)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context
