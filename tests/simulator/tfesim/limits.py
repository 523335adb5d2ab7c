"""The installation's own rate limits (contract 7.2), off by default.

Every ``/api/v2/`` request counts against ``api_rate_limit_per_second`` and the two run
lists also against ``run_list_rate_limit_per_minute``, both per user (several tokens of
one user share a budget; unauthenticated requests count per client address). This is
the innermost middleware, so the limit belongs to the server: faults and custom
middlewares sit in front of it like a proxy would.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, List, Optional, Tuple

from .auth import bearer_token
from .errors import ApiError
from .faults import path_pattern
from .httpcore import Handler, Request, Response
from .ratelimit import SlidingWindowLimiter, limit_time, too_many_requests

if TYPE_CHECKING:
    from .backend import Backend

API_PREFIX = "/api/v2/"  # not /_sim/ (control) nor /_archivist/ (the blob host)
# Matched by pattern so that every run list counts, whichever module serves it.
RUN_LIST_PATHS = (path_pattern("/api/v2/workspaces/*/runs"), path_pattern("/api/v2/organizations/*/runs"))
# Changing any of these starts every window afresh (a window is meaningless across clocks).
RATE_LIMIT_KNOBS = frozenset({"api_rate_limit_per_second", "run_list_rate_limit_per_minute",
                              "rate_limit_counts_rejected", "rate_limit_clock"})

Limit = Tuple[SlidingWindowLimiter, int]


class RateLimits:
    """The per-second and per-minute windows of one backend, and the middleware that applies them."""

    def __init__(self, backend: "Backend") -> None:
        self.backend = backend
        self.per_second = SlidingWindowLimiter(1.0)
        self.run_lists = SlidingWindowLimiter(60.0)
        self._lock = threading.Lock()  # asking every window and counting in all of them is one step

    def __call__(self, request: Request, next_handler: Handler) -> Response:
        limits = self._limits_for(request.path)
        if limits:
            refusal = self._admit(self._identity(request), limits, request.received_at)
            if refusal is not None:
                return Response.error(refusal, self.backend.installation.error_status_as_integer)
        return next_handler(request)

    def reset(self) -> None:
        """Forget every counted request."""
        self.per_second.reset()
        self.run_lists.reset()

    def _limits_for(self, path: str) -> List[Limit]:
        if not path.startswith(API_PREFIX):
            return []
        knobs = self.backend.installation
        limits = [(self.per_second, knobs.api_rate_limit_per_second)]
        if any(pattern.match(path) for pattern in RUN_LIST_PATHS):
            limits.append((self.run_lists, knobs.run_list_rate_limit_per_minute))
        return [(limiter, limit) for limiter, limit in limits if limit > 0]

    def _identity(self, request: Request) -> str:
        """The user (or organization token) behind the request; the client address without a valid token."""
        with self.backend.world.lock:
            principal = self.backend.world.principals_by_token.get(bearer_token(request))
        return principal.identity if principal is not None else "ip:" + (request.client or "unknown")

    def _admit(self, key: str, limits: List[Limit], received_at: float) -> Optional[ApiError]:
        """None when every window has room (the request then counts in each), else the 429 to answer.
        A refused request counts in every window too when ``rate_limit_counts_rejected``, as with
        limiters that punish hammering."""
        knobs = self.backend.installation
        now = limit_time(knobs.rate_limit_clock, self.backend.clock, received_at)
        with self._lock:
            refused = [(wait, limit) for wait, limit in
                       ((limiter.retry_in(key, limit, now), limit) for limiter, limit in limits) if wait is not None]
            if not refused or knobs.rate_limit_counts_rejected:
                for limiter, _limit in limits:
                    limiter.record(key, now)
        if not refused:
            return None
        wait, limit = max(refused)  # the longest wait is the one the client must sit out
        return too_many_requests(limit, wait)
