"""Plan and apply statuses, counts and logs derived from the run (contract 4.4, 5.5, 5.6).

They are never stored: deriving them from the run's status and timestamps is
what keeps them in agreement with the run at every moment.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

from . import plan_log
from .model import Run
from .statuses import FINAL, rank

STX = "\x02"
ETX = "\x03"
_FINISHED_PLAN_FINALS = ("applied", "planned_and_finished", "policy_soft_failed")
_SUB_FINAL = ("finished", "errored", "canceled", "unreachable")


def plan_status(run: Run) -> str:
    """pending / queued / running / finished / errored / canceled / unreachable."""
    status = run.status
    if status not in FINAL:
        if rank(status) >= rank("planned"):
            return "finished"
        return {"plan_queued": "queued", "planning": "running"}.get(status, "pending")
    if "planned" in run.timestamps or status in _FINISHED_PLAN_FINALS:
        return "finished"
    if status == "errored" and "planning" not in run.timestamps:
        return "unreachable"  # the run failed before its plan started (e.g. a pre-plan task stage)
    return {"errored": "errored", "canceled": "canceled", "force_canceled": "canceled"}.get(status, "unreachable")


def apply_status(run: Run) -> str:
    """pending / queued / running / finished / errored / canceled / unreachable."""
    status = run.status
    if status not in FINAL:
        if status == "applying":
            return "running"
        if status.startswith("post_apply"):
            return "finished"
        if status in ("apply_queued", "queuing_apply") or status.startswith("pre_apply"):
            return "queued"
        return "pending"
    if status == "applied":
        return "finished"
    if "confirmed" in run.timestamps or "applying" in run.timestamps:
        return {"errored": "errored", "canceled": "canceled", "force_canceled": "canceled"}.get(status, "unreachable")
    return "unreachable"


def is_done(sub_status: str) -> bool:
    """A plan or apply status after which its log is complete."""
    return sub_status in _SUB_FINAL


def plan_timestamps(run: Run) -> Dict[str, float]:
    """The plan's own status-timestamps, mapped from the run's."""
    stamps = {"pending-at": run.created_at}
    for run_status, key in (("plan_queued", "queued-at"), ("planning", "started-at"), ("planned", "finished-at")):
        if run_status in run.timestamps:
            stamps[key] = run.timestamps[run_status]
    final = plan_status(run)
    if final in ("errored", "canceled"):
        stamps[final + "-at"] = run.updated_at
    return stamps


def apply_timestamps(run: Run) -> Dict[str, float]:
    """The apply's own status-timestamps, mapped from the run's."""
    stamps: Dict[str, float] = {}
    for run_status, key in (("apply_queued", "queued-at"), ("applying", "started-at"), ("applied", "finished-at")):
        if run_status in run.timestamps:
            stamps[key] = run.timestamps[run_status]
    final = apply_status(run)
    if final in ("errored", "canceled"):
        stamps[final + "-at"] = run.updated_at
    return stamps


def counts(run: Run, phase: str) -> Dict[str, Optional[int]]:
    """resource-additions/changes/destructions/imports; null until the phase has finished."""
    finished = (plan_status(run) if phase == "plan" else apply_status(run)) == "finished"
    values: Tuple[Optional[int], ...] = run.counts if finished else (None, None, None, None)
    keys = ("resource-additions", "resource-changes", "resource-destructions", "resource-imports")
    return dict(zip(keys, values))


def _plan_lines(run: Run, status: str) -> str:
    if status == "errored":
        return "\n".join(plan_log.filler(run, "Refreshing state...") + [""]) + plan_log.error_body(
            "simulated plan failure (the workspace's plan_error knob is set)")
    return plan_log.plan_body(run)


def _apply_lines(run: Run, status: str) -> str:
    if status == "errored":
        return "\n".join(plan_log.filler(run, "Still creating...") + [""]) + plan_log.error_body(
            "simulated apply failure (the workspace's apply_error knob is set)")
    return plan_log.apply_body(run)


def log_text(run: Run, phase: str) -> str:
    """The phase's log as go-tfe's log reader expects it: STX, text, and ETX once the phase is done."""
    status = plan_status(run) if phase == "plan" else apply_status(run)
    text = STX + "Terraform v%s\non linux_amd64\n" % run.attributes["terraform-version"]
    if status in ("pending", "unreachable"):
        return STX + (ETX if status == "unreachable" else "")
    if status in ("finished", "errored"):
        text += (_plan_lines if phase == "plan" else _apply_lines)(run, status)
    elif status == "canceled":
        text += "Interrupt received. Gracefully shutting down...\n"
    return text + (ETX if is_done(status) else "")
