"""Simulator time: the wall clock plus an offset that tests can bump.

Run lifecycles are derived from this clock, so a test moves a run forward by
advancing it instead of sleeping. Monotonic time keeps the clock steady if the
host's wall clock jumps while the simulator runs.
"""
from __future__ import annotations

import threading
import time


class Clock:
    """Epoch seconds that advance with real time and jump on :meth:`advance`."""

    def __init__(self) -> None:
        self._wall_start = time.time()
        self._mono_start = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Current simulator time in epoch seconds."""
        with self._lock:
            offset = self._offset
        return self._wall_start + (time.monotonic() - self._mono_start) + offset

    @property
    def offset(self) -> float:
        """Total seconds added by :meth:`advance` so far."""
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> float:
        """Move simulator time forward (never backward) and return the new time."""
        if seconds < 0:
            raise ValueError("the simulator clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()
