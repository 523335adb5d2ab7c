"""JSON:API resource objects for runs, plans, applies, workspaces and friends
(contract 3.1, 3.2, 5.5, 5.6, 6.1). Pure functions of the world at one instant."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from . import lifecycle, subresources
from .blobs import blob_url
from .knobs import InstallationKnobs
from .model import ConfigurationVersion, Organization, Principal, Run, Workspace, World
from .statuses import FINAL, timestamp_key
from .timefmt import iso_ms, rfc3339


@dataclass
class View:
    """What a document depends on besides the object: the world, the instant, the caller, the host,
    and the installation (whose deviations some fields show)."""

    world: World
    now: float
    base_url: str
    principal: Optional[Principal] = None
    installation: InstallationKnobs = field(default_factory=InstallationKnobs)


def _ref(type_: str, id_: Optional[str]) -> Optional[Dict[str, str]]:
    return {"id": id_, "type": type_} if id_ else None


def _to_one(type_: str, id_: Optional[str], related: Optional[str] = None) -> Dict[str, Any]:
    relation: Dict[str, Any] = {"data": _ref(type_, id_)}
    if related:
        relation["links"] = {"related": related}
    return relation


def status_timestamps(run: Run) -> Dict[str, str]:
    """Only the states the run has reached, in the order it reached them."""
    ordered = sorted(run.timestamps.items(), key=lambda item: item[1])
    return {timestamp_key(status): rfc3339(at) for status, at in ordered}


def run_actions(run: Run, now: float, pending_force_cancelable: bool = False) -> Dict[str, bool]:
    """The ``actions`` object, computed from the current state (contract 10). With the
    ``pending_force_cancelable`` deviation, an unfinished run nobody has cancelled claims to be
    force-cancelable although the force-cancel action still refuses it (409)."""
    claimed = pending_force_cancelable and run.status not in FINAL and run.cancel_requested_at is None
    return {
        "is-cancelable": lifecycle.is_cancelable(run),
        "is-confirmable": lifecycle.is_confirmable(run),
        "is-discardable": lifecycle.is_discardable(run),
        "is-force-cancelable": claimed or lifecycle.is_force_cancelable(run, now),
    }


def run_permissions(principal: Optional[Principal]) -> Dict[str, bool]:
    """What the caller may do; organization tokens may only read."""
    allowed = principal is not None and principal.can_queue
    names = ("can-apply", "can-cancel", "can-comment", "can-discard", "can-force-execute",
             "can-force-cancel", "can-override-policy-check")
    return {name: allowed for name in names}


def run_resource(view: View, run: Run) -> Dict[str, Any]:
    """The full run resource of GET /runs/:id and POST /runs."""
    attributes = dict(run.attributes)
    attributes.update({
        "status": run.status,
        "status-timestamps": status_timestamps(run),
        "actions": run_actions(run, view.now, view.installation.pending_force_cancelable),
        "permissions": run_permissions(view.principal),
        "has-changes": run.has_changes_planned and subresources.plan_status(run) == "finished",
        "created-at": iso_ms(run.created_at),
        "updated-at": iso_ms(run.updated_at),
        "canceled-at": iso_ms(run.timestamps["canceled"]) if "canceled" in run.timestamps else None,
        "position-in-queue": lifecycle.queue_position(run),
        "triggering-source-name": None,
    })
    if run.force_cancel_available_at is not None:
        attributes["force-cancel-available-at"] = iso_ms(run.force_cancel_available_at)
    base = "/api/v2/runs/" + run.id
    relationships = {
        "workspace": _to_one("workspaces", run.workspace.id),
        "plan": _to_one("plans", run.plan_id, base + "/plan"),
        "apply": _to_one("applies", run.apply_id, base + "/apply"),
        "configuration-version": _to_one("configuration-versions", run.configuration_version_id,
                                         base + "/configuration-version"),
        "cost-estimate": _to_one("cost-estimates", run.cost_estimate_id, base + "/cost-estimate"),
        "created-by": _to_one("users", run.created_by, base + "/created-by"),
        "policy-checks": {"data": [_ref("policy-checks", run.policy_check_id)] if run.policy_check_id else [],
                          "links": {"related": base + "/policy-checks"}},
        "task-stages": {"data": [_ref("task-stages", stage.id) for stage in run.task_stages],
                        "links": {"related": base + "/task-stages"}},
        "run-events": {"data": [], "links": {"related": base + "/run-events"}},
        "comments": {"data": [_ref("comments", comment_id) for comment_id, _text in run.comments],
                     "links": {"related": base + "/comments"}},
    }
    return {"id": run.id, "type": "runs", "attributes": attributes, "relationships": relationships,
            "links": {"self": base}}


def admin_run_resource(run: Run) -> Dict[str, Any]:
    """The reduced item of GET /admin/runs (contract 6.1)."""
    return {
        "id": run.id, "type": "runs",
        "attributes": {
            "status": run.status, "status-timestamps": status_timestamps(run),
            "has-changes": run.has_changes_planned and subresources.plan_status(run) == "finished",
            "created-at": iso_ms(run.created_at),
        },
        "relationships": {"workspace": _to_one("workspaces", run.workspace.id)},
        "links": {"self": "/api/v2/runs/" + run.id},
    }


def _phase_resource(view: View, run: Run, phase: str) -> Dict[str, Any]:
    is_plan = phase == "plan"
    sub_status = subresources.plan_status(run) if is_plan else subresources.apply_status(run)
    stamps = subresources.plan_timestamps(run) if is_plan else subresources.apply_timestamps(run)
    attributes: Dict[str, Any] = {
        "status": sub_status,
        "status-timestamps": {key: rfc3339(at) for key, at in stamps.items()},
        "log-read-url": "%s/_archivist/v1/object/%s" % (view.base_url, view.world.log_secret(run, phase)),
        "execution-details": {"mode": "remote"},
    }
    attributes.update(subresources.counts(run, phase))
    if is_plan:
        attributes.update({
            "has-changes": run.has_changes_planned and sub_status == "finished",
            "generated-configuration": False, "structured-run-output-enabled": True,
            "actions": {"is-exportable": sub_status == "finished"}, "permissions": {"can-export": True},
        })
        resource_id, type_, path = run.plan_id, "plans", "/api/v2/plans/"
        links = {"self": path + resource_id, "json-output": path + resource_id + "/json-output"}
    else:
        resource_id, type_, path = run.apply_id, "applies", "/api/v2/applies/"
        links = {"self": path + resource_id}
    return {"id": resource_id, "type": type_, "attributes": attributes,
            "relationships": {"state-versions": {"data": []}}, "links": links}


def plan_resource(view: View, run: Run) -> Dict[str, Any]:
    """GET /plans/:id and /runs/:id/plan."""
    return _phase_resource(view, run, "plan")


def apply_resource(view: View, run: Run) -> Dict[str, Any]:
    """GET /applies/:id and /runs/:id/apply."""
    return _phase_resource(view, run, "apply")


def workspace_lock_holder(workspace: Workspace) -> Optional[Run]:
    """The queued run that has left ``pending`` and not ended: it holds the workspace lock."""
    return next((run for run in workspace.open_runs if run.in_queue and run.status != "pending"), None)


def workspace_current_run(workspace: Workspace) -> Optional[Run]:
    """The lock holder, else the newest queued run that ever left pending."""
    holder = workspace_lock_holder(workspace)
    if holder is not None:
        return holder
    return next((run for run in reversed(workspace.runs_in_order()) if run.in_queue and run.status != "pending"), None)


def workspace_resource(view: View, workspace: Workspace) -> Dict[str, Any]:
    """GET /workspaces/:id and /organizations/:org/workspaces/:name."""
    holder = workspace_lock_holder(workspace)
    current = workspace_current_run(workspace)
    latest = workspace.runs_in_order()[-1] if workspace.runs else None
    can_queue = view.principal is not None and view.principal.can_queue
    path = "/api/v2/organizations/%s/workspaces/%s" % (workspace.organization, workspace.name)
    return {
        "id": workspace.id, "type": "workspaces",
        "attributes": {
            "name": workspace.name, "auto-apply": workspace.knobs.auto_apply, "locked": holder is not None,
            "execution-mode": "remote", "operations": True, "queue-all-runs": False,
            "speculative-enabled": True, "terraform-version": workspace.knobs.terraform_version,
            "created-at": iso_ms(workspace.created_at), "updated-at": iso_ms(workspace.created_at),
            "environment": "default", "description": None, "working-directory": None,
            "resource-count": 0, "source": "tfe-api", "allow-destroy-plan": True,
            "actions": {"is-destroyable": True},
            "permissions": {"can-queue-run": can_queue, "can-queue-apply": can_queue,
                            "can-queue-destroy": can_queue, "can-read-settings": True,
                            "can-update": can_queue, "can-lock": can_queue, "can-force-unlock": can_queue},
        },
        "relationships": {
            "organization": _to_one("organizations", workspace.organization),
            "current-run": _to_one("runs", current.id if current else None),
            "latest-run": _to_one("runs", latest.id if latest else None),
            "locked-by": _to_one("runs", holder.id if holder else None),
            "current-configuration-version": _to_one("configuration-versions", workspace.configuration_version_id),
        },
        "links": {"self": path, "self-html": "/app/%s/workspaces/%s" % (workspace.organization, workspace.name)},
    }


def organization_resource(org: Organization) -> Dict[str, Any]:
    """An organization; its id is its name."""
    return {"id": org.name, "type": "organizations",
            "attributes": {"name": org.name, "email": org.email, "external-id": org.external_id,
                           "created-at": iso_ms(org.created_at)},
            "links": {"self": "/api/v2/organizations/" + org.name}}


def user_resource(world: World, user_id: str) -> Dict[str, Any]:
    """The user who created a run."""
    return {"id": user_id, "type": "users", "attributes": {"username": world.users.get(user_id, "unknown")},
            "links": {"self": "/api/v2/users/" + user_id}}


def cost_estimate_resource(run: Run) -> Dict[str, Any]:
    """A cost estimate that follows the run's cost_estimating/cost_estimated states."""
    if "cost_estimated" in run.timestamps:
        status = "finished"
    elif "cost_estimating" in run.timestamps:
        status = "canceled" if run.status in FINAL else "queued"
    else:
        status = "unreachable" if run.status in FINAL else "pending"
    return {"id": run.cost_estimate_id, "type": "cost-estimates",
            "attributes": {"status": status, "delta-monthly-cost": "0.0", "proposed-monthly-cost": "0.0",
                           "prior-monthly-cost": "0.0", "matched-resources-count": 0,
                           "unmatched-resources-count": 0, "resources-count": 0},
            "links": {"self": "/api/v2/cost-estimates/%s" % run.cost_estimate_id}}


def policy_check_status(run: Run) -> str:
    """passed / soft_failed / hard_failed / overridden / pending / queued, from the run's states."""
    reached = run.timestamps
    if "policy_override" in reached:
        return "overridden" if "policy_checked" in reached else "soft_failed"
    if "policy_soft_failed" in reached:
        return "soft_failed"
    if "policy_checked" in reached:
        return "passed"
    if "policy_checking" in reached:
        return "hard_failed" if run.status == "errored" else "queued"
    return "unreachable" if run.status in FINAL else "pending"


def policy_check_resource(run: Run) -> Dict[str, Any]:
    """A policy check whose status and override action follow the run."""
    status = policy_check_status(run)
    return {"id": run.policy_check_id, "type": "policy-checks",
            "attributes": {"status": status, "scope": "organization",
                           "actions": {"is-overridable": status == "soft_failed" and run.status == "policy_override"},
                           "permissions": {"can-override": True}},
            "relationships": {"run": _to_one("runs", run.id)},
            "links": {"self": "/api/v2/policy-checks/%s" % run.policy_check_id}}


def configuration_version_resource(view: View, version: ConfigurationVersion) -> Dict[str, Any]:
    """A configuration version (contract 5.10); ``upload-url`` only while its one upload is still open."""
    base = "/api/v2/configuration-versions/" + version.id
    upload_open = version.status == "pending" and view.world.blob_host.is_open_upload(version.upload_secret)
    ingress = _to_one("ingress-attributes", version.ingress_id, base + "/ingress-attributes")
    return {"id": version.id, "type": "configuration-versions",
            "attributes": {
                "status": version.status, "source": version.source, "speculative": version.speculative,
                "auto-queue-runs": version.auto_queue_runs, "provisional": version.provisional,
                "error": version.error, "error-message": version.error_message,
                "status-timestamps": {status + "-at": rfc3339(at) for status, at in
                                      sorted(version.timestamps.items(), key=lambda item: item[1])},
                "upload-url": blob_url(view.base_url, version.upload_secret or "") if upload_open else None,
                "changed-files": [],
            },
            "relationships": {"ingress-attributes": ingress},
            "links": {"self": base, "download": base + "/download"}}


def ingress_attributes_resource(version: ConfigurationVersion) -> Optional[Dict[str, Any]]:
    """The VCS commit a configuration version came from, if it came from one."""
    if version.ingress is None or version.ingress_id is None:
        return None
    return {"id": version.ingress_id, "type": "ingress-attributes", "attributes": dict(version.ingress),
            "links": {"self": "/api/v2/configuration-versions/%s/ingress-attributes" % version.id}}


class Included:
    """The top-level ``included`` array, without duplicates, in first-seen order."""

    def __init__(self) -> None:
        self._seen: Dict[Tuple[str, str], Dict[str, Any]] = {}

    def add(self, resource: Optional[Dict[str, Any]]) -> None:
        """Add a resource once."""
        if resource is not None:
            self._seen.setdefault((resource["type"], resource["id"]), resource)

    def add_all(self, resources: Iterable[Optional[Dict[str, Any]]]) -> None:
        """Add several resources."""
        for resource in resources:
            self.add(resource)

    def as_list(self) -> List[Dict[str, Any]]:
        """The array to put under ``included``."""
        return list(self._seen.values())
