"""Run status vocabulary and the tables the lifecycle and the serializers share
(contract sections 4.1, 4.4 and 10). Statuses are data here, not scattered literals."""
from __future__ import annotations

from typing import Dict

# Non-final statuses in canonical stage order (contract 4.2). The position is the
# status's rank: moving a run to a status continues with the path's later steps. A task
# stage waiting for an override sits between its running and completed states.
ORDER = (
    "pending", "fetching", "fetching_completed", "pre_plan_running", "pre_plan_awaiting_decision",
    "pre_plan_completed", "queuing", "plan_queued", "planning", "planned", "post_plan_running",
    "post_plan_awaiting_decision", "post_plan_completed",
    "cost_estimating", "cost_estimated", "policy_checking", "policy_override", "policy_checked",
    "planned_and_saved", "confirmed", "pre_apply_running", "pre_apply_completed", "queuing_apply",
    "apply_queued", "applying", "post_apply_running", "post_apply_completed",
)
FINAL = frozenset({
    "applied", "planned_and_finished", "discarded", "errored", "canceled", "force_canceled",
    "policy_soft_failed",
})
KNOWN = frozenset(ORDER) | FINAL
_RANK: Dict[str, int] = {status: index for index, status in enumerate(ORDER)}
_FINAL_RANK = len(ORDER)

# Paused states in which a confirmation (apply) is possible (contract 5.9).
CONFIRMABLE = frozenset({"planned", "post_plan_completed", "cost_estimated", "policy_checked", "planned_and_saved"})
# filter[status_group]=discardable (contract 4.1).
DISCARDABLE_GROUP = frozenset({
    "planned", "planned_and_saved", "cost_estimated", "policy_checked", "policy_override",
    "post_plan_running", "post_plan_completed",
})
# "pending, queued, planning and applying states" (contract 10).
CANCELABLE = frozenset({
    "pending", "fetching", "queuing", "plan_queued", "planning", "confirmed", "queuing_apply",
    "apply_queued", "applying",
})
# States in which a Terraform process works; a stuck or cancel-ignoring run keeps
# running there after a normal cancel, which is what makes force-cancel necessary.
WORKING = frozenset({
    "planning", "applying", "cost_estimating", "policy_checking", "pre_plan_running",
    "post_plan_running", "pre_apply_running", "post_apply_running",
})
APPLY_PHASE = frozenset(ORDER[ORDER.index("confirmed"):]) | {"applied"}

# The keys the admin listing's meta.status-counts always carries (contract 6.1).
ADMIN_COUNT_KEYS = (
    "pending", "planning", "planned", "confirmed", "applying", "applied", "discarded", "errored",
    "canceled", "policy_checking", "policy_override", "policy_checked",
)

# filter[operation] names (contract 5.3).
OPERATIONS = frozenset({
    "plan_only", "plan_and_apply", "save_plan", "refresh_only", "destroy", "empty_apply", "action_only",
})


def rank(status: str) -> int:
    """Position in the canonical order; final statuses sort after every other."""
    return _RANK.get(status, _FINAL_RANK)


def timestamp_key(status: str) -> str:
    """The status-timestamps key for a status; ``pending`` is recorded as ``plan-queueable-at``."""
    if status == "pending":
        return "plan-queueable-at"
    return status.replace("_", "-") + "-at"


def status_group_matches(group: str, status: str) -> bool:
    """filter[status_group]: ``final``, ``non_final`` or ``discardable``; unknown groups match nothing."""
    if group == "final":
        return status in FINAL
    if group == "non_final":
        return status not in FINAL
    if group == "discardable":
        return status in DISCARDABLE_GROUP
    return False
