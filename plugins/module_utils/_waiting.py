# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: waiting. Poll with a schedule until a predicate holds or a deadline passes."""

from __future__ import annotations

import random
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional


@dataclass
class PollSchedule:
    """When to poll next: every ``initial`` s at first, then a ``growth`` share of the time waited so
    far, at most every ``cap`` s.

    A wait therefore ends at most about ``growth`` x its length after the run did (``cap`` s at
    worst, half that on average): a 10-second run is seen within a second, a 5-minute one within
    10 s. A wait of T seconds costs about 10 + ln(T/10)/ln(1 + growth) polls until the interval
    reaches the cap, then one per ``cap`` s (about 56 for 5 minutes; docs/performance.md compares
    this with fixed and backoff pollers). Status changes do not reset it: they say nothing about
    when the run will end, and resetting made long runs cost twice as many requests.
    """

    initial: float = 1.0
    growth: float = 0.1
    cap: float = 10.0
    jitter: float = 0.1

    def next_interval(self, waited: float) -> float:
        return min(self.cap, max(self.initial, self.growth * waited))


@dataclass
class WaitOutcome:
    value: Any
    polls: int
    timed_out: bool
    elapsed: float


class Waiter:
    """Poll ``fetch`` until ``done(value)`` holds or the deadline passes; clock and sleep are injectable.

    With a ``budget`` (the client's request budget), the waiter counts itself among the budget's
    waiters and never polls more often than the budget's poll floor: N tasks waiting at once share
    ``POLL_SHARE`` of the budget instead of each spending as much as a task alone.
    """

    def __init__(self, budget: Optional[Any] = None, schedule: Optional[PollSchedule] = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 rng: Optional[random.Random] = None) -> None:
        self.budget = budget
        self.schedule = schedule or PollSchedule()
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()

    def deadline(self, timeout: float) -> float:
        """The ``clock()`` value ``timeout`` seconds from now: one per task, shared by all its waits."""
        return self.clock() + max(timeout, 0.0)

    def wait(self, fetch: Callable[[], Any], done: Callable[[Any], bool], deadline: float,
             first: Any = None) -> WaitOutcome:
        """Return as soon as ``done`` holds, or at ``deadline`` (a ``clock()`` value) with ``timed_out``.

        ``first`` is a value already fetched (saves one request).
        """
        start = self.clock()
        polls = 0
        value = first
        if value is None:
            value = fetch()
            polls += 1
        if done(value):
            return WaitOutcome(value, polls, False, self.clock() - start)
        with self._registered() as floor:
            while not done(value):
                now = self.clock()
                if now >= deadline:
                    return WaitOutcome(value, polls, True, now - start)
                interval = floor(self.schedule.next_interval(now - start))
                pause = interval * self.rng.uniform(1.0 - self.schedule.jitter, 1.0 + self.schedule.jitter)
                self.sleep(min(pause, deadline - now))
                value = fetch()
                polls += 1
        return WaitOutcome(value, polls, False, self.clock() - start)

    @contextmanager
    def _registered(self) -> Iterator[Callable[[float], float]]:
        if self.budget is None:
            yield lambda interval: interval
            return
        with self.budget.waiting() as floor:
            yield floor
