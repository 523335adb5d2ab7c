"""GET /api/v2/organizations/:organization_name/runs (contract 5.4): every run of the organization's
workspaces, newest first, with the workspace list's filters (run_filters.py) plus
``filter[workspace_names]``, runs of the last year unless ``filter[timeframe]`` says otherwise,
and pagination without totals: ``meta.pagination`` has no ``total-count``/``total-pages`` and
``links`` no ``first``/``last``. Its 30-per-minute limit is in limits.py, like the workspace list's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from . import lifecycle
from .errors import not_found
from .httpcore import Request, Response
from .includes import RUN_INCLUDES, included_for, parse_include
from .model import Run, Workspace
from .pagination import paginate
from .run_filters import run_filter, split_list
from .serializers import run_resource

if TYPE_CHECKING:
    from .backend import Backend

DEFAULT_TIMEFRAME = "year"
_TOTALS = ("total-count", "total-pages")
_END_LINKS = ("first", "last")


def _workspaces(backend: "Backend", organization: str, names: Optional[str]) -> List[Workspace]:
    """The organization's workspaces, only those named by ``filter[workspace_names]`` when given."""
    wanted = set(split_list(names)) or None
    return [workspace for workspace in backend.world.workspaces.values()
            if workspace.organization.lower() == organization.lower()
            and (wanted is None or workspace.name in wanted)]


def without_totals(meta: Dict[str, Any], links: Dict[str, Optional[str]]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The next/prev-only pagination of this endpoint (go-tfe's PaginationNextPrev)."""
    pagination = {key: value for key, value in (meta.get("pagination") or {}).items() if key not in _TOTALS}
    trimmed_meta = dict(meta, pagination=pagination) if "pagination" in meta else dict(meta)
    return trimmed_meta, {key: value for key, value in links.items() if key not in _END_LINKS}


def list_organization_runs(backend: "Backend", request: Request) -> Response:
    """Newest first across the organization's workspaces; 404 for an organization out of reach."""
    principal = request.principal
    assert principal is not None  # the router authenticated the request
    org = backend.world.organization(request.params["organization"])
    if not principal.can_see(org.name):
        raise not_found("organization %s not found" % request.params["organization"])
    names = parse_include(request.query.get("include"), RUN_INCLUDES)
    now = backend.clock.now()
    keep = run_filter(backend.world, request.query, now, default_timeframe=DEFAULT_TIMEFRAME)
    runs: List[Run] = []
    for workspace in _workspaces(backend, org.name, request.query.get("filter[workspace_names]")):
        lifecycle.settle(workspace, now)
        runs += [run for run in workspace.runs_in_order() if keep(run)]
    runs.sort(key=lambda run: (run.created_at, run.seq), reverse=True)
    page, meta, links = paginate(runs, request.query, request.base_url, request.path)
    meta, links = without_totals(meta, links)
    view = backend.view(request)
    document: Dict[str, Any] = {"data": [run_resource(view, run) for run in page], "links": links, "meta": meta}
    if names:
        document["included"] = included_for(view, page, names)
    return Response.document(200, document)


ROUTES = (
    ("GET", "/api/v2/organizations/{organization}/runs", list_organization_runs, "token"),
)
