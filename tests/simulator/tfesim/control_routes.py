"""The ``/_sim/`` endpoints: HTTP access to :class:`~tfesim.control.Control`, without auth.

They exist only on the simulator (a real TFE answers 404), and each is a thin
mapping of a path and a JSON body onto one control method.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .control import Control
from .httpcore import Request, Response

if TYPE_CHECKING:
    from .backend import Backend


def _control(backend: "Backend") -> Control:
    return Control(backend)


def _ok(payload: Any, status: int = 200) -> Response:
    return Response.document(status, payload, content_type="application/json")


def get_clock(backend: "Backend", _request: Request) -> Response:
    """GET /_sim/clock"""
    return _ok(_control(backend).clock())


def advance_clock(backend: "Backend", request: Request) -> Response:
    """POST /_sim/clock/advance {"seconds": N}"""
    return _ok(_control(backend).call("advance_clock", request.json()))


def get_requests(backend: "Backend", _request: Request) -> Response:
    """GET /_sim/requests"""
    return _ok({"requests": backend.read_request_log()})


def clear_requests(backend: "Backend", _request: Request) -> Response:
    """DELETE /_sim/requests"""
    backend.clear_request_log()
    return Response.empty(204)


def get_stats(backend: "Backend", _request: Request) -> Response:
    """GET /_sim/stats"""
    return _ok(_control(backend).stats())


def get_installation(backend: "Backend", _request: Request) -> Response:
    """GET /_sim/installation"""
    return _ok(_control(backend).installation())


def set_installation(backend: "Backend", request: Request) -> Response:
    """PATCH /_sim/installation {knob: value, ...}"""
    return _ok(_control(backend).call("set_installation", request.json()))


def add_organization(backend: "Backend", request: Request) -> Response:
    """POST /_sim/organizations {"name", "email"?}"""
    return _ok(_control(backend).call("add_organization", request.json()), 201)


def list_workspaces(backend: "Backend", _request: Request) -> Response:
    """GET /_sim/workspaces"""
    return _ok({"workspaces": _control(backend).workspaces()})


def add_workspace(backend: "Backend", request: Request) -> Response:
    """POST /_sim/workspaces {"organization", "name", "id"?, "knobs"?}"""
    return _ok(_control(backend).call("add_workspace", request.json()), 201)


def get_workspace(backend: "Backend", request: Request) -> Response:
    """GET /_sim/workspaces/:id"""
    return _ok(_control(backend).workspace(request.params["workspace_id"]))


def set_workspace_knobs(backend: "Backend", request: Request) -> Response:
    """PATCH /_sim/workspaces/:id/knobs {knob: value, ...}"""
    arguments = request.json()
    if isinstance(arguments, dict):
        arguments = dict(arguments, workspace=request.params["workspace_id"])
    return _ok(_control(backend).call("set_workspace_knobs", arguments))


def list_runs(backend: "Backend", request: Request) -> Response:
    """GET /_sim/runs?workspace=&status="""
    return _ok({"runs": _control(backend).runs(request.query.get("workspace"), request.query.get("status"))})


def create_runs(backend: "Backend", request: Request) -> Response:
    """POST /_sim/runs {"workspace", "status"?, "count"?, "created_at"?, "spacing_seconds"?, "stuck"?, "attributes"?}"""
    return _ok({"ids": _control(backend).call("create_runs", request.json())}, 201)


def set_run_status(backend: "Backend", request: Request) -> Response:
    """POST /_sim/runs/:id/status {"status", "stuck"?}"""
    arguments = request.json()
    if isinstance(arguments, dict):
        arguments = dict(arguments, run_id=request.params["run_id"])
    return _ok(_control(backend).call("set_run_status", arguments))


def list_configuration_versions(backend: "Backend", request: Request) -> Response:
    """GET /_sim/configuration-versions?workspace="""
    found = _control(backend).configuration_versions(request.query.get("workspace"))
    return _ok({"configuration_versions": found})


def configuration_version_files(backend: "Backend", request: Request) -> Response:
    """GET /_sim/configuration-versions/:id/files"""
    return _ok({"files": _control(backend).configuration_version_files(request.params["cv_id"])})


def list_tokens(backend: "Backend", _request: Request) -> Response:
    """GET /_sim/tokens"""
    return _ok({"tokens": _control(backend).tokens})


def add_token(backend: "Backend", request: Request) -> Response:
    """POST /_sim/tokens {"role", "kind", "organizations"?, "token"?, "user"?}"""
    control = _control(backend)
    arguments = request.json()
    return _ok({"role": arguments.get("role") if isinstance(arguments, dict) else None,
                "token": control.call("add_token", arguments)}, 201)


def revoke_token(backend: "Backend", request: Request) -> Response:
    """DELETE /_sim/tokens/:role"""
    _control(backend).revoke_token(request.params["role"])
    return Response.empty(204)


def list_faults(backend: "Backend", _request: Request) -> Response:
    """GET /_sim/faults"""
    return _ok({"faults": _control(backend).faults()})


def add_fault(backend: "Backend", request: Request) -> Response:
    """POST /_sim/faults {"kind", parameters...}"""
    return _ok(_control(backend).call("add_fault", request.json()), 201)


def clear_faults(backend: "Backend", _request: Request) -> Response:
    """DELETE /_sim/faults"""
    _control(backend).clear_faults()
    return Response.empty(204)


def remove_fault(backend: "Backend", request: Request) -> Response:
    """DELETE /_sim/faults/:id"""
    _control(backend).remove_fault(request.params["fault_id"])
    return Response.empty(204)


ROUTES = (
    ("GET", "/_sim/clock", get_clock, "none"),
    ("POST", "/_sim/clock/advance", advance_clock, "none"),
    ("GET", "/_sim/requests", get_requests, "none"),
    ("DELETE", "/_sim/requests", clear_requests, "none"),
    ("GET", "/_sim/stats", get_stats, "none"),
    ("GET", "/_sim/installation", get_installation, "none"),
    ("PATCH", "/_sim/installation", set_installation, "none"),
    ("POST", "/_sim/organizations", add_organization, "none"),
    ("GET", "/_sim/workspaces", list_workspaces, "none"),
    ("POST", "/_sim/workspaces", add_workspace, "none"),
    ("GET", "/_sim/workspaces/{workspace_id}", get_workspace, "none"),
    ("PATCH", "/_sim/workspaces/{workspace_id}/knobs", set_workspace_knobs, "none"),
    ("GET", "/_sim/runs", list_runs, "none"),
    ("POST", "/_sim/runs", create_runs, "none"),
    ("POST", "/_sim/runs/{run_id}/status", set_run_status, "none"),
    ("GET", "/_sim/configuration-versions", list_configuration_versions, "none"),
    ("GET", "/_sim/configuration-versions/{cv_id}/files", configuration_version_files, "none"),
    ("GET", "/_sim/tokens", list_tokens, "none"),
    ("POST", "/_sim/tokens", add_token, "none"),
    ("DELETE", "/_sim/tokens/{role}", revoke_token, "none"),
    ("GET", "/_sim/faults", list_faults, "none"),
    ("POST", "/_sim/faults", add_fault, "none"),
    ("DELETE", "/_sim/faults", clear_faults, "none"),
    ("DELETE", "/_sim/faults/{fault_id}", remove_fault, "none"),
)
