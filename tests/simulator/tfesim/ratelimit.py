"""A sliding-window request limiter on the simulator clock (the run-list endpoints'
30 requests per minute, contract 7.2). Issue 5's fault layer can reuse it."""
from __future__ import annotations

import collections
import threading
from typing import Deque, Dict, Optional

from .errors import ApiError


class SlidingWindowLimiter:
    """At most ``limit`` requests per ``window`` seconds per key; 0 disables it."""

    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self._hits: Dict[str, Deque[float]] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def check(self, key: str, limit: int, now: float) -> None:
        """Count one request, or raise a 429 with X-RateLimit-Limit and X-RateLimit-Reset (seconds)."""
        if limit <= 0:
            return
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= limit:
                reset = max(hits[0] + self.window - now, 0.0)
                raise ApiError(429, "You have exceeded the API's rate limit.", headers={
                    "X-RateLimit-Limit": str(limit), "X-RateLimit-Reset": "%.3f" % reset})
            hits.append(now)

    def reset(self, key: Optional[str] = None) -> None:
        """Forget the counted requests (of one key, or all)."""
        with self._lock:
            if key is None:
                self._hits.clear()
            else:
                self._hits.pop(key, None)
