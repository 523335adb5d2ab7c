"""The simulator's world: organizations, workspaces, tokens and runs, with the
indexes the endpoints need. Plain data; behaviour lives in lifecycle.py."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Tuple

from .blobs import BlobHost
from .errors import not_found, unprocessable
from .ids import new_blob_secret, new_id
from .knobs import WorkspaceKnobs

PRINCIPAL_KINDS = ("site_admin", "user", "organization")


@dataclass
class Organization:
    """An organization; its name is also its JSON:API id, as in TFE."""

    name: str
    email: str
    created_at: float
    external_id: str = field(default_factory=lambda: new_id("org"))


@dataclass(eq=False)
class Workspace:
    """A workspace, its knobs and its runs (all, and the open ones in creation order)."""

    id: str
    name: str
    organization: str
    created_at: float
    knobs: WorkspaceKnobs
    configuration_version_id: Optional[str] = None
    runs: List["Run"] = field(default_factory=list)
    runs_sorted: bool = True
    open_runs: List["Run"] = field(default_factory=list)
    open_runs_sorted: bool = True
    released_at: float = 0.0  # when the last lock-holding run reached a final status
    # Things due on the simulator clock that are not run transitions (a delayed upload finishing):
    # (when, what to do at that moment); lifecycle.settle replays them in time order with the runs.
    timers: List[Tuple[float, Callable[[float], None]]] = field(default_factory=list)

    def runs_in_order(self) -> List["Run"]:
        """All runs, oldest first (history seeded out of order is sorted on first use)."""
        if not self.runs_sorted:
            self.runs.sort(key=lambda run: (run.created_at, run.seq))
            self.runs_sorted = True
        return self.runs


@dataclass
class Principal:
    """Whom a token acts as. ``organizations`` None means every organization (site admins)."""

    role: str
    kind: str
    token: str
    organizations: Optional[FrozenSet[str]] = None
    user_id: Optional[str] = None
    workspace_admin: bool = True  # admin access to the workspaces it sees (JSON plans need it, contract 5.5)

    @property
    def is_admin(self) -> bool:
        """Site administrators may use /api/v2/admin/*."""
        return self.kind == "site_admin"

    @property
    def can_queue(self) -> bool:
        """Organization tokens may read but never queue or act on runs (contract 1.4)."""
        return self.kind != "organization"

    @property
    def identity(self) -> str:
        """Whom rate limits count against: the user behind a user or admin token, so that several
        tokens of one user share one budget (contract 7.2); an organization token is its own."""
        return "user:" + self.user_id if self.user_id else "token:" + self.role

    def can_see(self, organization: str) -> bool:
        """Access to an organization's workspaces and runs (organization names compare case-insensitively)."""
        return self.organizations is None or organization.lower() in self.organizations


@dataclass(frozen=True)
class Step:
    """One status on a run's path; a gate means a human must act before the run enters it."""

    status: str
    gate: Optional[str] = None  # None, "confirm" (apply), "override" (policy override) or "stage_override"


@dataclass(eq=False)
class Run:  # pylint: disable=too-many-instance-attributes
    """A run: what was asked, the path its scenario gives it, and where it is now."""

    id: str
    workspace: Workspace
    created_at: float
    seq: int
    attributes: Dict[str, object]
    has_changes_planned: bool
    counts: Tuple[int, int, int, int]
    path: List[Step]
    next_steps: List[Step]
    status: str = "pending"
    entered_at: float = 0.0
    timestamps: Dict[str, float] = field(default_factory=dict)
    updated_at: float = 0.0
    stuck: bool = False
    cost_estimate_id: Optional[str] = None
    policy_check_id: Optional[str] = None
    configuration_version_id: Optional[str] = None
    created_by: Optional[str] = None
    cancel_requested_at: Optional[float] = None
    force_cancel_available_at: Optional[float] = None
    comments: List[Tuple[str, str]] = field(default_factory=list)
    plan_id: str = field(default_factory=lambda: new_id("plan"))
    apply_id: str = field(default_factory=lambda: new_id("apply"))
    log_secrets: Dict[str, str] = field(default_factory=dict)
    task_stages: List["TaskStage"] = field(default_factory=list)
    plan_changes: Optional[List[Dict[str, Any]]] = None  # the plan_changes knob when the run was created
    log_lines: int = 0  # the log_lines knob when the run was created

    @property
    def in_queue(self) -> bool:
        """Speculative (plan-only) and saved-plan runs skip the workspace queue and never lock it."""
        return not self.attributes["plan-only"] and not self.attributes["save-plan"]


@dataclass(eq=False)
class TaskStage:  # pylint: disable=too-many-instance-attributes
    """A pre- or post-plan task stage of a run, and how it ends (task_stages.py derives its status).

    ``outcome`` is fixed when the run is created: ``passed``, ``failed`` (with ``enforcement``
    mandatory the run errors, advisory it goes on) or ``awaiting_decision`` (the run pauses in
    ``<stage>_awaiting_decision`` until someone overrides the stage)."""

    id: str
    stage: str
    outcome: str
    enforcement: str = "mandatory"
    has_task: bool = True  # a run task result; False for a stage that holds only a policy evaluation
    policy_evaluation_id: Optional[str] = None
    policy_outcome: Optional[str] = None  # pass / soft_fail / hard_fail, for the evaluation's status
    overridden_at: Optional[float] = None
    override_comment: Optional[str] = None


@dataclass(eq=False)
class ConfigurationVersion:  # pylint: disable=too-many-instance-attributes
    """A configuration version: how it was created, its upload and what the archive held."""

    id: str
    workspace: Workspace
    created_at: float
    status: str = "uploaded"
    source: str = "tfe-api"
    auto_queue_runs: bool = False
    speculative: bool = False
    provisional: bool = False
    timestamps: Dict[str, float] = field(default_factory=dict)
    error: Optional[str] = None
    error_message: Optional[str] = None
    upload_secret: Optional[str] = None
    files: Optional[List[Dict[str, Any]]] = None  # the uploaded archive's entries; None until one arrived
    ingress: Optional[Dict[str, Any]] = None  # VCS commit information (ingress-attributes)
    ingress_id: Optional[str] = None
    created_by: Optional[str] = None


class World:
    """All state, guarded by one re-entrant lock that every request holds while it reads or writes."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.organizations: Dict[str, Organization] = {}
        self.workspaces: Dict[str, Workspace] = {}
        self.workspaces_by_name: Dict[Tuple[str, str], Workspace] = {}
        self.runs: Dict[str, Run] = {}
        self.runs_by_plan: Dict[str, Run] = {}
        self.runs_by_apply: Dict[str, Run] = {}
        self.runs_by_subresource: Dict[str, Run] = {}  # cost estimates and policy checks
        self.blobs: Dict[str, Tuple[Run, str]] = {}
        self.configuration_versions: Dict[str, ConfigurationVersion] = {}
        self.blob_host = BlobHost()  # expiring JSON-plan downloads and single-use upload URLs
        self.principals_by_token: Dict[str, Principal] = {}
        self.principals_by_role: Dict[str, Principal] = {}
        self.users: Dict[str, str] = {}  # user id -> username
        self.run_seq = 0

    def organization(self, name: str) -> Organization:
        """Look up an organization by name, case-insensitively."""
        org = self.organizations.get(name.lower())
        if org is None:
            raise not_found("organization %s not found" % name)
        return org

    def workspace(self, ref: str) -> Workspace:
        """Resolve ``ws-...`` or ``org/name`` (the control API accepts both)."""
        if "/" in ref:
            org, _sep, name = ref.partition("/")
            found = self.workspaces_by_name.get((org.lower(), name))
        else:
            found = self.workspaces.get(ref)
        if found is None:
            raise not_found("workspace %s not found" % ref)
        return found

    def run(self, run_id: str) -> Run:
        """Look up a run by ID."""
        found = self.runs.get(run_id)
        if found is None:
            raise not_found("run %s not found" % run_id)
        return found

    def add_configuration_version(self, workspace: Workspace, created_at: Optional[float] = None,
                                  current: bool = True, **attributes: Any) -> ConfigurationVersion:
        """Register a configuration version (by default uploaded, and the workspace's new latest)."""
        at = workspace.created_at if created_at is None else created_at
        version = ConfigurationVersion(new_id("cv"), workspace, at, **attributes)
        version.timestamps.setdefault(version.status, at)
        self.configuration_versions[version.id] = version
        if current:
            workspace.configuration_version_id = version.id
        return version

    def add_principal(self, principal: Principal) -> None:
        """Register a token; a role name maps to exactly one token, so re-adding replaces it."""
        if principal.kind not in PRINCIPAL_KINDS:
            raise unprocessable("token kind must be one of " + ", ".join(PRINCIPAL_KINDS))
        self.remove_principal(principal.role, missing_ok=True)
        if principal.token in self.principals_by_token:
            raise unprocessable("that token string is already in use")
        if principal.kind != "organization":
            principal.user_id = principal.user_id or new_id("user")
            self.users.setdefault(principal.user_id, principal.role)  # a user of its own unless told whose
        self.principals_by_token[principal.token] = principal
        self.principals_by_role[principal.role] = principal

    def user_named(self, username: str) -> str:
        """The ID of the user called ``username`` (the latest of that name), registered on first use:
        tokens naming the same user act as one person."""
        for user_id, name in reversed(list(self.users.items())):
            if name == username:
                return user_id
        user_id = new_id("user")
        self.users[user_id] = username
        return user_id

    def remove_principal(self, role: str, missing_ok: bool = False) -> None:
        """Revoke a token by role name: from then on it answers 401."""
        principal = self.principals_by_role.pop(role, None)
        if principal is None:
            if missing_ok:
                return
            raise not_found("no token with role %s" % role)
        self.principals_by_token.pop(principal.token, None)

    def log_secret(self, run: Run, phase: str) -> str:
        """The blob secret of a run's plan or apply log, made on first use (bulk seeding stays cheap)."""
        secret = run.log_secrets.get(phase)
        if secret is None:
            secret = new_blob_secret()
            run.log_secrets[phase] = secret
            self.blobs[secret] = (run, phase)
        return secret
