"""Transport-neutral request/response objects and the router.

Handlers and middleware see only these objects, never the socket, so fault
injection (issue 5) is a middleware that returns a different :class:`Response`
(or one flagged ``drop_connection``) without touching endpoint code.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Pattern, Tuple

from .errors import ApiError
from .model import Principal

JSON_API = "application/vnd.api+json"


@dataclass
class Request:
    """One HTTP request as the simulator's layers see it."""

    method: str
    path: str
    query: Dict[str, str]
    headers: Mapping[str, str]
    body: bytes = b""
    base_url: str = ""
    principal: Optional[Principal] = None
    params: Dict[str, str] = field(default_factory=dict)
    client: str = ""  # the peer's IP address: unauthenticated requests are rate-limited per address
    # When the request reached the simulator (time.monotonic()): the rate limits count it then, as a
    # TFE counts at its edge, not after this process's busy threads and locks let it through.
    received_at: float = field(default_factory=time.monotonic)

    def json(self, allow_empty: bool = False) -> Any:
        """The body parsed as JSON; an empty body is ``{}`` when ``allow_empty``."""
        if not self.body.strip():
            if allow_empty:
                return {}
            raise ApiError(422, "the request body is empty")
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(422, "the request body is not valid JSON: %s" % exc) from exc

    def comment(self) -> Optional[str]:
        """An action's comment: only a top-level string "comment" counts, and any other body
        (empty, the legacy data-wrapped form, not even JSON) is tolerated (contract 2)."""
        try:
            body = self.json(allow_empty=True)
        except ApiError:
            return None
        comment = body.get("comment") if isinstance(body, dict) else None
        return comment if isinstance(comment, str) else None

    @property
    def authorization(self) -> Optional[str]:
        """The raw Authorization header, if any (header names are case-insensitive)."""
        for name, value in self.headers.items():
            if name.lower() == "authorization":
                return value
        return None


@dataclass
class Response:
    """An answer; ``drop_connection`` closes the socket without replying (a fault hook)."""

    status: int
    body: bytes = b""
    headers: Dict[str, str] = field(default_factory=dict)
    drop_connection: bool = False

    @classmethod
    def document(cls, status: int, document: Any, content_type: str = JSON_API) -> "Response":
        """A JSON body (JSON:API media type unless told otherwise)."""
        return cls(status, json.dumps(document).encode("utf-8"), {"Content-Type": content_type})

    @classmethod
    def empty(cls, status: int = 202) -> "Response":
        """No body, e.g. the 202 of a run action."""
        return cls(status)

    @classmethod
    def error(cls, error: ApiError, status_as_integer: bool = False) -> "Response":
        """A JSON:API error document."""
        response = cls.document(error.status, error.document(status_as_integer))
        response.headers.update(error.headers)
        return response


Handler = Callable[[Request], Response]
Middleware = Callable[[Request, Handler], Response]


@dataclass(frozen=True)
class Route:
    """A method + path pattern, the handler, and who may call it."""

    method: str
    pattern: Pattern[str]
    handler: Handler
    auth: str  # "none", "token" or "admin"
    switch: Optional[str] = None  # an InstallationKnobs flag; when false the route does not exist
    template: str = ""  # "/api/v2/runs/{run_id}": what request statistics group by


class Router:
    """Maps ``METHOD /path/{param}`` to handlers; unknown routes answer 404 like TFE does."""

    def __init__(self) -> None:
        self.routes: List[Route] = []

    def add(self, method: str, template: str, handler: Handler, auth: str = "token",
            switch: Optional[str] = None) -> None:
        """Register ``handler``; ``{name}`` in ``template`` matches one path segment."""
        regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        self.routes.append(Route(method, re.compile(regex), handler, auth, switch, template))

    def match(self, method: str, path: str) -> Optional[Tuple[Route, Dict[str, str]]]:
        """The route for a request and its path parameters, or None."""
        for route in self.routes:
            found = route.pattern.match(path)
            if found and route.method == method:
                return route, found.groupdict()
        return None
