"""Task stages and policy evaluations (contract 4.4, 5.9; go-tfe task_stages.go, policy_evaluation.go):
their statuses, derived from where the run is, their documents, and the override.

A stage is ``pending`` until the run enters ``<stage>_running``, ``running`` there,
``awaiting_override`` while the run waits in ``<stage>_awaiting_decision``, then ``passed``
(also after an override) or ``failed`` (an advisory failure lets the run go on; a mandatory
one ends it ``errored``). A stage the run never reached is ``unreachable`` once the run has
ended; one the run left early is ``canceled`` (or ``errored`` if the run errored elsewhere).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from . import lifecycle
from .errors import ApiError, not_found
from .ids import new_id
from .model import Run, TaskStage, World
from .serializers import View
from .statuses import FINAL
from .timefmt import iso_ms, rfc3339

OVERRIDE_GATE = "stage_override"


def find_stage(world: World, stage_id: str) -> TaskStage:
    """A stage by ID (the caller checks visibility through its run)."""
    run = world.runs_by_subresource.get(stage_id)
    stage = next((item for item in run.task_stages if item.id == stage_id), None) if run else None
    if stage is None:
        raise not_found("task stage %s not found" % stage_id)
    return stage


def stage_status(run: Run, stage: TaskStage) -> str:
    """pending / running / awaiting_override / passed / failed / errored / canceled / unreachable."""
    reached = run.timestamps
    if stage.stage + "_completed" in reached:
        return "failed" if stage.outcome == "failed" else "passed"
    if run.status == stage.stage + "_awaiting_decision":
        return "awaiting_override"
    if run.status == stage.stage + "_running":
        return "running"
    if stage.stage + "_running" in reached:
        if run.status == "errored":
            return "failed" if stage.outcome == "failed" else "errored"
        return "canceled" if run.status in FINAL else "running"
    return "unreachable" if run.status in FINAL else "pending"


def _stage_timestamps(run: Run, stage: TaskStage, status: str) -> Dict[str, str]:
    stamps: Dict[str, float] = {}
    if stage.stage + "_running" in run.timestamps:
        stamps["running-at"] = run.timestamps[stage.stage + "_running"]
    ended = run.timestamps.get(stage.stage + "_completed", run.updated_at)
    if status in ("passed", "failed", "errored", "canceled"):
        stamps[status + "-at"] = ended
    return {key: rfc3339(at) for key, at in stamps.items()}


def is_overridable(run: Run, stage: TaskStage) -> bool:
    """Only a stage waiting for a decision can be overridden; a mandatory failure cannot."""
    return stage_status(run, stage) == "awaiting_override"


def stage_resource(view: View, run: Run, stage: TaskStage) -> Dict[str, Any]:
    """A ``task-stages`` document."""
    status = stage_status(run, stage)
    may_act = view.principal is not None and view.principal.can_queue
    evaluations = [{"id": stage.policy_evaluation_id, "type": "policy-evaluations"}] if stage.policy_evaluation_id else []
    return {
        "id": stage.id, "type": "task-stages",
        "attributes": {
            "stage": stage.stage, "status": status, "status-timestamps": _stage_timestamps(run, stage, status),
            "created-at": iso_ms(run.created_at), "updated-at": iso_ms(run.updated_at),
            "actions": {"is-overridable": is_overridable(run, stage)},
            "permissions": {"can-override-policy": may_act, "can-override-tasks": may_act, "can-override": may_act},
        },
        "relationships": {
            "run": {"data": {"id": run.id, "type": "runs"}},
            "task-results": {"data": []},
            "policy-evaluations": {"data": evaluations},
        },
        "links": {"self": "/api/v2/task-stages/" + stage.id},
    }


def evaluation_status(run: Run, stage: TaskStage) -> str:
    """A policy evaluation's status follows its stage: ``overridden`` once someone overrode it."""
    status = stage_status(run, stage)
    if status == "passed" and stage.overridden_at is not None:
        return "overridden"
    if status == "awaiting_override":
        return "failed"
    return {"pending": "pending", "running": "running", "passed": "passed", "failed": "failed",
            "canceled": "canceled", "errored": "errored"}.get(status, "unreachable")


def _result_count(stage: TaskStage, status: str) -> Dict[str, int]:
    failed = status in ("failed", "overridden")
    return {"advisory-failed": int(failed and stage.policy_outcome == "soft_fail"),
            "mandatory-failed": int(failed and stage.policy_outcome == "hard_fail"),
            "passed": int(status == "passed"), "errored": int(status == "errored")}


def evaluation_resource(run: Run, stage: TaskStage) -> Optional[Dict[str, Any]]:
    """The ``policy-evaluations`` document of a stage that holds one."""
    if stage.policy_evaluation_id is None:
        return None
    status = evaluation_status(run, stage)
    return {
        "id": stage.policy_evaluation_id, "type": "policy-evaluations",
        "attributes": {"status": status, "policy-kind": "opa", "result-count": _result_count(stage, status),
                       "status-timestamps": _stage_timestamps(run, stage, stage_status(run, stage)),
                       "created-at": iso_ms(run.created_at), "updated-at": iso_ms(run.updated_at)},
        "relationships": {"policy-attachable": {"data": {"id": stage.id, "type": "task-stages"}}},
        "links": {"self": "/api/v2/policy-evaluations/" + stage.policy_evaluation_id},
    }


def override(run: Run, stage: TaskStage, now: float, comment: Optional[str]) -> None:
    """``POST /task-stages/:id/actions/override``: the stage passes and the run goes on; 409 unless it
    is waiting for a decision (a mandatory failure, a passed or a pending stage cannot be overridden)."""
    if not is_overridable(run, stage):
        raise ApiError(409, "The task stage is not awaiting an override.")
    lifecycle.release(run, OVERRIDE_GATE, now)
    stage.overridden_at, stage.override_comment = now, comment
    if comment:
        run.comments.append((new_id("wsc"), comment))


def stages_of(view: View, run: Run) -> List[Dict[str, Any]]:
    """Every stage document of a run (for ``include=task_stages`` and the run's stage list)."""
    return [stage_resource(view, run, stage) for stage in run.task_stages]
