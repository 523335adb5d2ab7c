"""Workspace reads: by ID and by organization + name."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .auth import visible_workspace
from .errors import not_found
from .httpcore import Request, Response
from .lifecycle import settle
from .serializers import workspace_resource

if TYPE_CHECKING:
    from .backend import Backend
    from .model import Workspace


def _answer(backend: "Backend", request: Request, workspace: "Workspace") -> Response:
    assert request.principal is not None
    visible_workspace(request.principal, workspace)
    settle(workspace, backend.clock.now())
    return Response.document(200, {"data": workspace_resource(backend.view(request), workspace)})


def get_workspace(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/workspaces/:id"""
    workspace = backend.world.workspaces.get(request.params["workspace_id"])
    if workspace is None:
        raise not_found("workspace not found")
    return _answer(backend, request, workspace)


def get_workspace_by_name(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/organizations/:org/workspaces/:name"""
    key = (request.params["organization"].lower(), request.params["name"])
    workspace = backend.world.workspaces_by_name.get(key)
    if workspace is None:
        raise not_found("workspace not found")
    return _answer(backend, request, workspace)


ROUTES = (
    ("GET", "/api/v2/workspaces/{workspace_id}", get_workspace, "token"),
    ("GET", "/api/v2/organizations/{organization}/workspaces/{name}", get_workspace_by_name, "token"),
)
