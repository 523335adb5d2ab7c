"""The control plane: what tests (and the /_sim/ endpoints) may do that no client can.

:class:`Control` is both the in-process API (``Simulator`` inherits it) and what
``control_routes`` calls for each ``/_sim/`` endpoint, so the two never diverge.
"""
from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Union

from . import configuration_versions, lifecycle
from .errors import ApiError, not_found, unprocessable
from .ids import new_id, new_token
from .knobs import WorkspaceKnobs, knobs_dict, update_knobs
from .limits import RATE_LIMIT_KNOBS
from .model import ConfigurationVersion, Organization, Principal, Run, Workspace
from .serializers import status_timestamps
from .statuses import FINAL
from .timefmt import iso_ms, parse_rfc3339

if TYPE_CHECKING:
    from .backend import Backend

Timestamp = Union[str, float, int, None]


def _epoch(value: Timestamp, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return parse_rfc3339(str(value))
    except ValueError as exc:
        raise unprocessable("created_at must be an RFC 3339 timestamp or epoch seconds") from exc


class Control:
    """Control operations on a :class:`Backend`; every method holds the world lock."""

    def __init__(self, backend: "Backend") -> None:
        self.backend = backend

    # -- clock -----------------------------------------------------------------------------

    def clock(self) -> Dict[str, Any]:
        """The simulator's current time and how far tests have advanced it."""
        clock = self.backend.clock
        return {"now": iso_ms(clock.now()), "offset_seconds": clock.offset}

    def advance_clock(self, seconds: float) -> Dict[str, Any]:
        """Move simulator time forward; runs progress on their next read."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise unprocessable("seconds must be a non-negative number")
        self.backend.clock.advance(float(seconds))
        self.backend.faults.fire_due()  # a fault set for a simulator time happens at that time
        return self.clock()

    # -- request log -----------------------------------------------------------------------

    @property
    def request_log(self) -> List[Dict[str, Any]]:
        """API requests so far (not /_sim/ ones): method, path, query, status, token_role, authorization, time."""
        return self.backend.read_request_log()

    def clear_request_log(self) -> None:
        """Forget the logged requests."""
        self.backend.clear_request_log()

    def stats(self) -> Dict[str, Any]:
        """Counts over the request log (so since its last clear): requests and 429 answers, in all and
        per route kind (``"GET /api/v2/workspaces/{workspace_id}/runs"``), to measure how a client meets
        the rate limits."""
        totals = {"requests": 0, "rate_limited": 0}
        kinds: Dict[str, Dict[str, int]] = {}
        for entry in self.backend.read_request_log():
            kind = self._route_kind(entry["method"], entry["path"])
            for counts in (totals, kinds.setdefault(kind, {"requests": 0, "rate_limited": 0})):
                counts["requests"] += 1
                counts["rate_limited"] += entry["status"] == 429
        return dict(totals, kinds=kinds)

    def _route_kind(self, method: str, path: str) -> str:
        match = self.backend.router.match(method, path)
        return "%s %s" % (method, match[0].template if match else "(no route)")

    # -- installation ----------------------------------------------------------------------

    def installation(self) -> Dict[str, Any]:
        """The installation knobs."""
        return knobs_dict(self.backend.installation)

    def set_installation(self, **knobs: Any) -> Dict[str, Any]:
        """Change installation knobs (admin routes, error variants, rate limit...)."""
        with self.backend.world.lock:
            update_knobs(self.backend.installation, knobs)
            if RATE_LIMIT_KNOBS & set(knobs):
                self.backend.rate_limits.reset()
        return self.installation()

    # -- organizations, workspaces, tokens ---------------------------------------------------

    def add_organization(self, name: str, email: Optional[str] = None) -> Dict[str, Any]:
        """Create an organization (names are unique, case-insensitively)."""
        world = self.backend.world
        with world.lock:
            if not isinstance(name, str) or not name:
                raise unprocessable("an organization needs a name")
            if name.lower() in world.organizations:
                raise unprocessable("organization %s already exists" % name)
            org = Organization(name, email or "%s@example.com" % name.lower(), self.backend.clock.now())
            world.organizations[name.lower()] = org
            return {"name": org.name, "email": org.email}

    def organizations(self) -> List[Dict[str, Any]]:
        """Every organization: name and email."""
        with self.backend.world.lock:
            return [{"name": org.name, "email": org.email} for org in self.backend.world.organizations.values()]

    def add_workspace(self, organization: str, name: str, id: Optional[str] = None,  # pylint: disable=redefined-builtin
                      knobs: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """Create a workspace with knobs; it gets a configuration version unless has_configuration_version is false."""
        world = self.backend.world
        with world.lock:
            org = world.organization(organization)
            if (org.name.lower(), name) in world.workspaces_by_name:
                raise unprocessable("workspace %s/%s already exists" % (org.name, name))
            workspace_id = id or new_id("ws")
            if workspace_id in world.workspaces:
                raise unprocessable("workspace id %s is already used" % workspace_id)
            workspace_knobs = WorkspaceKnobs()
            update_knobs(workspace_knobs, knobs or {})
            workspace = Workspace(workspace_id, name, org.name, self.backend.clock.now(), workspace_knobs)
            if workspace_knobs.has_configuration_version:
                world.add_configuration_version(workspace)
            world.workspaces[workspace_id] = workspace
            world.workspaces_by_name[(org.name.lower(), name)] = workspace
            return self.workspace(workspace_id)

    def workspace(self, workspace: str) -> Dict[str, Any]:
        """A workspace's identity, knobs and configuration version (``ws-...`` or ``org/name``)."""
        with self.backend.world.lock:
            found = self.backend.world.workspace(workspace)
            return {"id": found.id, "name": found.name, "organization": found.organization,
                    "configuration_version": found.configuration_version_id, "knobs": knobs_dict(found.knobs)}

    def workspaces(self) -> List[Dict[str, Any]]:
        """Every workspace (as :meth:`workspace` describes it)."""
        with self.backend.world.lock:
            return [self.workspace(workspace_id) for workspace_id in self.backend.world.workspaces]

    def set_workspace_knobs(self, workspace: str, **knobs: Any) -> Dict[str, Any]:
        """Change a workspace's knobs; turning has_configuration_version on uploads one, off removes it."""
        world = self.backend.world
        with world.lock:
            found = world.workspace(workspace)
            lifecycle.settle(found, self.backend.clock.now())  # runs so far behave as before the change
            update_knobs(found.knobs, knobs)
            if "has_configuration_version" in knobs:
                if knobs["has_configuration_version"] and found.configuration_version_id is None:
                    world.add_configuration_version(found)
                elif not knobs["has_configuration_version"]:
                    found.configuration_version_id = None
            return knobs_dict(found.knobs)

    @property
    def tokens(self) -> Dict[str, str]:
        """Role name -> token string, for every valid token."""
        with self.backend.world.lock:
            return {role: principal.token for role, principal in self.backend.world.principals_by_role.items()}

    def add_token(self, role: str, kind: str, organizations: Optional[Iterable[str]] = None,
                  token: Optional[str] = None, user: Optional[str] = None, workspace_admin: bool = True) -> str:
        """Add (or replace) the token of a role. kind: site_admin, user (organizations it may see)
        or organization (exactly one organization). ``user`` names the person the token belongs to:
        tokens naming the same user share one rate-limit budget (default: a user of its own, named
        after the role). ``workspace_admin`` false: the token lacks admin access to its workspaces
        (JSON plans answer 403). Returns the token string."""
        world = self.backend.world
        with world.lock:
            orgs = None
            if organizations is not None:
                orgs = frozenset(world.organization(name).name.lower() for name in organizations)
            if kind == "site_admin":
                orgs = None
            elif orgs is None or (kind == "organization" and len(orgs) != 1):
                raise unprocessable("a %s token needs %s" % (kind, "exactly one organization" if kind == "organization"
                                                                   else "a list of organizations"))
            if not isinstance(role, str) or not role:
                raise unprocessable("a token needs a role name")
            if not isinstance(workspace_admin, bool):
                raise unprocessable("workspace_admin must be true or false")
            principal = Principal(role, kind, token or new_token(), orgs, self._user_id(kind, user),
                                  workspace_admin=workspace_admin)
            world.add_principal(principal)
            return principal.token

    def _user_id(self, kind: str, user: Optional[str]) -> Optional[str]:
        if user is None:
            return None
        if not isinstance(user, str) or not user:
            raise unprocessable("user must be a non-empty user name")
        if kind == "organization":
            raise unprocessable("an organization token belongs to no user")
        return self.backend.world.user_named(user)

    def revoke_token(self, role: str) -> None:
        """Revoke a role's token: it answers 401 from now on."""
        with self.backend.world.lock:
            self.backend.world.remove_principal(role)

    # -- runs ------------------------------------------------------------------------------

    @staticmethod
    def _summary(run: Run) -> Dict[str, Any]:
        return {"id": run.id, "workspace": run.workspace.id, "workspace_name": run.workspace.name,
                "organization": run.workspace.organization, "status": run.status,
                "created_at": iso_ms(run.created_at), "operation": lifecycle.operation(run),
                "stuck": run.stuck, "is_confirmable": lifecycle.is_confirmable(run),
                "status_timestamps": status_timestamps(run)}

    def runs(self, workspace: Optional[str] = None, status: Optional[str] = None) -> List[Dict[str, Any]]:
        """Runs (all operations, plan-only included), oldest first; optionally one workspace / status."""
        world = self.backend.world
        self.backend.faults.fire_due()
        with world.lock:
            now = self.backend.clock.now()
            if workspace:
                scope = [world.workspace(workspace)]
            else:
                scope = list(world.workspaces.values())
            found: List[Run] = []
            for item in scope:
                lifecycle.settle(item, now)
                found += [run for run in item.runs if status is None or run.status == status]
            found.sort(key=lambda run: (run.created_at, run.seq))
            return [self._summary(run) for run in found]

    def create_runs(self, workspace: str, status: str = "pending", count: int = 1, created_at: Timestamp = None,
                    spacing_seconds: float = 60.0, stuck: Optional[bool] = None,
                    attributes: Optional[Mapping[str, Any]] = None, created_by: Optional[str] = None,
                    commit_sha: Optional[str] = None, commit_message: Optional[str] = None) -> List[str]:
        """Create runs directly in any status (history for listings, stuck runs for cancels).

        ``count`` runs start at ``created_at`` (default: so the last one is created now) and are
        ``spacing_seconds`` apart. Unless ``stuck`` says otherwise, a run created in a non-final
        status other than ``pending`` is stuck there: history should not start moving.
        ``created_by`` names the user who queued them (``search[user]``); ``commit_sha`` and
        ``commit_message`` give them a configuration version from that VCS commit (``search[commit]``).
        """
        world = self.backend.world
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise unprocessable("count must be a positive integer")
        with world.lock:
            found = world.workspace(workspace)
            now = self.backend.clock.now()
            first = _epoch(created_at, now - (count - 1) * float(spacing_seconds))
            keep_still = stuck if stuck is not None else (status not in FINAL and status != "pending")
            lifecycle.settle(found, now)
            creator = self._named_user(created_by)
            version_id = self._commit_version(found, first, commit_sha, commit_message, created_by)
            ids = []
            for index in range(count):
                attrs = lifecycle.run_attributes(found.knobs, attributes or {})
                run = lifecycle.create_run(world, found, attrs, first + index * float(spacing_seconds), creator,
                                           version_id)
                if status != "pending":
                    lifecycle.place_historical(run, status, found.knobs.phase_seconds)
                run.stuck = keep_still
                ids.append(run.id)
            return ids

    def _named_user(self, name: Optional[str]) -> Optional[str]:
        if name is None:
            return None
        if not isinstance(name, str) or not name:
            raise unprocessable("created_by must be a non-empty user name")
        return self.backend.world.user_named(name)

    def _commit_version(self, workspace: Workspace, at: float, sha: Optional[str], message: Optional[str],
                        sender: Optional[str]) -> Optional[str]:
        if sha is None and message is None:
            return None
        if not all(value is None or isinstance(value, str) for value in (sha, message)):
            raise unprocessable("commit_sha and commit_message must be strings")
        return configuration_versions.add_commit(self.backend.world, workspace, at, sha, message, sender).id

    # -- configuration versions --------------------------------------------------------------

    @staticmethod
    def _version_summary(version: ConfigurationVersion) -> Dict[str, Any]:
        return {"id": version.id, "workspace": version.workspace.id, "status": version.status,
                "source": version.source, "auto_queue_runs": version.auto_queue_runs,
                "speculative": version.speculative, "provisional": version.provisional,
                "error_message": version.error_message, "created_at": iso_ms(version.created_at),
                "files": len(version.files) if version.files is not None else None,
                "commit_sha": (version.ingress or {}).get("commit-sha")}

    def configuration_versions(self, workspace: Optional[str] = None) -> List[Dict[str, Any]]:
        """Every configuration version (or one workspace's), oldest first; ``files`` counts the archive's entries."""
        world = self.backend.world
        with world.lock:
            scope = world.workspace(workspace) if workspace else None
            now = self.backend.clock.now()
            found = [item for item in world.configuration_versions.values() if scope in (None, item.workspace)]
            for owner in {item.workspace for item in found}:
                lifecycle.settle(owner, now)  # a delayed upload finishes on the simulator clock
            return [self._version_summary(item) for item in sorted(found, key=lambda item: item.created_at)]

    def configuration_version_files(self, cv_id: str) -> List[Dict[str, Any]]:
        """What the uploaded archive held, in archive order: ``path``, ``type`` (file, directory, symlink,
        hardlink, other), ``mode`` ("0644"), ``size``, ``target`` (links) and ``sha256`` (files).
        422 if nothing readable was uploaded yet."""
        world = self.backend.world
        with world.lock:
            version = world.configuration_versions.get(cv_id)
            if version is None:
                raise not_found("configuration version %s not found" % cv_id)
            if version.files is None:
                raise unprocessable("configuration version %s has no uploaded archive (status %s)"
                                    % (cv_id, version.status))
            return [dict(entry) for entry in version.files]

    def set_run_status(self, run_id: str, status: str, stuck: Optional[bool] = None) -> Dict[str, Any]:
        """Move a run to a status now ("someone else" discarded it, it got stuck...)."""
        world = self.backend.world
        with world.lock:
            run = world.run(run_id)
            now = self.backend.clock.now()
            lifecycle.settle(run.workspace, now)
            lifecycle.move(run, status, now, stuck)
            return self._summary(run)

    # -- faults (tfesim/faults.py; kinds and parameters in README.md) ------------------------

    def add_fault(self, kind: str, **params: Any) -> Dict[str, Any]:
        """Arm a fault, e.g. ``add_fault("rate_limit", hint="retry_after", method="POST", path="/api/v2/runs")``;
        returns it as :meth:`faults` shows it (with its ``id``)."""
        return self.backend.faults.add(kind, **params)

    def faults(self) -> List[Dict[str, Any]]:
        """Every fault since the last clear (spent ones have ``active`` false), with ``fired`` and ``remaining``."""
        return self.backend.faults.describe_all()

    def remove_fault(self, fault_id: str) -> None:
        """Disarm one fault by ``id``."""
        self.backend.faults.remove(fault_id)

    def clear_faults(self) -> None:
        """Disarm every fault (requests sleeping in latency/slow faults finish at once)."""
        self.backend.faults.clear()

    def call(self, method_name: str, arguments: Any) -> Any:
        """Invoke a control method with a JSON object's keys as arguments (for /_sim/), 422 on bad keys."""
        if not isinstance(arguments, dict):
            raise unprocessable("the body must be a JSON object")
        method = getattr(self, method_name)
        try:
            inspect.signature(method).bind(**arguments)
        except TypeError as exc:
            raise ApiError(422, "bad arguments for %s: %s" % (method_name, exc)) from exc
        return method(**arguments)
