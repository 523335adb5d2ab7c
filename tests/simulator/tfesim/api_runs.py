"""Runs, their plans and applies, run actions, cost estimates and policy checks
(contract 5.1-5.3, 5.5, 5.6, 5.9)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

from . import configuration_versions, lifecycle
from .auth import actionable_run, visible_run, visible_workspace
from .errors import not_found, unprocessable
from .httpcore import Request, Response
from .includes import RUN_INCLUDES, included_for, parse_include
from .model import Run
from .pagination import paginate
from .run_filters import run_filter
from .serializers import (apply_resource, cost_estimate_resource, plan_resource, policy_check_resource,
                          run_resource)
from .validation import parse_run_request

if TYPE_CHECKING:
    from .backend import Backend
    from .model import Principal


def _principal(request: Request) -> "Principal":
    assert request.principal is not None  # the router authenticated the request
    return request.principal


def _settled_run(backend: "Backend", run: Run) -> Run:
    lifecycle.settle(run.workspace, backend.clock.now())
    return run


def _run_document(backend: "Backend", request: Request, run: Run, status: int = 200) -> Response:
    view = backend.view(request)
    names = parse_include(request.query.get("include"), RUN_INCLUDES)
    document = {"data": run_resource(view, run)}
    if names:
        document["included"] = included_for(view, [run], names)
    return Response.document(status, document)


def create_run(backend: "Backend", request: Request) -> Response:
    """POST /api/v2/runs: validate, then queue a pending run (201)."""
    principal = _principal(request)
    if not principal.can_queue:
        raise not_found("workspace not found")  # organization tokens cannot queue runs
    wanted = parse_run_request(request.json())
    workspace = backend.world.workspaces.get(wanted.workspace_id)
    if workspace is None:
        raise not_found("workspace %s not found" % wanted.workspace_id)
    visible_workspace(principal, workspace)
    attributes = lifecycle.run_attributes(workspace.knobs, wanted.attributes)
    now = backend.clock.now()
    lifecycle.settle(workspace, now)  # a delayed upload may have finished by now
    cv_id = configuration_versions.resolve_for_run(backend.world, principal, workspace,
                                                   wanted.configuration_version_id, wanted.attributes, attributes)
    if "terraform-version" in wanted.attributes and not attributes["plan-only"]:
        raise unprocessable("setting terraform-version is only valid when plan-only is set to true",
                            "/data/attributes/terraform-version")
    run = lifecycle.create_run(backend.world, workspace, attributes, now, principal.user_id, cv_id)
    configuration_versions.mark_used(workspace, backend.world.configuration_versions[cv_id])
    return _run_document(backend, request, run, status=201)


def get_run(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/runs/:id with optional include."""
    run = visible_run(backend.world, _principal(request), request.params["run_id"])
    return _run_document(backend, request, _settled_run(backend, run))


def list_workspace_runs(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/workspaces/:id/runs, newest first, paginated (its 30/minute limit is in limits.py)."""
    principal = _principal(request)
    workspace = backend.world.workspaces.get(request.params["workspace_id"])
    if workspace is None:
        raise not_found("workspace not found")
    visible_workspace(principal, workspace)
    now = backend.clock.now()
    names = parse_include(request.query.get("include"), RUN_INCLUDES)
    lifecycle.settle(workspace, now)
    keep = run_filter(backend.world, request.query, now)  # shared with the organization run list
    runs = [run for run in reversed(workspace.runs_in_order()) if keep(run)]  # newest first
    page, meta, links = paginate(runs, request.query, request.base_url, request.path)
    view = backend.view(request)
    document = {"data": [run_resource(view, run) for run in page], "links": links, "meta": meta}
    if names:
        document["included"] = included_for(view, page, names)
    return Response.document(200, document)


def _phase(backend: "Backend", request: Request, run: Optional[Run], phase: str) -> Response:
    if run is None:
        raise not_found("%s not found" % phase)
    run = _settled_run(backend, visible_run(backend.world, _principal(request), run.id))
    serialize = plan_resource if phase == "plan" else apply_resource
    return Response.document(200, {"data": serialize(backend.view(request), run)})


def get_plan(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/plans/:id"""
    return _phase(backend, request, backend.world.runs_by_plan.get(request.params["plan_id"]), "plan")


def get_apply(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/applies/:id"""
    return _phase(backend, request, backend.world.runs_by_apply.get(request.params["apply_id"]), "apply")


def get_run_plan(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/runs/:id/plan"""
    return _phase(backend, request, backend.world.runs.get(request.params["run_id"]), "plan")


def get_run_apply(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/runs/:id/apply"""
    return _phase(backend, request, backend.world.runs.get(request.params["run_id"]), "apply")


def _act(backend: "Backend", request: Request, action: Callable[[Run, float, Optional[str]], None]) -> Response:
    run = actionable_run(backend.world, _principal(request), request.params["run_id"])
    now = backend.clock.now()
    lifecycle.settle(run.workspace, now)
    action(run, now, request.comment())
    if backend.installation.run_action_answer == "document_200":
        return _run_document(backend, request, run)  # a server that answers with the run, not 202
    return Response.empty(202)


def apply_run(backend: "Backend", request: Request) -> Response:
    """POST /runs/:id/actions/apply: 202 and the run is already ``confirmed``."""
    return _act(backend, request, lifecycle.apply)


def discard_run(backend: "Backend", request: Request) -> Response:
    """POST /runs/:id/actions/discard"""
    return _act(backend, request, lifecycle.discard)


def cancel_run(backend: "Backend", request: Request) -> Response:
    """POST /runs/:id/actions/cancel"""
    return _act(backend, request, lifecycle.cancel)


def force_cancel_run(backend: "Backend", request: Request) -> Response:
    """POST /runs/:id/actions/force-cancel"""
    final_status = backend.installation.force_cancel_status
    return _act(backend, request, lambda run, now, comment: lifecycle.force_cancel(run, now, final_status, comment))


def force_execute_run(backend: "Backend", request: Request) -> Response:
    """POST /runs/:id/actions/force-execute (no body)."""
    return _act(backend, request, lambda run, now, _comment: lifecycle.force_execute(run, now))


def _subresource(backend: "Backend", request: Request, sub_id: str) -> Run:
    run = backend.world.runs_by_subresource.get(sub_id)
    if run is None:
        raise not_found("%s not found" % sub_id)
    return _settled_run(backend, visible_run(backend.world, _principal(request), run.id))


def get_cost_estimate(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/cost-estimates/:id"""
    run = _subresource(backend, request, request.params["ce_id"])
    return Response.document(200, {"data": cost_estimate_resource(run)})


def get_policy_check(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/policy-checks/:id"""
    run = _subresource(backend, request, request.params["pc_id"])
    return Response.document(200, {"data": policy_check_resource(run)})


def list_run_policy_checks(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/runs/:id/policy-checks"""
    run = _settled_run(backend, visible_run(backend.world, _principal(request), request.params["run_id"]))
    data = [policy_check_resource(run)] if run.policy_check_id else []
    page, meta, links = paginate(data, request.query, request.base_url, request.path)
    return Response.document(200, {"data": page, "meta": meta, "links": links})


def override_policy_check(backend: "Backend", request: Request) -> Response:
    """POST /api/v2/policy-checks/:id/actions/override: 200 with the (now overridden) check."""
    run = _subresource(backend, request, request.params["pc_id"])
    actionable_run(backend.world, _principal(request), run.id)
    lifecycle.override_policy(run, backend.clock.now())
    return Response.document(200, {"data": policy_check_resource(run)})


ROUTES = (
    ("POST", "/api/v2/runs", create_run, "token"),
    ("GET", "/api/v2/runs/{run_id}", get_run, "token"),
    ("GET", "/api/v2/workspaces/{workspace_id}/runs", list_workspace_runs, "token"),
    ("GET", "/api/v2/plans/{plan_id}", get_plan, "token"),
    ("GET", "/api/v2/applies/{apply_id}", get_apply, "token"),
    ("GET", "/api/v2/runs/{run_id}/plan", get_run_plan, "token"),
    ("GET", "/api/v2/runs/{run_id}/apply", get_run_apply, "token"),
    ("POST", "/api/v2/runs/{run_id}/actions/apply", apply_run, "token"),
    ("POST", "/api/v2/runs/{run_id}/actions/discard", discard_run, "token"),
    ("POST", "/api/v2/runs/{run_id}/actions/cancel", cancel_run, "token"),
    ("POST", "/api/v2/runs/{run_id}/actions/force-cancel", force_cancel_run, "token"),
    ("POST", "/api/v2/runs/{run_id}/actions/force-execute", force_execute_run, "token"),
    ("GET", "/api/v2/cost-estimates/{ce_id}", get_cost_estimate, "token"),
    ("GET", "/api/v2/policy-checks/{pc_id}", get_policy_check, "token"),
    ("GET", "/api/v2/runs/{run_id}/policy-checks", list_run_policy_checks, "token"),
    ("POST", "/api/v2/policy-checks/{pc_id}/actions/override", override_policy_check, "token"),
)
