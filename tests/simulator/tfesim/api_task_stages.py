"""Task stage and policy evaluation endpoints (contract 5.9 "Task-stage override"; go-tfe
task_stages.go and policy_evaluation.go): list a run's stages, read one, override one (200 with
the stage), and list a stage's policy evaluations."""
from __future__ import annotations

from typing import TYPE_CHECKING, Tuple

from . import task_stages
from .auth import actionable_run, visible_run
from .httpcore import Request, Response
from .lifecycle import settle
from .model import Principal, Run, TaskStage
from .pagination import paginate

if TYPE_CHECKING:
    from .backend import Backend


def _principal(request: Request) -> Principal:
    assert request.principal is not None  # the router authenticated the request
    return request.principal


def _stage(backend: "Backend", request: Request) -> Tuple[Run, TaskStage]:
    stage = task_stages.find_stage(backend.world, request.params["stage_id"])
    run = backend.world.runs_by_subresource[stage.id]
    visible_run(backend.world, _principal(request), run.id)
    settle(run.workspace, backend.clock.now())
    return run, stage


def _list(request: Request, items: list) -> Response:
    page, meta, links = paginate(items, request.query, request.base_url, request.path)
    return Response.document(200, {"data": page, "meta": meta, "links": links})


def list_run_task_stages(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/runs/:id/task-stages"""
    run = visible_run(backend.world, _principal(request), request.params["run_id"])
    settle(run.workspace, backend.clock.now())
    return _list(request, task_stages.stages_of(backend.view(request), run))


def get_task_stage(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/task-stages/:id"""
    run, stage = _stage(backend, request)
    return Response.document(200, {"data": task_stages.stage_resource(backend.view(request), run, stage)})


def override_task_stage(backend: "Backend", request: Request) -> Response:
    """POST /api/v2/task-stages/:id/actions/override {"comment"?}: 200 with the (now passed) stage; 409
    unless it awaits an override; 404 for organization tokens."""
    run, stage = _stage(backend, request)
    actionable_run(backend.world, _principal(request), run.id)
    task_stages.override(run, stage, backend.clock.now(), request.comment())
    return Response.document(200, {"data": task_stages.stage_resource(backend.view(request), run, stage)})


def list_policy_evaluations(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/task-stages/:id/policy-evaluations"""
    run, stage = _stage(backend, request)
    evaluation = task_stages.evaluation_resource(run, stage)
    return _list(request, [evaluation] if evaluation else [])


ROUTES = (
    ("GET", "/api/v2/runs/{run_id}/task-stages", list_run_task_stages, "token"),
    ("GET", "/api/v2/task-stages/{stage_id}", get_task_stage, "token"),
    ("POST", "/api/v2/task-stages/{stage_id}/actions/override", override_task_stage, "token"),
    ("GET", "/api/v2/task-stages/{stage_id}/policy-evaluations", list_policy_evaluations, "token"),
)
