"""Bearer-token authentication and the 401-versus-404 rule (contract 1.4)."""
from __future__ import annotations

from .errors import ApiError, not_found
from .httpcore import Request
from .model import Principal, Run, Workspace, World


def bearer_token(request: Request) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, or "" (missing or another scheme)."""
    scheme, space, token = (request.authorization or "").strip().partition(" ")
    return token.strip() if space and scheme.lower() == "bearer" else ""


def authenticate(world: World, request: Request) -> Principal:
    """The token's principal; a missing, malformed, unknown or revoked token is a 401."""
    principal = world.principals_by_token.get(bearer_token(request))
    if principal is None:
        raise ApiError(401, "Authentication is required: send a valid token as 'Authorization: Bearer <token>'.")
    return principal


def visible_workspace(principal: Principal, workspace: Workspace) -> Workspace:
    """The workspace, or the same 404 as for a missing one when the caller has no access."""
    if not principal.can_see(workspace.organization):
        raise not_found("workspace %s not found" % workspace.id)
    return workspace


def visible_run(world: World, principal: Principal, run_id: str) -> Run:
    """The run, or 404 when it does not exist or the caller has no access to its organization."""
    run = world.run(run_id)
    if not principal.can_see(run.workspace.organization):
        raise not_found("run %s not found" % run_id)
    return run


def actionable_run(world: World, principal: Principal, run_id: str) -> Run:
    """Like :func:`visible_run`, but organization tokens get 404 (they cannot act on runs)."""
    if not principal.can_queue:
        raise not_found("run %s not found" % run_id)
    return visible_run(world, principal, run_id)
