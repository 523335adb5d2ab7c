"""Configuration version endpoints (contract 5.10): create one (201, with its upload URL), read one,
list a workspace's, and read a version's ingress attributes. The upload itself is a PUT to the
blob host (api_blobs.py); configuration_versions.py holds the behaviour."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import configuration_versions
from .auth import visible_workspace
from .errors import not_found
from .httpcore import Request, Response
from .lifecycle import settle
from .model import ConfigurationVersion, Principal, Workspace
from .pagination import paginate
from .serializers import configuration_version_resource, ingress_attributes_resource

if TYPE_CHECKING:
    from .backend import Backend


def _principal(request: Request) -> Principal:
    assert request.principal is not None  # the router authenticated the request
    return request.principal


def _workspace(backend: "Backend", request: Request) -> Workspace:
    workspace = backend.world.workspaces.get(request.params["workspace_id"])
    if workspace is None:
        raise not_found("workspace not found")
    return visible_workspace(_principal(request), workspace)


def _version(backend: "Backend", request: Request) -> ConfigurationVersion:
    version = configuration_versions.visible_version(backend.world, _principal(request), request.params["cv_id"])
    settle(version.workspace, backend.clock.now())  # a delayed upload finishes on the simulator clock
    return version


def create_configuration_version(backend: "Backend", request: Request) -> Response:
    """POST /api/v2/workspaces/:id/configuration-versions: 201, ``pending``, with ``upload-url``."""
    principal = _principal(request)
    if not principal.can_queue:
        raise not_found("workspace not found")  # organization tokens cannot create configuration versions
    workspace = _workspace(backend, request)
    options = configuration_versions.parse_options(request.json(allow_empty=True))
    version = configuration_versions.create(backend.world, workspace, principal, options, backend.clock.now())
    return Response.document(201, {"data": configuration_version_resource(backend.view(request), version)})


def get_configuration_version(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/configuration-versions/:id"""
    version = _version(backend, request)
    return Response.document(200, {"data": configuration_version_resource(backend.view(request), version)})


def list_configuration_versions(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/workspaces/:id/configuration-versions, newest first, paginated."""
    workspace = _workspace(backend, request)
    settle(workspace, backend.clock.now())
    versions = sorted((item for item in backend.world.configuration_versions.values() if item.workspace is workspace),
                      key=lambda item: item.created_at, reverse=True)
    page, meta, links = paginate(versions, request.query, request.base_url, request.path)
    view = backend.view(request)
    return Response.document(200, {"data": [configuration_version_resource(view, item) for item in page],
                                   "meta": meta, "links": links})


def get_ingress_attributes(backend: "Backend", request: Request) -> Response:
    """GET /api/v2/configuration-versions/:id/ingress-attributes (404 for a version without a commit)."""
    resource = ingress_attributes_resource(_version(backend, request))
    if resource is None:
        raise not_found("ingress attributes not found")
    return Response.document(200, {"data": resource})


ROUTES = (
    ("POST", "/api/v2/workspaces/{workspace_id}/configuration-versions", create_configuration_version, "token"),
    ("GET", "/api/v2/workspaces/{workspace_id}/configuration-versions", list_configuration_versions, "token"),
    ("GET", "/api/v2/configuration-versions/{cv_id}", get_configuration_version, "token"),
    ("GET", "/api/v2/configuration-versions/{cv_id}/ingress-attributes", get_ingress_attributes, "token"),
)
