"""The JSON plan endpoints (contract 5.5): ``GET /plans/:id/json-output`` and
``GET /runs/:id/plan/json-output``.

In order: organization tokens and runs out of reach 404 (contract 1.4); a token without
workspace admin access 403; Terraform before 0.12 422 (it can never produce one, so a client
polling for 204 to end would wait for ever); a plan that has not finished 204; otherwise 307 to
a blob URL on the simulator that serves the document for 60 seconds of simulator time.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Optional

from . import plan_json, subresources
from .auth import visible_run
from .blobs import blob_url
from .errors import ApiError, not_found
from .httpcore import Request, Response
from .lifecycle import settle
from .model import Run

if TYPE_CHECKING:
    from .backend import Backend


def _json_output(backend: "Backend", request: Request, run: Optional[Run]) -> Response:
    principal = request.principal
    assert principal is not None  # the router authenticated the request
    if run is None or not principal.can_queue:
        raise not_found("plan not found")  # organization tokens cannot read JSON plans (contract 1.4)
    visible_run(backend.world, principal, run.id)
    if not principal.workspace_admin:
        raise ApiError(403, "JSON plans need admin access to the workspace.")
    now = backend.clock.now()
    settle(run.workspace, now)
    if plan_json.too_old_for_json(str(run.attributes["terraform-version"])):
        raise ApiError(422, "JSON plans need Terraform 0.12 or later; this run uses %s."
                       % run.attributes["terraform-version"])
    if subresources.plan_status(run) != "finished":
        return Response.empty(204)
    body = json.dumps(plan_json.document(run, run.timestamps.get("planned"))).encode("utf-8")
    secret = backend.world.blob_host.offer_download(body, "application/json", now)
    return Response(307, b"", {"Location": blob_url(request.base_url, secret)})


def plan_json_output(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/plans/:id/json-output"""
    return _json_output(backend, request, backend.world.runs_by_plan.get(request.params["plan_id"]))


def run_plan_json_output(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/runs/:id/plan/json-output"""
    return _json_output(backend, request, backend.world.runs.get(request.params["run_id"]))


ROUTES = (
    ("GET", "/api/v2/plans/{plan_id}/json-output", plan_json_output, "token"),
    ("GET", "/api/v2/runs/{run_id}/plan/json-output", run_plan_json_output, "token"),
)
