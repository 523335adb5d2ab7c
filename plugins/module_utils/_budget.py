# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 1: the request budget of one TFE user, shared by every tfe.runs process on the machine.

TFE limits requests per user (30 per second; 30 per minute on the two run lists), not per process:
an AWX job over 40 workspaces runs 40 module processes with one token. So every request draws from
token buckets kept in a small state file, one per (TFE host, token), in a private directory
(mode 0700, owned by the user; the file is named by a hash, never by the token) and guarded by
``fcntl`` locks. A 429 seen by one process holds them all for the server's delay, then slows them
all to half the rate for a while; and the active waiters are counted there too, so that many
waiters poll less often each (``waiting``). The buckets promise each request a start time; the file
also keeps when the last requests were actually sent, so that processes a loaded machine wakes late,
all at once, still send no more than ``rate`` in any second, and a slot promised before a 429
is given up for one behind the hold (``clear_to_send``).

Where no such directory can be used (another user owns it, it is group-writable, the file system
is read-only, no ``fcntl``), ``open_budget`` falls back to a budget of this process alone and says
why, so the module can warn.
"""

from __future__ import annotations

import hashlib
import os
import random
import stat
import struct
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Tuple

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows, where modules do not run anyway
    fcntl = None  # type: ignore[assignment]

# The default budget: 25/s, and never more than 25 sent in any second, stays under TFE's 30/s with
# room for requests that a loaded machine delays after they were counted and delivers together (a
# CPU-starved AWX node with 40 forks); the burst of 3 lets a task that was idle start at once.
# The run lists: 0.4/s with a burst of 3 is at most 27 a minute.
DEFAULT_RATE = 25.0
DEFAULT_BURST = 3
LIST_RATE = 0.4
LIST_BURST = 3
# The share of the budget that waiting may take: 40 waiters at 25/s poll each at most every 3.2 s,
# and queueing, applying and cancelling keep the other half.
POLL_SHARE = 0.5
# A waiter that stopped refreshing its slot (killed) stops counting after this long.
WAITER_TTL = 60.0
# A 429 means the server saw more than the budget allows: requests that a loaded machine (or the
# network) delayed and then delivered together, another client of the same user, or a lower limit.
# Whatever the cause, the budget then runs at half its rate until this long after the last 429.
SLOWED_SHARE = 0.5
SLOWED_SECONDS = 10.0
API = "api"
RUN_LIST = "run_list"
BUDGET_DIR_ENV = "TFE_RUNS_BUDGET_DIR"

_MAGIC = b"TFEB"
_VERSION = 3
_SLOTS = 256
# The most requests whose send times are kept: a one-second window of a budget up to 64/s.
_SENDS = 64
_HEAD = struct.Struct("<4sI8d")
_SLOT = struct.Struct("<Id")
_SEND = struct.Struct("<d")
_SIZE = _HEAD.size + _SLOTS * _SLOT.size + _SENDS * _SEND.size


@dataclass
class State:
    """Both buckets (tokens, stamp, held_until, slowed_until), the active waiters (id -> expiry) and the
    send times of the latest requests, oldest first."""

    api: List[float]
    lists: List[float]
    waiters: Dict[int, float] = field(default_factory=dict)
    sends: List[float] = field(default_factory=list)

    @classmethod
    def fresh(cls, now: float) -> "State":
        return cls([float(DEFAULT_BURST), now, 0.0, 0.0], [float(LIST_BURST), now, 0.0, 0.0])

    def encode(self) -> bytes:
        slots = sorted(self.waiters.items())[:_SLOTS]
        body = b"".join(_SLOT.pack(key, expires) for key, expires in slots)
        body += b"\0" * (_SLOTS - len(slots)) * _SLOT.size
        sends = self.sends[-_SENDS:]
        body += b"".join(_SEND.pack(sent) for sent in sends) + b"\0" * (_SENDS - len(sends)) * _SEND.size
        return _HEAD.pack(_MAGIC, _VERSION, *self.api, *self.lists) + body

    @classmethod
    def decode(cls, data: bytes, now: float) -> "State":
        """The stored state; a missing, foreign or stale one (a stamp from before a reboot) starts afresh."""
        if len(data) < _SIZE:
            return cls.fresh(now)
        magic, version, *numbers = _HEAD.unpack_from(data)
        if magic != _MAGIC or version != _VERSION or numbers[1] > now + 1 or numbers[5] > now + 1:
            return cls.fresh(now)
        state = cls(list(numbers[:4]), list(numbers[4:]))
        for index in range(_SLOTS):
            key, expires = _SLOT.unpack_from(data, _HEAD.size + index * _SLOT.size)
            if key and expires > now:
                state.waiters[key] = expires
        start = _HEAD.size + _SLOTS * _SLOT.size
        sends = [_SEND.unpack_from(data, start + index * _SEND.size)[0] for index in range(_SENDS)]
        state.sends = [sent for sent in sends if sent > now - 1.0]
        return state


def pace(bucket: List[float], rate: float, now: float) -> float:
    """The rate of ``bucket`` now: ``rate``, or its slowed share for a while after a 429."""
    return rate * SLOWED_SHARE if now < bucket[3] else rate


def take(bucket: List[float], rate: float, burst: float, now: float) -> float:
    """Reserve one request from ``bucket`` (tokens, stamp, held_until, slowed_until); the seconds until it may go.

    Tokens may go negative: each caller reserves the next free slot, so callers queue in order
    instead of all waking at once.
    """
    tokens = refilled(bucket, rate, burst, now) - 1.0
    bucket[0], bucket[1] = tokens, now
    return max(-tokens / pace(bucket, rate, now) if tokens < 0 else 0.0, bucket[2] - now, 0.0)


def refilled(bucket: List[float], rate: float, burst: float, now: float) -> float:
    """The tokens of ``bucket`` at ``now``, counted at its pace now: what it held, plus what the pace
    added since, at most the burst. A debt (requests already promised) is kept in seconds across a
    change of pace, so that no new slot lands among the promised ones."""
    then, current = pace(bucket, rate, bucket[1]), pace(bucket, rate, now)
    tokens = debt_at_pace(bucket[0], then, current)
    return min(burst, tokens + max(now - bucket[1], 0.0) * current)


def send_time(sends: List[float], limit: int, now: float) -> float:
    """When the next request may be sent, given the send times so far (oldest first): now, or later
    if ``limit`` requests were sent in the second before. The times stay in order, so that no window
    of one second holds more than ``limit`` of them."""
    due = max([now] + sends[-1:])
    if len(sends) >= limit:
        due = max(due, sends[-limit] + 1.0)
    return due


def debt_at_pace(tokens: float, old: float, new: float) -> float:
    """``tokens`` counted at pace ``old``, counted at pace ``new``: a debt (negative tokens, requests
    already promised) keeps its length in seconds; credit is unchanged."""
    return tokens * new / old if tokens < 0 else tokens


def hold_bucket(bucket: List[float], rate: float, burst: float, now: float, until: float) -> None:
    """After a 429: nothing from ``bucket`` starts before ``until``, and then at the slowed rate.

    Holding only the start time would let every request reserved during the hold start the moment it
    ends, a herd well over the server's limit that meets the next 429: so the tokens are drawn down
    too, and the queue behind the hold begins at ``until``, one request per 1/rate seconds.
    """
    before = pace(bucket, rate, now)
    tokens = refilled(bucket, rate, burst, now)
    bucket[2] = max(bucket[2], until)
    bucket[3] = max(bucket[3], bucket[2] + SLOWED_SECONDS)
    after = pace(bucket, rate, now)
    tokens = debt_at_pace(tokens, before, after)  # the promised requests keep their place in the queue
    bucket[0], bucket[1] = min(tokens, 1.0 - (bucket[2] - now) * after), now


class RateLimiter:
    """The budget: token buckets for all requests and for the run lists, a hold, and the waiters.

    This class keeps its state in memory, shared by the threads of one process; ``SharedBudget``
    keeps the same state in a file, shared by every process of the user.
    """

    shared = False

    def __init__(self, rate: float = DEFAULT_RATE, burst: int = DEFAULT_BURST, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, list_rate: float = LIST_RATE,
                 list_burst: int = LIST_BURST) -> None:
        if rate <= 0 or burst < 1 or list_rate <= 0 or list_burst < 1:
            raise ValueError("rates must be positive and bursts at least 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self.list_rate = float(list_rate)
        self.list_burst = float(list_burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._state = State.fresh(clock())
        self._state.api[0] = self.burst

    @contextmanager
    def _transaction(self) -> Iterator[State]:
        with self._lock:
            yield self._state

    def reserve(self, kind: str = API) -> Tuple[float, float]:
        """Reserve one request (a run-list request also draws from the run-list bucket).

        Returns (the clock time it may start, the seconds to wait for it) without sleeping.
        """
        with self._transaction() as state:
            now = self._clock()
            wait = self._take(state, kind, now)
        return now + wait, wait

    def _take(self, state: State, kind: str, now: float) -> float:
        wait = take(state.api, self.rate, self.burst, now)
        if kind == RUN_LIST:
            wait = max(wait, take(state.lists, self.list_rate, self.list_burst, now))
        return wait

    def acquire(self, kind: str = API) -> float:
        """Take one request from the budget, sleeping (outside any lock) until it is due. Returns the time slept."""
        due, wait = self.reserve(kind)
        slept = 0.0
        while True:
            if wait > 0:
                self._sleep(wait)
                slept += wait
            wait, requeued_at = self.clear_to_send(due, kind)
            if requeued_at is None:
                break
            due = requeued_at
        if wait > 0:
            self._sleep(wait)
        return slept + wait

    def clear_to_send(self, due: float, kind: str = API) -> Tuple[float, Optional[float]]:
        """For a request whose slot came due at clock time ``due``: (the seconds to wait, None) once it
        is recorded as sent (mostly no wait), or (the seconds to wait, its new slot) if a 429 held the
        budget after the slot was reserved: ask again when the new slot comes.

        A process that a loaded machine woke late may find that the others it woke with already spent
        this second: it waits for the next free moment instead of sending an over-limit request. And a
        slot promised before a 429 does not outlive the hold: the server is refusing (and, on many
        installations, counting its refusals), so sending into the hold only lengthens it for every task.
        """
        limit = int(self.rate)  # not rate + burst: the margin under the server's limit takes what is delayed after this
        with self._transaction() as state:
            now = self._clock()
            start = max(now, due)
            held_until = max([state.api[2]] + ([state.lists[2]] if kind == RUN_LIST else []))
            if start < held_until:
                wait = self._take(state, kind, now)
                return wait, now + wait
            if limit > _SENDS:
                return 0.0, None  # a second of sends at this rate overflows the ring: the start times alone pace
            recent = [sent for sent in state.sends if sent > start - 1.0]
            sent = send_time(recent, limit, start)
            state.sends = recent[-_SENDS + 1:] + [sent]
        return sent - start, None

    def hold(self, seconds: float, kind: str = API) -> None:
        """Let no request (of ``kind``: a run-list 429 holds only the run lists) start for ``seconds``, and
        then let them start at half the rate until ``SLOWED_SECONDS`` after."""
        with self._transaction() as state:
            now = self._clock()
            if kind == RUN_LIST:
                hold_bucket(state.lists, self.list_rate, self.list_burst, now, now + seconds)
            else:
                hold_bucket(state.api, self.rate, self.burst, now, now + seconds)

    @contextmanager
    def waiting(self) -> Iterator[Callable[[float], float]]:
        """Count this caller among the waiters while the block runs.

        Yields ``floor(interval)``: called before each poll with the interval the caller planned, it
        refreshes the registration and returns the interval to use, at least the poll floor.
        """
        key = random.SystemRandom().randrange(1, 2 ** 32)

        def floor(interval: float) -> float:
            with self._transaction() as state:
                now = self._clock()
                state.waiters[key] = now + max(WAITER_TTL, 2 * interval)
                active = sum(1 for expires in state.waiters.values() if expires > now)
                rate = pace(state.api, self.rate, now)
            return max(interval, active / (POLL_SHARE * rate))

        try:
            yield floor
        finally:
            with self._transaction() as state:
                state.waiters.pop(key, None)


class SharedBudget(RateLimiter):
    """The budget in a state file shared by every process of the user for one TFE host and token."""

    shared = True

    def __init__(self, path: str, rate: float = DEFAULT_RATE, burst: int = DEFAULT_BURST,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 list_rate: float = LIST_RATE) -> None:
        super().__init__(rate, burst, clock, sleep, list_rate=list_rate)
        self.path = path
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        self._fd = os.open(path, flags, 0o600)

    @contextmanager
    def _transaction(self) -> Iterator[State]:
        # The thread lock first: flock does not exclude threads that share the open file.
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                now = self._clock()
                state = State.decode(os.pread(self._fd, _SIZE, 0), now)
                state.api[0] = min(state.api[0], self.burst)
                yield state
                os.pwrite(self._fd, state.encode(), 0)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


def budget_directory(environ: Optional[Dict[str, str]] = None) -> str:
    """Where the state files live: ``TFE_RUNS_BUDGET_DIR``, else ``$XDG_RUNTIME_DIR/tfe.runs`` (a
    per-user tmpfs, emptied at boot), else ``~/.cache/tfe.runs/budget``."""
    environ = os.environ if environ is None else environ
    if environ.get(BUDGET_DIR_ENV):
        return environ[BUDGET_DIR_ENV]
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "tfe.runs")
    return os.path.join(os.path.expanduser("~"), ".cache", "tfe.runs", "budget")


def _private_directory(path: str) -> None:
    """Create ``path`` (0700) or check it: it must be ours, a real directory, open to no one else."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise OSError("{0} is not a directory".format(path))
    if info.st_uid != os.getuid():
        raise OSError("{0} belongs to another user".format(path))
    if info.st_mode & 0o077:
        raise OSError("{0} is open to other users (mode {1:o}); it must be 0700".format(path, info.st_mode & 0o777))


def state_file_name(host: str, token: str) -> str:
    """A name that tells one identity from another without revealing the token."""
    return hashlib.sha256("{0}\0{1}".format(host.lower(), token).encode("utf-8")).hexdigest()[:40] + ".budget"


def _list_rate(rate: float) -> float:
    """The run lists get the same share of their limit as all requests get of theirs."""
    return LIST_RATE * rate / DEFAULT_RATE


def open_budget(host: str, token: str, rate: float = DEFAULT_RATE, burst: int = DEFAULT_BURST,
                directory: Optional[str] = None) -> Tuple[RateLimiter, Optional[str]]:
    """The shared budget of (host, token), or this process's own with the reason it could not be shared."""
    directory = directory or budget_directory()
    try:
        if fcntl is None:
            raise OSError("this system has no fcntl file locks")
        _private_directory(directory)
        return SharedBudget(os.path.join(directory, state_file_name(host, token)), rate, burst,
                            list_rate=_list_rate(rate)), None
    except OSError as error:
        return RateLimiter(rate, burst, list_rate=_list_rate(rate)), (
            "The request budget cannot be shared with the other tfe.runs tasks of this machine ({0}): this task "
            "paces only itself, so many tasks at once may be rate-limited by TFE. Set {1} to a private directory "
            "(mode 0700) to share it.".format(error.strerror or error, BUDGET_DIR_ENV))
