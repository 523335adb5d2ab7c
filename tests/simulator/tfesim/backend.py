"""The simulator's core: state, routing, authentication, the middleware chain and
the request log. Transport-free, so tests and fault layers can drive it directly."""
from __future__ import annotations

import functools
import threading
import traceback
from typing import Any, Dict, Iterable, List, Optional, Tuple

from . import (api_admin, api_blobs, api_configuration_versions, api_misc, api_org_runs, api_plan_json, api_runs,
               api_task_stages, api_workspaces, control_routes)
from .auth import authenticate
from .clock import Clock
from .context import serving
from .errors import ApiError, not_found
from .faults import Faults
from .httpcore import Handler, Middleware, Request, Response, Router
from .knobs import InstallationKnobs
from .limits import RateLimits
from .model import World
from .serializers import View
from .timefmt import iso_ms

# (method, path template, handler(backend, request), auth level[, installation knob that switches it on])
RouteTable = Iterable[Tuple[Any, ...]]


class Backend:
    """Everything behind the socket. Each request runs its handler under the world lock."""

    def __init__(self, clock: Optional[Clock] = None) -> None:
        self.world = World()
        self.clock = clock or Clock()
        self.installation = InstallationKnobs()
        self.rate_limits = RateLimits(self)
        self.faults = Faults(self)
        # Innermost first: the installation's own limits, then faults; add_middleware wraps both.
        self.middlewares: List[Middleware] = [self.rate_limits, self.faults]
        self.request_log: List[Dict[str, Any]] = []
        self._log_lock = threading.Lock()
        self.router = Router()
        for table in (api_misc.ROUTES, api_workspaces.ROUTES, api_runs.ROUTES, api_admin.ROUTES,
                      api_org_runs.ROUTES, api_plan_json.ROUTES, api_configuration_versions.ROUTES,
                      api_task_stages.ROUTES, api_blobs.ROUTES, control_routes.ROUTES):
            self._register(table)

    def _register(self, table: RouteTable) -> None:
        for method, template, function, auth, *switch in table:
            self.router.add(method, template, functools.partial(function, self), auth, switch[0] if switch else None)

    def view(self, request: Request) -> View:
        """What serializers need for this request."""
        return View(self.world, self.clock.now(), request.base_url, request.principal, self.installation)

    def add_middleware(self, middleware: Middleware) -> None:
        """Wrap every request: ``middleware(request, next_handler) -> Response``. Added last runs outermost."""
        self.middlewares.append(middleware)

    def handle(self, request: Request) -> Response:
        """Run the request through the middleware chain and the router, and log it."""
        handler: Handler = self._dispatch
        for middleware in self.middlewares:
            handler = _chain(middleware, handler)
        response = handler(request)
        self._log(request, response)
        return response

    def _dispatch(self, request: Request) -> Response:
        match = self.router.match(request.method, request.path)
        if match is not None and match[0].switch and not getattr(self.installation, match[0].switch):
            match = None  # switched off: exactly like a route this installation never had
        try:
            if match is None:
                raise not_found("no route for %s %s" % (request.method, request.path))
            route, request.params = match
            with self.world.lock, serving(self.installation):
                self._authorize(request, route.auth)
                return route.handler(request)
        except ApiError as error:
            return Response.error(error, self.installation.error_status_as_integer)
        except Exception:  # pylint: disable=broad-except
            # A simulator bug must still answer like a server (500, JSON:API) and leave a trace.
            traceback.print_exc()
            return Response.error(ApiError(500, "internal simulator error", title="internal server error"))

    def _authorize(self, request: Request, level: str) -> None:
        if level == "none":
            header = (request.authorization or "").partition(" ")[2].strip()
            request.principal = self.world.principals_by_token.get(header)  # for the log only
            return
        request.principal = authenticate(self.world, request)
        if level == "admin" and not request.principal.is_admin:
            raise not_found("Client is not an administrator.")

    def _log(self, request: Request, response: Response) -> None:
        if request.path.startswith("/_sim/"):
            return  # the control plane is not part of the traffic tests assert on
        entry = {
            "time": iso_ms(self.clock.now()), "method": request.method, "path": request.path,
            "query": dict(request.query), "status": None if response.drop_connection else response.status,
            "token_role": request.principal.role if request.principal else None,
            "authorization": request.authorization is not None,
        }
        with self._log_lock:
            self.request_log.append(entry)

    def read_request_log(self) -> List[Dict[str, Any]]:
        """A copy of the log entries so far."""
        with self._log_lock:
            return [dict(entry) for entry in self.request_log]

    def clear_request_log(self) -> None:
        """Forget the logged requests."""
        with self._log_lock:
            self.request_log.clear()


def _chain(middleware: Middleware, next_handler: Handler) -> Handler:
    return lambda request: middleware(request, next_handler)
