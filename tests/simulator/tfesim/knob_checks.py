"""Checks of the structured workspace knobs (task stages, plan changes, uploads) and their vocabularies.

Kept apart from knobs.py so that knobs.py stays a flat table of fields, and free of imports
from the model, which the modules using these vocabularies (plan_changes, task_stages) need.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from .errors import unprocessable

TASK_STAGE_NAMES = ("pre_plan", "post_plan")
TASK_STAGE_OUTCOMES = ("passed", "failed", "awaiting_decision")
ENFORCEMENT_LEVELS = ("mandatory", "advisory")
POLICY_GENERATIONS = ("policy_checks", "policy_evaluations")
# The action lists a Terraform JSON plan uses (contract 5.5; Terraform's JSON output format).
PLAN_ACTIONS = (("no-op",), ("create",), ("read",), ("update",), ("delete",), ("delete", "create"),
                ("create", "delete"))
PLAN_CHANGE_KEYS = frozenset({
    "address", "module_address", "mode", "type", "name", "index", "provider_name", "actions", "action_reason",
    "importing", "before", "after", "after_unknown", "before_sensitive", "after_sensitive",
})


def task_stage_specs(value: Any) -> List[Dict[str, str]]:
    """The ``task_stage`` knob as a list of ``{stage, outcome, enforcement}`` (one dict or a list of them)."""
    if value is None:
        return []
    entries = [value] if isinstance(value, Mapping) else value
    if not isinstance(entries, list):
        raise unprocessable("task_stage must be an object or a list of objects")
    specs = [_task_stage_spec(entry) for entry in entries]
    stages = [spec["stage"] for spec in specs]
    if len(set(stages)) != len(stages):
        raise unprocessable("task_stage names each stage at most once")
    return specs


def _task_stage_spec(entry: Any) -> Dict[str, str]:
    if not isinstance(entry, Mapping):
        raise unprocessable("each task_stage entry must be an object with stage and outcome")
    unknown = set(entry) - {"stage", "outcome", "enforcement"}
    if unknown:
        raise unprocessable("task_stage: unknown keys %s" % ", ".join(sorted(unknown)))
    spec = {"stage": entry.get("stage"), "outcome": entry.get("outcome", "passed"),
            "enforcement": entry.get("enforcement", "mandatory")}
    _one_of("task_stage stage", spec["stage"], TASK_STAGE_NAMES)
    _one_of("task_stage outcome", spec["outcome"], TASK_STAGE_OUTCOMES)
    _one_of("task_stage enforcement", spec["enforcement"], ENFORCEMENT_LEVELS)
    return spec


def check_plan_changes(value: Optional[Sequence[Any]]) -> None:
    """Each ``plan_changes`` entry names its resource and uses a Terraform action list."""
    if value is None:
        return
    for index, entry in enumerate(value):
        where = "plan_changes[%d]" % index
        if not isinstance(entry, Mapping):
            raise unprocessable("%s must be an object" % where)
        unknown = set(entry) - PLAN_CHANGE_KEYS
        if unknown:
            raise unprocessable("%s: unknown keys %s" % (where, ", ".join(sorted(unknown))))
        if not isinstance(entry.get("address"), str) and not (
                isinstance(entry.get("type"), str) and isinstance(entry.get("name"), str)):
            raise unprocessable("%s needs an address, or a type and a name" % where)
        for side in ("before", "after"):
            if entry.get(side) is not None and not isinstance(entry[side], Mapping):
                raise unprocessable("%s: %s must be an object of attribute values (or null)" % (where, side))
        actions = entry.get("actions", ["create"])
        if not isinstance(actions, list) or tuple(actions) not in PLAN_ACTIONS:
            raise unprocessable("%s: actions must be one of %s" % (
                where, ", ".join(str(list(item)) for item in PLAN_ACTIONS)))


def check_upload_error(value: Optional[str]) -> None:
    """An upload error needs a message to show as the version's ``error-message``."""
    if value is not None and not value.strip():
        raise unprocessable("upload_error must be a non-empty error message (or null)")


def _one_of(what: str, value: Any, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise unprocessable("%s must be one of %s (got %r)" % (what, ", ".join(allowed), value))
