"""The admin runs API (contract 6): the installation-wide listing and both
generations of the admin cancel, each of which an installation knob can remove."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Set

from . import lifecycle
from .errors import ApiError
from .httpcore import Request, Response
from .includes import ADMIN_RUN_INCLUDES, included_for, parse_include
from .model import Run, World
from .pagination import paginate
from .serializers import admin_run_resource, run_resource
from .statuses import ADMIN_COUNT_KEYS, FINAL
from .timefmt import parse_rfc3339

if TYPE_CHECKING:
    from .backend import Backend


def _time_bound(request: Request, name: str) -> Optional[float]:
    value = request.query.get(name)
    if not value:
        return None
    try:
        return parse_rfc3339(value)
    except ValueError as exc:
        raise ApiError(400, "%s must be an RFC 3339 timestamp" % name) from exc


def _matches_q(world: World, run: Run, needle: str) -> bool:
    """q: a case-insensitive substring of the run ID, workspace name, organization name or email."""
    org = world.organizations.get(run.workspace.organization.lower())
    haystack = (run.id, run.workspace.name, run.workspace.organization, org.email if org else "")
    return any(needle in value.lower() for value in haystack)


def _status_counts(runs: List[Run]) -> Dict[str, int]:
    """Hyphenated per-status counts, the documented keys always present, plus ``total``."""
    counts = {key: 0 for key in ADMIN_COUNT_KEYS}
    for run in runs:
        counts[run.status] = counts.get(run.status, 0) + 1
    hyphenated = {key.replace("_", "-"): value for key, value in counts.items()}
    hyphenated["total"] = len(runs)
    return hyphenated


def _status_filter(backend: "Backend", request: Request) -> Set[str]:
    """filter[status] as a set (empty: every status), unless the installation ignores it."""
    if backend.installation.ignore_status_filter:
        return set()
    return {item.strip() for item in (request.query.get("filter[status]") or "").split(",") if item.strip()}


def list_admin_runs(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/admin/runs: q, filter[status], filter[from]/[to], include, pagination, status-counts.
    With ``admin_list_hides_final`` finished runs are missing altogether (data, totals and counts),
    as from a lagging or filtering listing; GET /runs/:id still shows them."""
    world = backend.world
    knobs = backend.installation
    names = parse_include(request.query.get("include"), ADMIN_RUN_INCLUDES)
    lifecycle.settle_all(world, backend.clock.now())
    needle = (request.query.get("q") or "").strip().lower()
    low = high = None
    if knobs.admin_date_filters:
        low, high = _time_bound(request, "filter[from]"), _time_bound(request, "filter[to]")
    scoped = [run for run in world.runs.values()
              if (not needle or _matches_q(world, run, needle))
              and (low is None or run.created_at >= low) and (high is None or run.created_at <= high)
              and not (knobs.admin_list_hides_final and run.status in FINAL)]
    statuses = _status_filter(backend, request)
    selected = [run for run in scoped if not statuses or run.status in statuses]
    selected.sort(key=lambda run: (run.created_at, run.seq), reverse=True)
    page, meta, links = paginate(selected, request.query, request.base_url, request.path)
    meta["status-counts"] = _status_counts(scoped)
    document = {"data": [admin_run_resource(run) for run in page], "links": links, "meta": meta}
    if names:
        document["included"] = included_for(backend.view(request), page, names)
    return Response.document(200, document)


def _admin_act(backend: "Backend", request: Request, action: Callable[[Run, float], None]) -> Response:
    world = backend.world
    run = world.run(request.params["run_id"])
    now = backend.clock.now()
    lifecycle.settle(run.workspace, now)
    action(run, now)
    if backend.installation.admin_cancel_answer == "empty":
        return Response.empty(200)  # a server whose 200 carries no document: clients must not need it
    return Response.document(200, {"data": run_resource(backend.view(request), run)})


def admin_force_cancel(backend: "Backend", request: Request) -> Response:
    """POST /api/v2/admin/runs/:id/actions/force-cancel: 200 + run, which ends canceled (optional comment)."""
    final_status, comment = backend.installation.force_cancel_status, request.comment()
    return _admin_act(backend, request, lambda run, now: lifecycle.admin_force_cancel(run, now, final_status, comment))


def admin_cancel(backend: "Backend", request: Request) -> Response:
    """POST /api/v2/admin/runs/:id/actions/cancel (TFE 201807): 200 + run, which ends errored."""
    return _admin_act(backend, request, lifecycle.admin_cancel)


ROUTES = (
    ("GET", "/api/v2/admin/runs", list_admin_runs, "admin"),
    ("POST", "/api/v2/admin/runs/{run_id}/actions/force-cancel", admin_force_cancel, "admin",
     "admin_force_cancel_route"),
    ("POST", "/api/v2/admin/runs/{run_id}/actions/cancel", admin_cancel, "admin", "admin_cancel_route"),
)
