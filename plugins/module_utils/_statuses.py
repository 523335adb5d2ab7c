# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: what a run's status and actions mean. The one place that reads them.

Statuses are data (one table), never literals scattered through the modules. Whether a run waits
for confirmation is read from ``actions.is-confirmable``, never guessed from its status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

MOVING = None
SUCCESS = "success"
FAILURE = "failure"


@dataclass(frozen=True)
class StatusInfo:
    """What one run status means for a client.

    ``final`` is None (still moving), "success" or "failure". ``human_gate``: the run waits for a
    person (an override or a decision), not for TFE. ``apply_phase``: the plan was confirmed.
    ``may_await_confirmation``: a plan-side state where a run *can* pause for confirmation; whether it
    does is only ever read from ``actions.is-confirmable``.
    """

    final: Optional[str] = MOVING
    human_gate: bool = False
    apply_phase: bool = False
    may_await_confirmation: bool = False


_MOVING = StatusInfo()
_GATE = StatusInfo(human_gate=True)
_PAUSE_POINT = StatusInfo(may_await_confirmation=True)
_APPLYING = StatusInfo(apply_phase=True)

# Every status of the contract's vocabulary (reference section 4.1). Statuses TFE adds later are
# treated as "still moving" by status_info(), never as an error.
STATUSES: Dict[str, StatusInfo] = {
    "pending": _MOVING,
    "fetching": _MOVING,
    "fetching_completed": _MOVING,
    "pre_plan_running": _MOVING,
    "pre_plan_completed": _MOVING,
    "pre_plan_awaiting_decision": _GATE,
    "queuing": _MOVING,
    "plan_queued": _MOVING,
    "planning": _MOVING,
    "planned": _PAUSE_POINT,
    "tf_policy_checked": _PAUSE_POINT,
    "tf_policy_override": _GATE,
    "post_plan_running": _MOVING,
    "post_plan_completed": _PAUSE_POINT,
    "post_plan_awaiting_decision": _GATE,
    "cost_estimating": _MOVING,
    "cost_estimated": _PAUSE_POINT,
    "policy_checking": _MOVING,
    "policy_override": _GATE,
    "policy_checked": _PAUSE_POINT,
    "policy_soft_failed": StatusInfo(final=FAILURE),
    "planned_and_saved": _GATE,
    "confirmed": _APPLYING,
    "pre_apply_running": _APPLYING,
    "pre_apply_completed": _APPLYING,
    "queuing_apply": _APPLYING,
    "apply_queued": _APPLYING,
    "applying": _APPLYING,
    "post_apply_running": _APPLYING,
    "post_apply_completed": _APPLYING,
    "applied": StatusInfo(final=SUCCESS, apply_phase=True),
    "planned_and_finished": StatusInfo(final=SUCCESS),
    "discarded": StatusInfo(final=FAILURE),
    "errored": StatusInfo(final=FAILURE),
    "canceled": StatusInfo(final=FAILURE),
    "force_canceled": StatusInfo(final=FAILURE),
    "assessing": _MOVING,
    "assessed": StatusInfo(final=SUCCESS),
}

# The statuses the admin API accepts in filter[status] (reference section 6.1, current generation).
ADMIN_FILTER_STATUSES = (
    "pending", "plan_queued", "planning", "planned", "confirmed", "apply_queued", "applying", "applied",
    "discarded", "errored", "canceled", "cost_estimating", "cost_estimated", "policy_checking",
    "policy_override", "policy_soft_failed", "policy_checked", "planned_and_finished",
)

# filter[status_group] of the run lists (reference section 4.1): the group names and what each holds.
STATUS_GROUPS = ("non_final", "final", "discardable")
DISCARDABLE_STATUSES = frozenset(("planned", "planned_and_saved", "cost_estimated", "policy_checked",
                                  "policy_override", "post_plan_running", "post_plan_completed"))


def status_info(status: Optional[str]) -> StatusInfo:
    """The meaning of ``status``; unknown statuses are still moving, except any ``*_awaiting_decision``."""
    known = STATUSES.get(status or "")
    if known is not None:
        return known
    if (status or "").endswith("_awaiting_decision"):
        return _GATE
    return _MOVING


def run_status(run: Dict[str, Any]) -> str:
    return str((run.get("attributes") or {}).get("status") or "")


def is_final(run: Dict[str, Any]) -> bool:
    return status_info(run_status(run)).final is not None


def in_status_group(run: Dict[str, Any], group: str) -> bool:
    """Whether the run belongs to a ``filter[status_group]`` group (``non_final``, ``final``, ``discardable``)."""
    if group == "discardable":
        return run_status(run) in DISCARDABLE_STATUSES
    return is_final(run) == (group == "final")


def is_final_success(run: Dict[str, Any]) -> bool:
    return status_info(run_status(run)).final == SUCCESS


def run_action(run: Dict[str, Any], name: str) -> bool:
    """``actions.<name>`` of a run (``is-confirmable``, ``is-discardable`` ...), False when absent."""
    return bool(((run.get("attributes") or {}).get("actions") or {}).get(name))


def is_confirmable(run: Dict[str, Any]) -> bool:
    """Waiting for confirmation: read from the API's own verdict, never guessed from the status."""
    return run_action(run, "is-confirmable")


def plan_settled(run: Dict[str, Any]) -> bool:
    """The plan side is over: final, waiting for a confirmation or a person, or already applying."""
    info = status_info(run_status(run))
    return info.final is not None or info.human_gate or info.apply_phase or is_confirmable(run)


def attribute(run: Dict[str, Any], name: str) -> Any:
    """A run attribute by its API name (``auto-apply``, ``plan-only`` ...), None when absent."""
    return (run.get("attributes") or {}).get(name)


def is_failure(run: Dict[str, Any]) -> bool:
    """Final, and not as the run was meant to end (errored, canceled, discarded, soft-failed)."""
    return status_info(run_status(run)).final == FAILURE


def is_plan_only(run: Dict[str, Any]) -> bool:
    return bool(attribute(run, "plan-only"))


def status_timestamp(run: Dict[str, Any], key: str) -> Optional[str]:
    """``status-timestamps.<key>`` (``canceled-at``, ``planned-at`` ...), None when not reached."""
    return (attribute(run, "status-timestamps") or {}).get(key)


def cancel_was_sent(run: Dict[str, Any]) -> bool:
    """Whether someone already asked this run to cancel.

    TFE shows it by ``force-cancel-available-at`` (set by a normal cancel) or a cancel timestamp;
    ``is-force-cancelable`` alone is no proof: some servers show it on runs nobody canceled.
    """
    return bool(attribute(run, "force-cancel-available-at") or attribute(run, "canceled-at")
                or status_timestamp(run, "canceled-at"))


# The advice layer 3 appends to a failure, by the kind of gate a run waits at.
CONFIRM_OR_DISCARD = "confirm_or_discard"
OVERRIDE_OR_DISCARD = "override_or_discard"
DECIDE_TASK_STAGE = "decide_task_stage"


def waiting_reason(run: Dict[str, Any]) -> Tuple[str, Optional[str]]:
    """Why a run that is not final does not move on by itself, and the next step that would move it."""
    status = run_status(run)
    if is_confirmable(run):
        return "it is waiting for confirmation", CONFIRM_OR_DISCARD
    if status in ("policy_override", "tf_policy_override"):
        return "a soft-mandatory policy failed and waits for an override", OVERRIDE_OR_DISCARD
    if status == "planned_and_saved":
        return "it is a saved plan waiting to be applied or discarded", CONFIRM_OR_DISCARD
    if status.endswith("_awaiting_decision"):
        return "a run task stage waits for an override decision in TFE", DECIDE_TASK_STAGE
    if status == "pending":
        return "it is queued behind other runs of the workspace", None
    return "it is still {0}".format(status or "in an unknown state"), None
