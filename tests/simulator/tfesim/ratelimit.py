"""The sliding-window request limiter shared by the installation's rate limits (``limits.py``,
contract 7.2) and the ``per_token_rate_limit`` fault, and the 429 they answer."""
from __future__ import annotations

import bisect
import collections
import threading
from typing import Dict, List, Optional

from .clock import Clock
from .errors import ApiError

RATE_LIMIT_DETAIL = "You have exceeded the API's rate limit."
# "wall": real time, what a client that sleeps between retries meets; "simulator": the simulator
# clock, which also jumps with advance_clock, so a test can slide a window without sleeping.
LIMIT_CLOCKS = ("wall", "simulator")


def limit_time(clock_name: str, simulator_clock: Clock, received_at: float) -> float:
    """When a request received at ``received_at`` (time.monotonic()) happened, in seconds on the clock a
    limit counts with."""
    return received_at if clock_name == "wall" else simulator_clock.now()


def too_many_requests(limit: int, reset: float) -> ApiError:
    """The 429 of contract 7.2: X-RateLimit-Limit and X-RateLimit-Reset (seconds until a slot frees)."""
    return ApiError(429, RATE_LIMIT_DETAIL, headers={
        "X-RateLimit-Limit": str(limit), "X-RateLimit-Reset": "%.3f" % max(reset, 0.0)})


class SlidingWindowLimiter:
    """At most ``limit`` requests per ``window`` seconds per key; a limit of 0 disables it.

    :meth:`retry_in` and :meth:`record` are separate so that a caller applying several
    limits to one request can ask all of them before counting it in any.

    Requests are counted at the time they arrived, and a busy simulator's threads may count
    them in another order: the hits stay sorted, each request sees only those that arrived
    before it, and hits are kept a second window long so that a late-counted one still sees them.
    """

    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self._hits: Dict[str, List[float]] = collections.defaultdict(list)
        self._lock = threading.RLock()

    def retry_in(self, key: str, limit: int, now: float) -> Optional[float]:
        """None when ``key`` has a free slot at ``now``, else the seconds until one frees."""
        if limit <= 0:
            return None
        with self._lock:
            hits = self._hits[key]
            del hits[:bisect.bisect_right(hits, now - 2 * self.window)]
            in_window = hits[bisect.bisect_right(hits, now - self.window):bisect.bisect_right(hits, now)]
            if len(in_window) < limit:
                return None
            # Counted refusals can push the window past the limit: a slot frees only once
            # enough hits have expired to bring the count below it.
            return in_window[len(in_window) - limit] + self.window - now

    def record(self, key: str, now: float) -> None:
        """Count one request of ``key`` at ``now``."""
        with self._lock:
            bisect.insort(self._hits[key], now)

    def check(self, key: str, limit: int, now: float, count_rejected: bool = False) -> None:
        """Count one request, or raise the 429 (which counts too when ``count_rejected``)."""
        if limit <= 0:
            return
        with self._lock:  # re-entrant: asking and counting happen under one hold
            reset = self.retry_in(key, limit, now)
            if reset is None or count_rejected:
                self.record(key, now)
        if reset is not None:
            raise too_many_requests(limit, reset)

    def reset(self, key: Optional[str] = None) -> None:
        """Forget the counted requests (of one key, or all)."""
        with self._lock:
            if key is None:
                self._hits.clear()
            else:
                self._hits.pop(key, None)
