"""Run lifecycles (contract 4.2, 4.3, 5.9): the path a scenario gives a run, the
lazy time-driven progress along it, the workspace queue, and the human actions.

A run's status is never advanced by a background thread. Whenever a request
reads a workspace's runs, :func:`settle` replays every transition that has come
due on the simulator clock, in time order, so the result is the same however
often (or rarely) a client polls, and a test moves runs forward by advancing the
clock.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import plan_changes
from .errors import ApiError, unprocessable
from .ids import new_id
from .model import Run, Step, TaskStage, Workspace, World
from .knobs import WorkspaceKnobs
from .stage_plan import plan_stages, stage_steps, uses_policy_evaluations
from .statuses import CANCELABLE, CONFIRMABLE, DISCARDABLE_GROUP, FINAL, KNOWN, WORKING, rank

DEFAULT_MESSAGE = "Queued manually via the Terraform Enterprise API"


def run_attributes(knobs: WorkspaceKnobs, requested: Mapping[str, Any]) -> Dict[str, Any]:
    """The run's attributes: what the request asked, else the workspace's or the API's default."""
    attributes: Dict[str, Any] = {
        "message": DEFAULT_MESSAGE, "is-destroy": False, "refresh": True, "refresh-only": False,
        "plan-only": knobs.plan_only, "save-plan": knobs.save_plan, "auto-apply": knobs.auto_apply,
        "allow-empty-apply": False, "allow-config-generation": False, "debugging-mode": False,
        "variables": [], "target-addrs": None, "replace-addrs": None, "policy-paths": None,
        "invoke-action-addrs": None, "terraform-version": knobs.terraform_version,
        "source": "tfe-api", "trigger-reason": "manual",
    }
    attributes.update(requested)
    return attributes


def operation(run: Run) -> str:
    """The run's filter[operation] name (contract 5.3)."""
    attributes = run.attributes
    if attributes["plan-only"]:
        return "plan_only"
    if attributes["save-plan"]:
        return "save_plan"
    if attributes["refresh-only"]:
        return "refresh_only"
    if attributes["is-destroy"]:
        return "destroy"
    if attributes["invoke-action-addrs"]:
        return "action_only"
    if attributes["allow-empty-apply"]:
        return "empty_apply"
    return "plan_and_apply"


def _apply_steps(knobs: WorkspaceKnobs, gate: Optional[str]) -> List[Step]:
    return [Step("confirmed", gate), Step("apply_queued"), Step("applying"),
            Step("errored" if knobs.apply_error else "applied")]


def build_path(attributes: Mapping[str, Any], knobs: WorkspaceKnobs,
               stages: Sequence[TaskStage] = ()) -> List[Step]:
    """Every status a run will pass through under its scenario (contract 4.3), task stages included."""
    pre_plan, ended = stage_steps(stages, "pre_plan")
    steps = [Step("pending")] + pre_plan
    if ended:
        return steps
    steps += [Step("plan_queued"), Step("planning")]
    if knobs.plan_error:
        return steps + [Step("errored")]
    steps.append(Step("planned"))
    post_plan, ended = stage_steps(stages, "post_plan")
    steps += post_plan
    if ended:
        return steps
    if knobs.cost_estimation and not attributes["target-addrs"]:
        steps += [Step("cost_estimating"), Step("cost_estimated")]
    if knobs.policy != "none" and not uses_policy_evaluations(knobs):
        steps.append(Step("policy_checking"))
        if knobs.policy == "hard_fail":
            return steps + [Step("errored")]
        if knobs.policy == "soft_fail":
            if attributes["plan-only"]:
                return steps + [Step("policy_soft_failed")]
            steps += [Step("policy_override"), Step("policy_checked", "override")]
        else:
            steps.append(Step("policy_checked"))
    if attributes["plan-only"]:
        return steps + [Step("planned_and_finished")]
    if attributes["save-plan"]:
        return steps + [Step("planned_and_saved")] + _apply_steps(knobs, "confirm")
    if not (knobs.has_changes or attributes["allow-empty-apply"]):
        return steps + [Step("planned_and_finished")]
    return steps + _apply_steps(knobs, None if attributes["auto-apply"] else "confirm")


def create_run(world: World, workspace: Workspace, attributes: Dict[str, Any], now: float,
               created_by: Optional[str] = None, configuration_version_id: Optional[str] = None) -> Run:
    """Register a new ``pending`` run whose scenario is the workspace's knobs right now."""
    knobs = workspace.knobs
    if not knobs.has_changes:
        counts = (0, 0, 0, 0)
    elif attributes["is-destroy"]:
        counts = (0, 0, max(knobs.resource_destructions, 1), 0)
    elif knobs.plan_changes is not None:
        counts = plan_changes.counts_of(knobs.plan_changes)
    else:
        counts = (knobs.resource_additions, knobs.resource_changes, knobs.resource_destructions, knobs.resource_imports)
    stages = plan_stages(knobs, attributes)
    path = build_path(attributes, knobs, stages)
    world.run_seq += 1
    run = Run(
        id=new_id("run"), workspace=workspace, created_at=now, seq=world.run_seq, attributes=attributes,
        has_changes_planned=knobs.has_changes, counts=counts, path=path, next_steps=path[1:],
        entered_at=now, timestamps={"pending": now}, updated_at=now, created_by=created_by,
        configuration_version_id=configuration_version_id or workspace.configuration_version_id,
        cost_estimate_id=new_id("ce") if any(step.status == "cost_estimating" for step in path) else None,
        policy_check_id=new_id("polchk") if knobs.policy != "none" and not uses_policy_evaluations(knobs) else None,
        task_stages=stages, plan_changes=plan_changes.snapshot(knobs.plan_changes), log_lines=knobs.log_lines,
    )
    world.runs[run.id] = run
    world.runs_by_plan[run.plan_id] = run
    world.runs_by_apply[run.apply_id] = run
    sub_ids = [run.cost_estimate_id, run.policy_check_id]
    sub_ids += [sub_id for stage in stages for sub_id in (stage.id, stage.policy_evaluation_id)]
    for sub_id in sub_ids:
        if sub_id:
            world.runs_by_subresource[sub_id] = run
    if workspace.runs and workspace.runs[-1].created_at > now:
        workspace.runs_sorted = workspace.open_runs_sorted = False
    workspace.runs.append(run)
    workspace.open_runs.append(run)
    return run


# --- derived flags (contract 3.1 actions, 10) -------------------------------------------------

def is_paused(run: Run) -> bool:
    """Waiting for a human: the next step is gated, or the path has ended short of a final status."""
    return run.status not in FINAL and (not run.next_steps or run.next_steps[0].gate is not None)


def is_confirmable(run: Run) -> bool:
    """Paused for confirmation after the plan; plan-only runs never are."""
    return (is_paused(run) and bool(run.next_steps) and run.next_steps[0].gate == "confirm"
            and run.status in CONFIRMABLE)


def is_discardable(run: Run) -> bool:
    """Pending, or paused in a discardable state (contract 5.9 discard)."""
    if run.status == "pending":
        return True
    return run.status in DISCARDABLE_GROUP and is_paused(run)


def is_cancelable(run: Run) -> bool:
    """Pending, queued, planning or applying, and not already asked to cancel."""
    return run.status in CANCELABLE and run.cancel_requested_at is None


def is_force_cancelable(run: Run, now: float) -> bool:
    """Only after a normal cancel and its cool-off, and only while the run still has not ended."""
    return (run.status not in FINAL and run.force_cancel_available_at is not None
            and now >= run.force_cancel_available_at)


def queue_position(run: Run) -> int:
    """How many queued runs wait ahead of a pending run in its workspace (0 when not waiting)."""
    if run.status != "pending" or not run.in_queue:
        return 0
    _sort_open(run.workspace)
    ahead = 0
    for other in run.workspace.open_runs:
        if other is run:
            break
        ahead += other.in_queue
    return ahead


# --- time-driven progress ---------------------------------------------------------------------

def _sort_open(workspace: Workspace) -> None:
    if not workspace.open_runs_sorted:
        workspace.open_runs.sort(key=lambda run: (run.created_at, run.seq))
        workspace.open_runs_sorted = True


def _due(run: Run, workspace: Workspace, head: Optional[Run]) -> Optional[float]:
    """When the run leaves its status by itself, or None if it waits for a human or is stuck."""
    knobs = workspace.knobs
    if (not run.next_steps or run.next_steps[0].gate is not None or run.stuck
            or run.cancel_requested_at is not None or knobs.stuck_status == run.status):
        return None
    due = run.entered_at + knobs.duration(run.status)
    if run.status == "pending" and run.in_queue:
        if run is not head:
            return None  # the workspace is locked by an earlier run
        due = max(due, workspace.released_at)
    return due


def settle(workspace: Workspace, now: float) -> None:
    """Replay, in time order, every transition of the workspace's runs (and timer) due by ``now``."""
    if not workspace.open_runs and not workspace.timers:
        return
    _sort_open(workspace)
    while True:
        head = next((run for run in workspace.open_runs if run.in_queue), None)
        chosen, chosen_at = None, 0.0
        for run in workspace.open_runs:
            due = _due(run, workspace, head)
            if due is not None and due <= now and (chosen is None or due < chosen_at):
                chosen, chosen_at = run, due
        timer = min(workspace.timers, key=lambda item: item[0], default=None)
        if timer is not None and timer[0] <= now and (chosen is None or timer[0] <= chosen_at):
            workspace.timers.remove(timer)
            timer[1](timer[0])  # e.g. an upload finishes and queues its run, which then moves on too
            continue
        if chosen is None:
            return
        _enter(chosen, chosen.next_steps.pop(0).status, chosen_at)


def settle_all(world: World, now: float) -> None:
    """Settle every workspace (admin listings span the installation)."""
    for workspace in world.workspaces.values():
        settle(workspace, now)


def _remove_open(run: Run) -> None:
    """Drop a run from its workspace's open runs; searching from the end, where new runs are."""
    open_runs = run.workspace.open_runs
    for index in range(len(open_runs) - 1, -1, -1):
        if open_runs[index] is run:
            del open_runs[index]
            return


def _enter(run: Run, status: str, at: float) -> None:
    """Record that the run entered ``status`` at ``at``; ``open_runs`` holds exactly the non-final runs."""
    run.entered_at = at
    run.updated_at = at
    run.timestamps[status] = at
    was_open = run.status not in FINAL
    run.status = status
    if status in FINAL:
        run.next_steps = []
        if was_open:
            _remove_open(run)
            if run.in_queue:
                run.workspace.released_at = max(run.workspace.released_at, at)


def _tail_after(run: Run, status: str) -> List[Step]:
    """The rest of the run's path after ``status`` (by canonical stage order)."""
    if status in FINAL:
        return []
    if status == "policy_override":
        return [Step("policy_checked", "override")] + _tail_after(run, "policy_checked")
    return [step for step in run.path if rank(step.status) > rank(status)]


def move(run: Run, status: str, at: float, stuck: Optional[bool] = None) -> None:
    """Control: put a run into any status; it then continues along its path from there."""
    if status not in KNOWN:
        raise unprocessable("unknown run status %r" % status)
    workspace = run.workspace
    if status not in FINAL and run.status in FINAL:
        workspace.open_runs.append(run)
        workspace.open_runs_sorted = False
    run.next_steps = _tail_after(run, status)
    _enter(run, status, at)
    if stuck is not None:
        run.stuck = stuck


def place_historical(run: Run, status: str, phase_seconds: float) -> None:
    """Seeding: give a run created in the past the timestamps of the steps it went through."""
    statuses = [step.status for step in run.path]
    reached = statuses[:statuses.index(status) + 1] if status in statuses else ["pending", status]
    for index, reached_status in enumerate(reached[:-1]):
        run.timestamps[reached_status] = run.created_at + index * phase_seconds
    move(run, status, run.created_at + (len(reached) - 1) * phase_seconds)


# --- actions (contract 5.9, 6) ----------------------------------------------------------------

def _comment(run: Run, comment: Optional[str]) -> None:
    if comment:
        run.comments.append((new_id("wsc"), comment))


def apply(run: Run, now: float, comment: Optional[str] = None) -> None:
    """Confirm a paused run; it enters ``confirmed`` before the 202 goes out."""
    if not is_confirmable(run):
        raise ApiError(409)
    _comment(run, comment)
    run.stuck = False  # a seeded paused run that someone applies goes on to apply
    _enter(run, run.next_steps.pop(0).status, now)


def discard(run: Run, now: float, comment: Optional[str] = None) -> None:
    """Discard a pending or paused run."""
    if not is_discardable(run):
        raise ApiError(409, "Run was not paused for confirmation or priority; discard not allowed.")
    _comment(run, comment)
    _enter(run, "discarded", now)


def cancel(run: Run, now: float, comment: Optional[str] = None) -> None:
    """Cancel; a stuck or cancel-ignoring run keeps its working status and needs a force-cancel."""
    if not is_cancelable(run):
        raise ApiError(409, "Run was not planning or applying; cancel not allowed.")
    _comment(run, comment)
    knobs = run.workspace.knobs
    run.cancel_requested_at = now
    run.force_cancel_available_at = now + knobs.force_cancel_cooloff_seconds
    hung = run.stuck or knobs.ignore_cancel or knobs.stuck_status == run.status
    if not (hung and run.status in WORKING):
        _enter(run, "canceled", now)


def _end_by_force(run: Run, now: float, final_status: str) -> None:
    run.timestamps["force_canceled"] = now
    _enter(run, final_status, now)


def force_cancel(run: Run, now: float, final_status: str, comment: Optional[str] = None) -> None:
    """Force-cancel after a cancel and its cool-off; ends the run and unlocks the workspace."""
    if not is_force_cancelable(run, now):
        raise ApiError(409, "The run was not canceled non-forcefully first, or the cool-off period has not passed.")
    _comment(run, comment)
    _end_by_force(run, now, final_status)


def force_execute(run: Run, now: float) -> None:
    """Run a pending run now: discard or cancel every earlier unfinished run holding the queue."""
    if run.status != "pending" or not run.in_queue:
        raise ApiError(403, "Run is not pending.")
    workspace = run.workspace
    _sort_open(workspace)
    earlier = [other for other in workspace.open_runs if other.in_queue and other is not run
               and (other.created_at, other.seq) < (run.created_at, run.seq)]
    locker = next((other for other in earlier if other.status != "pending"), None)
    if locker is None:
        raise ApiError(403, "The workspace is not locked by another run.")
    if not is_discardable(locker):
        raise ApiError(409, "The run locking the workspace is not discardable.")
    for other in earlier:
        _enter(other, "discarded" if is_discardable(other) else "canceled", now)


def release(run: Run, gate: str, now: float) -> None:
    """Let a run paused before a ``gate`` step go on (someone overrode a task stage); 409 otherwise."""
    if not (is_paused(run) and run.next_steps and run.next_steps[0].gate == gate):
        raise ApiError(409, "The run is not waiting for this override.")
    run.stuck = False  # a seeded paused run that someone overrides goes on like any other
    _enter(run, run.next_steps.pop(0).status, now)


def override_policy(run: Run, now: float) -> None:
    """Override a soft-failed policy check: ``policy_override`` -> ``policy_checked``."""
    if run.status != "policy_override" or not run.next_steps or run.next_steps[0].gate != "override":
        raise ApiError(409, "The policy check is not awaiting an override.")
    run.stuck = False
    _enter(run, run.next_steps.pop(0).status, now)


def admin_force_cancel(run: Run, now: float, final_status: str, comment: Optional[str] = None) -> None:
    """Admin force-cancel (current TFE): any unfinished run ends at once."""
    if run.status in FINAL:
        raise ApiError(409, "The run has already finished.")
    _comment(run, comment)
    _end_by_force(run, now, final_status)


def admin_cancel(run: Run, now: float) -> None:
    """The 2018 admin cancel: the run is forced into ``errored``."""
    if run.status in FINAL:
        raise ApiError(409, "The run has already finished.")
    _enter(run, "errored", now)
