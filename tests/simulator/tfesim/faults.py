"""Fault injection (issue 5): the simulator misbehaving on demand, off by default.

Every fault is one :class:`Fault` in the backend's :class:`Faults`, which is a
middleware on the request chain. The in-process API (``sim.add_fault``), the
``/_sim/faults`` endpoints, ``--fault`` and the seed file's ``faults:`` section all
end in :meth:`Faults.add`. A fault acts on the requests in its scope (method,
path pattern, token role), after letting ``skip`` of them through, ``count`` times
(``None`` or 0: always). Two kinds are triggers rather than answers: they change
the world once (revoke a token, end a run "by someone else") after ``skip``
matching requests or at a simulator time. ``/_sim/`` requests are never faulted.
Kinds, parameters and their defaults are the :data:`KINDS` table, mirrored in README.md.
"""
from __future__ import annotations

import email.utils
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Pattern, Tuple

from . import lifecycle
from .auth import bearer_token
from .errors import ApiError, not_found, unprocessable
from .httpcore import JSON_API, Handler, Request, Response
from .ratelimit import LIMIT_CLOCKS, RATE_LIMIT_DETAIL, SlidingWindowLimiter, limit_time
from .statuses import FINAL, KNOWN
from .timefmt import iso_ms, parse_rfc3339

if TYPE_CHECKING:
    from .backend import Backend

RATE_LIMIT_HINTS = ("reset", "retry_after", "retry_after_date", "none")
SERVER_ERROR_STATUSES = (500, 502, 503, 504)
BAD_BODIES = ("html", "truncated", "empty")
_NUMBER = (int, float)
_NONE = type(None)

# What a proxy in front of TFE sends for 502/504 (nginx's own pages).
_PROXY_PAGE = ("<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1></center>\r\n"
               "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
_PROXY_REASONS = {502: "502 Bad Gateway", 504: "504 Gateway Time-out"}
_JSON_API_TITLES = {500: "internal server error", 503: "service unavailable"}
# An application error page instead of a JSON:API document (bad_body html).
_HTML_PAGE = (b"<!DOCTYPE html>\n<html>\n<head><title>We're sorry, but something went wrong (500)</title></head>\n"
              b"<body><h1>We're sorry, but something went wrong.</h1>\n"
              b"<p>If you are the application owner check the logs for more information.</p></body>\n</html>\n")


@dataclass(frozen=True)
class Param:
    """One fault parameter: accepted types, default, allowed values, lower bound."""

    types: Tuple[type, ...]
    default: Any = None
    choices: Optional[Tuple[Any, ...]] = None
    minimum: Optional[float] = None
    required: bool = False


# Parameters every kind may take (each kind lists which ones apply to it).
COMMON = {
    "method": Param((str, type(None))),
    "path": Param((str, type(None))),
    "role": Param((str, type(None))),
    "count": Param((int, type(None)), 1, minimum=0),
    "skip": Param((int,), 0, minimum=0),
    "at": Param((str, int, float, type(None))),
    "in_seconds": Param((int, float, type(None)), minimum=0),
}
_ANSWER = ("method", "path", "role", "count", "skip")


@dataclass(frozen=True)
class Kind:
    """A fault kind: what it does (``act``, or a trigger's one-shot change) and its parameters."""

    name: str
    act: Optional[Callable[["Faults", "Fault", Request, Handler], Response]]
    params: Mapping[str, Param]
    common: Tuple[str, ...] = _ANSWER
    defaults: Mapping[str, Any] = field(default_factory=dict)  # kind-specific defaults of common parameters

    @property
    def is_trigger(self) -> bool:
        """Triggers change the world once instead of answering."""
        return self.act is None


@dataclass(eq=False)
class Fault:  # pylint: disable=too-many-instance-attributes
    """One armed fault: its kind, validated parameters and how often it has acted."""

    id: str
    kind: Kind
    params: Dict[str, Any]
    path_pattern: Optional[Pattern[str]] = None
    remaining: Optional[int] = None  # None: unlimited
    skip_left: int = 0
    fired: int = 0
    due_at: Optional[float] = None  # triggers at a simulator time
    target_run: Optional[str] = None  # someone_else
    baseline_seq: int = 0  # someone_else on a workspace: the first run created after this
    result: Optional[str] = None
    limiter: Optional[SlidingWindowLimiter] = None

    @property
    def active(self) -> bool:
        """Still armed (an exhausted count or a fired trigger turns a fault off)."""
        return self.remaining is None or self.remaining > 0

    def in_scope(self, request: Request, role: Optional[str]) -> bool:
        """Whether the request is one this fault watches."""
        params = self.params
        if params.get("role") is not None and role != params["role"]:
            return False
        if self.kind.name == "someone_else":
            return self.target_run is not None and request.method == "GET" and request.path == "/api/v2/runs/" + self.target_run
        if params.get("method") is not None and request.method != params["method"]:
            return False
        return self.path_pattern is None or self.path_pattern.match(request.path) is not None

    def take(self, request: Request, role: Optional[str]) -> bool:
        """Count a request in scope; True when the fault acts on it (after ``skip``, within ``count``)."""
        if not self.active or self.due_at is not None or not self.in_scope(request, role):
            return False
        if self.skip_left > 0:
            self.skip_left -= 1
            return False
        if self.remaining is not None:
            self.remaining -= 1
        if self.kind.name != "per_token_rate_limit":  # that one counts its 429s itself
            self.fired += 1
        return True

    def describe(self) -> Dict[str, Any]:
        """The fault as the control API shows it: parameters, remaining count, times fired."""
        described: Dict[str, Any] = {"id": self.id, "kind": self.kind.name}
        described.update(self.params)
        described.update({"remaining": self.remaining, "fired": self.fired, "active": self.active})
        if self.kind.is_trigger:
            described.update({"due_at": iso_ms(self.due_at) if self.due_at is not None else None,
                              "result": self.result})
        if self.kind.name == "someone_else":
            described["target_run"] = self.target_run
        return described


def path_pattern(pattern: str) -> Pattern[str]:
    """A path pattern: ``*`` matches within one segment, ``**`` across segments, the rest literally."""
    parts = re.split(r"(\*\*|\*)", pattern)
    regex = "".join(".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part) for part in parts)
    return re.compile("^" + regex + "$")


class Faults:
    """The armed faults of one backend, and the middleware that applies them."""

    def __init__(self, backend: "Backend") -> None:
        self.backend = backend
        self._faults: List[Fault] = []
        self._next_id = 0
        self._wake = threading.Event()

    @property
    def _lock(self) -> Any:
        return self.backend.world.lock  # one lock: fault bookkeeping and the state it changes never deadlock

    # -- control ---------------------------------------------------------------------------

    def add(self, kind: str, **params: Any) -> Dict[str, Any]:
        """Arm a fault; 422 naming the problem for an unknown kind or a bad parameter, 404 for an unknown target."""
        spec = KINDS.get(kind) if isinstance(kind, str) else None
        if spec is None:
            raise unprocessable("unknown fault kind %r; known: %s" % (kind, ", ".join(sorted(KINDS))))
        values = _validate(spec, params)
        with self._lock:
            self._next_id += 1
            fault = Fault("fault-%d" % self._next_id, spec, values, skip_left=values.get("skip", 0))
            if values.get("path"):
                fault.path_pattern = path_pattern(values["path"])
            if spec.is_trigger:
                fault.remaining = 1
                self._arm_trigger(fault)
            else:
                fault.remaining = values.get("count") or None  # 0 or None: always
            if spec.name == "per_token_rate_limit":
                fault.limiter = SlidingWindowLimiter(float(values["window"]))
            self._faults.append(fault)
            return fault.describe()

    def _arm_trigger(self, fault: Fault) -> None:
        values = fault.params
        now = self.backend.clock.now()
        if values.get("at") is not None and values.get("in_seconds") is not None:
            raise unprocessable("give at or in_seconds, not both")
        if values.get("at") is not None:
            fault.due_at = _epoch(values["at"])
        elif values.get("in_seconds") is not None:
            fault.due_at = now + float(values["in_seconds"])
        if fault.kind.name != "someone_else":
            return
        world = self.backend.world
        if (values.get("run") is None) == (values.get("workspace") is None):
            raise unprocessable("someone_else needs exactly one of run or workspace")
        if values.get("run") is not None:
            fault.target_run = world.run(values["run"]).id
        else:
            values["workspace"] = world.workspace(values["workspace"]).id
            fault.baseline_seq = world.run_seq

    def describe_all(self) -> List[Dict[str, Any]]:
        """Every fault added since the last clear, spent ones included (``active`` false)."""
        self.fire_due()
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def remove(self, fault_id: str) -> None:
        """Disarm one fault (404 if unknown)."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.id == fault_id:
                    del self._faults[index]
                    return
        raise not_found("no fault %s" % fault_id)

    def clear(self) -> None:
        """Disarm every fault, and wake requests sleeping in ``latency``/``slow`` so they finish now."""
        with self._lock:
            self._faults = []
            wake, self._wake = self._wake, threading.Event()
        wake.set()

    def sleep(self, seconds: float) -> None:
        """Sleep for a fault, cut short by :meth:`clear`."""
        self._wake.wait(max(seconds, 0.0))

    def error(self, error: ApiError) -> Response:
        """A JSON:API error answer in this installation's style."""
        return Response.error(error, self.backend.installation.error_status_as_integer)

    # -- the middleware --------------------------------------------------------------------

    def __call__(self, request: Request, next_handler: Handler) -> Response:
        self.fire_due()
        if not self._faults or request.path.startswith("/_sim/"):
            return next_handler(request)
        with self._lock:
            principal = self.backend.world.principals_by_token.get(bearer_token(request))
            role = principal.role if principal else None
            self._resolve_targets()
            acting = [fault for fault in self._faults if fault.take(request, role)]
            for fault in acting:
                if fault.kind.is_trigger:
                    self._fire(fault, self.backend.clock.now())
        handler = next_handler
        for fault in reversed(acting):  # the first added is outermost
            if not fault.kind.is_trigger:
                handler = self._bind(fault, handler)
        return handler(request)

    def _bind(self, fault: Fault, inner: Handler) -> Handler:
        act = fault.kind.act
        assert act is not None
        return lambda request: act(self, fault, request, inner)

    def fire_due(self) -> None:
        """Fire the triggers whose simulator time has come, stamped with that time."""
        if not self._faults:
            return
        with self._lock:
            now = self.backend.clock.now()
            self._resolve_targets()
            for fault in self._faults:
                if fault.active and fault.due_at is not None and fault.due_at <= now:
                    if fault.kind.name == "someone_else" and fault.target_run is None:
                        continue  # the workspace has no new run yet: fire once it has
                    self._fire(fault, fault.due_at)

    def _resolve_targets(self) -> None:
        """someone_else on a workspace: its target is the first run created there after the fault."""
        for fault in self._faults:
            if fault.kind.name == "someone_else" and fault.target_run is None and fault.active:
                workspace = self.backend.world.workspaces.get(fault.params["workspace"])
                newer = [run for run in reversed(workspace.runs) if run.seq > fault.baseline_seq] if workspace else []
                if newer:
                    fault.target_run = min(newer, key=lambda run: run.seq).id

    def _fire(self, fault: Fault, at: float) -> None:
        """A trigger's one change, under the world lock."""
        fault.remaining, fault.fired = 0, 1
        world = self.backend.world
        if fault.kind.name == "revoke_token":
            role = fault.params["role"]
            fault.result = "revoked %s" % role if role in world.principals_by_role else "%s was already revoked" % role
            world.remove_principal(role, missing_ok=True)
            return
        run = world.runs[fault.target_run or ""]
        lifecycle.settle(run.workspace, at)
        if run.status in FINAL:
            fault.result = "%s was already %s" % (run.id, run.status)
            return
        lifecycle.move(run, fault.params["status"], max(at, run.entered_at))
        fault.result = "%s %s" % (run.id, fault.params["status"])


# -- what each kind does -------------------------------------------------------------------

def _rate_limit(faults: Faults, fault: Fault, _request: Request, _next: Handler) -> Response:
    params = fault.params
    seconds = float(params["seconds"])
    headers: Dict[str, str] = {}
    if params["hint"] == "reset":
        headers = {"X-RateLimit-Limit": str(params["limit"]), "X-RateLimit-Reset": "%.3f" % seconds}
    elif params["hint"] == "retry_after":
        headers = {"Retry-After": str(int(math.ceil(seconds)))}
    elif params["hint"] == "retry_after_date":
        # Wall clock: the client compares it with its own clock (and with the Date header).
        headers = {"Retry-After": email.utils.formatdate(math.ceil(time.time() + seconds), usegmt=True)}
    return faults.error(ApiError(429, RATE_LIMIT_DETAIL, headers=headers))


def _per_token_rate_limit(faults: Faults, fault: Fault, request: Request, next_handler: Handler) -> Response:
    params = fault.params
    now = limit_time(params["clock"], faults.backend.clock, request.received_at)
    assert fault.limiter is not None
    try:
        fault.limiter.check(bearer_token(request) or "anonymous", params["limit"], now)
    except ApiError as error:
        with faults.backend.world.lock:
            fault.fired += 1
        return faults.error(error)
    return next_handler(request)


def server_error_response(faults: Faults, status: int) -> Response:
    """500/503 as JSON:API from the application, 502/504 as a proxy's HTML page."""
    if status in _PROXY_REASONS:
        return Response(status, _PROXY_PAGE.format(_PROXY_REASONS[status]).encode("ascii"),
                        {"Content-Type": "text/html"})
    return faults.error(ApiError(status, title=_JSON_API_TITLES.get(status, "error")))


def _server_error(faults: Faults, fault: Fault, request: Request, next_handler: Handler) -> Response:
    if fault.params["after"]:
        next_handler(request)
    return server_error_response(faults, fault.params["status"])


def _created_then_503(faults: Faults, _fault: Fault, request: Request, next_handler: Handler) -> Response:
    next_handler(request)
    return server_error_response(faults, 503)


def _drop(_faults: Faults, fault: Fault, request: Request, next_handler: Handler) -> Response:
    if fault.params["after"]:
        next_handler(request)
    return Response(0, drop_connection=True)


def _latency(faults: Faults, fault: Fault, request: Request, next_handler: Handler) -> Response:
    faults.sleep(fault.params["ms"] / 1000.0)
    return next_handler(request)


def _slow(faults: Faults, fault: Fault, request: Request, next_handler: Handler) -> Response:
    if fault.params["after"]:
        response = next_handler(request)
        faults.sleep(fault.params["seconds"])
        return response
    faults.sleep(fault.params["seconds"])
    return Response(0, drop_connection=True)  # never processed: the client has given up by now


def _bad_body(_faults: Faults, fault: Fault, request: Request, next_handler: Handler) -> Response:
    params = fault.params
    if params["body"] == "truncated":
        response = next_handler(request)
        return Response(params["status"] or response.status, response.body[:len(response.body) // 2],
                        dict(response.headers))
    if params["after"]:
        next_handler(request)
    if params["body"] == "html":
        return Response(params["status"] or 200, _HTML_PAGE, {"Content-Type": "text/html; charset=utf-8"})
    return Response(params["status"] or 200, b"", {"Content-Type": JSON_API})


_AFTER = Param((bool,), False)
KINDS: Dict[str, Kind] = {kind.name: kind for kind in (
    Kind("rate_limit", _rate_limit, {
        "hint": Param((str,), "reset", choices=RATE_LIMIT_HINTS),
        "seconds": Param(_NUMBER, 1.0, minimum=0),
        "limit": Param((int,), 30, minimum=1),
    }),
    Kind("per_token_rate_limit", _per_token_rate_limit, {
        "limit": Param((int,), 30, minimum=1),
        "window": Param(_NUMBER, 1.0, minimum=0.001),
        "clock": Param((str,), "wall", choices=LIMIT_CLOCKS),
    }, common=("method", "path", "role")),
    Kind("server_error", _server_error, {
        "status": Param((int,), 500, choices=SERVER_ERROR_STATUSES),
        "after": _AFTER,
    }),
    Kind("created_then_503", _created_then_503, {}, defaults={"method": "POST", "path": "/api/v2/runs"}),
    Kind("drop", _drop, {"after": _AFTER}),
    Kind("latency", _latency, {"ms": Param(_NUMBER, 50, minimum=0)}, defaults={"count": None}),
    Kind("slow", _slow, {"seconds": Param(_NUMBER, 5.0, minimum=0), "after": _AFTER}),
    Kind("bad_body", _bad_body, {
        "body": Param((str,), "html", choices=BAD_BODIES),
        "status": Param((int, type(None)), None, minimum=100),
        "after": _AFTER,
    }),
    Kind("revoke_token", None, {"role": Param((str,), required=True)},
         common=("method", "path", "skip", "at", "in_seconds")),
    Kind("someone_else", None, {
        "run": Param((str, type(None))),
        "workspace": Param((str, type(None))),
        "status": Param((str,), "discarded", choices=tuple(sorted(KNOWN))),
    }, common=("role", "skip", "at", "in_seconds")),
)}


def _validate(spec: Kind, params: Mapping[str, Any]) -> Dict[str, Any]:
    """All parameters of a fault with defaults filled in; 422 naming the first bad one."""
    allowed = dict(spec.params)
    allowed.update((name, COMMON[name]) for name in spec.common)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise unprocessable("fault %s: unknown parameter %s; known: %s" % (spec.name, ", ".join(unknown),
                                                                           ", ".join(sorted(allowed))))
    values: Dict[str, Any] = {}
    for name, param in allowed.items():
        value = params[name] if name in params else spec.defaults.get(name, param.default)
        if param.required and value is None:
            raise unprocessable("fault %s needs %s" % (spec.name, name))
        if (isinstance(value, bool) and bool not in param.types) or not isinstance(value, param.types):
            raise unprocessable("fault %s: %s expects %s, got %r" % (
                spec.name, name, "/".join("null" if kind is _NONE else kind.__name__ for kind in param.types), value))
        if param.choices is not None and value not in param.choices and value is not None:
            raise unprocessable("fault %s: %s must be one of %s" % (spec.name, name, ", ".join(map(str, param.choices))))
        if param.minimum is not None and value is not None and not isinstance(value, str) and value < param.minimum:
            raise unprocessable("fault %s: %s must be at least %s" % (spec.name, name, param.minimum))
        values[name] = value
    if values.get("method"):
        values["method"] = values["method"].upper()
    return values


def _epoch(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return parse_rfc3339(str(value))
    except ValueError as exc:
        raise unprocessable("at must be an RFC 3339 timestamp or epoch seconds") from exc
