"""The in-process entry point: ``Simulator(seed=...)``, ``start()``, ``url``, ``stop()``."""
from __future__ import annotations

import threading
from typing import Any, Optional

from .backend import Backend
from .control import Control
from .httpcore import Middleware
from .seeding import SeedSource, apply_seed, load_seed
from .server import SimulatorHTTPServer, tls_context


class Simulator(Control):
    """A TFE API v2 simulator serving on a background thread.

    The control methods (knobs, clock, runs, tokens, request log) come from
    :class:`~tfesim.control.Control`, the same code the ``/_sim/`` endpoints call.
    """

    def __init__(self, seed: SeedSource = None, host: str = "127.0.0.1", port: int = 0,
                 tls_cert: Optional[str] = None, tls_key: Optional[str] = None, verbose: bool = False) -> None:
        super().__init__(Backend())
        apply_seed(self, load_seed(seed))
        self.host = host
        self.port = port
        self._tls = tls_context(tls_cert, tls_key) if tls_cert and tls_key else None
        self._verbose = verbose
        self._server: Optional[SimulatorHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    def add_middleware(self, middleware: Middleware) -> None:
        """Wrap every request with ``middleware(request, next_handler) -> Response`` (fault injection)."""
        self.backend.add_middleware(middleware)

    def start(self) -> "Simulator":
        """Listen and serve on a daemon thread; port 0 picks a free port (see :attr:`url`)."""
        if self._server is not None:
            return self
        self._server = SimulatorHTTPServer((self.host, self.port), self.backend, self._tls, self._verbose)
        self.port = self._server.server_address[1]
        # A short poll interval makes stop() prompt (shutdown waits for the next poll).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="tfesim", daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:43121`` (what TFE_ADDRESS should be)."""
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        host = self.host if ":" not in self.host else "[%s]" % self.host
        return "%s://%s:%d" % (self._server.scheme, host, self.port)

    def stop(self) -> None:
        """Stop serving and close the listening socket; safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "Simulator":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
