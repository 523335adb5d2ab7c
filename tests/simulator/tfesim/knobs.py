"""Scenario knobs: per workspace (how its runs behave) and per installation
(which TFE generation the simulator mimics). Every knob is documented in README.md."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .errors import unprocessable
from .knob_checks import POLICY_GENERATIONS, check_plan_changes, check_upload_error, task_stage_specs
from .ratelimit import LIMIT_CLOCKS
from .statuses import KNOWN

POLICY_OUTCOMES = ("none", "pass", "soft_fail", "hard_fail")
FORCE_CANCEL_STATUSES = ("canceled", "force_canceled")
# Deviations from the contract a real (older, patched, proxied) server may show; README.md "Installation knobs".
PAGING_MODES = ("honoured", "ignored_first_page", "ignored_everything")
RUN_ACTION_ANSWERS = ("empty_202", "document_200")
ADMIN_CANCEL_ANSWERS = ("document", "empty")


def _kind(*types: type, choices: Optional[Tuple[Any, ...]] = None, minimum: Optional[float] = None) -> Dict[str, Any]:
    """Field metadata update_knobs checks: accepted types, and optionally allowed values or a lower bound."""
    return {"types": types, "choices": choices, "minimum": minimum}


@dataclass
class WorkspaceKnobs:
    """How runs in one workspace behave. Read when a run is created (its scenario),
    except ``phase_seconds``, ``durations``, ``stuck_status`` and ``ignore_cancel``,
    which are read live so a test can slow down or freeze runs already in flight."""

    auto_apply: bool = field(default=False, metadata=_kind(bool))
    phase_seconds: float = field(default=1.0, metadata=_kind(int, float))
    durations: Dict[str, float] = field(default_factory=dict, metadata=_kind(dict))
    has_changes: bool = field(default=True, metadata=_kind(bool))
    resource_additions: int = field(default=1, metadata=_kind(int))
    resource_changes: int = field(default=0, metadata=_kind(int))
    resource_destructions: int = field(default=0, metadata=_kind(int))
    resource_imports: int = field(default=0, metadata=_kind(int))
    plan_error: bool = field(default=False, metadata=_kind(bool))
    apply_error: bool = field(default=False, metadata=_kind(bool))
    cost_estimation: bool = field(default=False, metadata=_kind(bool))
    policy: str = field(default="none", metadata=_kind(str))
    plan_only: bool = field(default=False, metadata=_kind(bool))
    save_plan: bool = field(default=False, metadata=_kind(bool))
    has_configuration_version: bool = field(default=True, metadata=_kind(bool))
    stuck_status: Optional[str] = field(default=None, metadata=_kind(str, type(None)))
    ignore_cancel: bool = field(default=False, metadata=_kind(bool))
    force_cancel_cooloff_seconds: float = field(default=10.0, metadata=_kind(int, float))
    terraform_version: str = field(default="1.9.5", metadata=_kind(str))
    # Task stages, policy evaluations, JSON plans, logs and configuration-version uploads (README.md).
    task_stage: Any = field(default=None, metadata=_kind(dict, list, type(None)))
    policy_generation: str = field(default="policy_checks", metadata=_kind(str, choices=POLICY_GENERATIONS))
    plan_changes: Optional[List[Dict[str, Any]]] = field(default=None, metadata=_kind(list, type(None)))
    log_lines: int = field(default=0, metadata=_kind(int, minimum=0))
    upload_seconds: float = field(default=0.0, metadata=_kind(int, float, minimum=0))
    upload_error: Optional[str] = field(default=None, metadata=_kind(str, type(None)))

    def duration(self, status: str) -> float:
        """Seconds a run stays in ``status`` before moving on by itself."""
        return float(self.durations.get(status, self.phase_seconds))

    def validate(self) -> None:
        """Reject values the lifecycle cannot honour, naming the knob."""
        if self.policy not in POLICY_OUTCOMES:
            raise unprocessable("policy must be one of " + ", ".join(POLICY_OUTCOMES))
        if self.stuck_status is not None and self.stuck_status not in KNOWN:
            raise unprocessable("stuck_status %r is not a run status" % self.stuck_status)
        for status, seconds in self.durations.items():
            if status not in KNOWN or isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
                raise unprocessable("durations maps run statuses to non-negative seconds (bad entry %r)" % status)
        if self.phase_seconds < 0 or self.force_cancel_cooloff_seconds < 0:
            raise unprocessable("phase_seconds and force_cancel_cooloff_seconds must not be negative")
        task_stage_specs(self.task_stage)
        check_plan_changes(self.plan_changes)
        check_upload_error(self.upload_error)


@dataclass
class InstallationKnobs:  # pylint: disable=too-many-instance-attributes
    """Installation-wide behaviour: which admin routes exist, error and status variants, limits,
    and deviations from the contract (all off by default)."""

    admin_force_cancel_route: bool = field(default=True, metadata=_kind(bool))
    admin_cancel_route: bool = field(default=True, metadata=_kind(bool))
    admin_date_filters: bool = field(default=True, metadata=_kind(bool))
    error_status_as_integer: bool = field(default=False, metadata=_kind(bool))
    force_cancel_status: str = field(default="canceled", metadata=_kind(str, choices=FORCE_CANCEL_STATUSES))
    run_list_rate_limit_per_minute: int = field(default=0, metadata=_kind(int, minimum=0))
    api_rate_limit_per_second: int = field(default=0, metadata=_kind(int, minimum=0))
    rate_limit_counts_rejected: bool = field(default=True, metadata=_kind(bool))
    rate_limit_clock: str = field(default="wall", metadata=_kind(str, choices=LIMIT_CLOCKS))
    paging: str = field(default="honoured", metadata=_kind(str, choices=PAGING_MODES))
    ignore_include: bool = field(default=False, metadata=_kind(bool))
    ignore_status_filter: bool = field(default=False, metadata=_kind(bool))
    admin_list_hides_final: bool = field(default=False, metadata=_kind(bool))
    run_action_answer: str = field(default="empty_202", metadata=_kind(str, choices=RUN_ACTION_ANSWERS))
    admin_cancel_answer: str = field(default="document", metadata=_kind(str, choices=ADMIN_CANCEL_ANSWERS))
    pending_force_cancelable: bool = field(default=False, metadata=_kind(bool))
    app_name: str = field(default="Terraform Enterprise", metadata=_kind(str))
    tfe_version: str = field(default="v202410-1", metadata=_kind(str))
    api_version: str = field(default="2.6", metadata=_kind(str))

    def validate(self) -> None:
        """Every installation value is checked by its field metadata (choices, minimum) in update_knobs."""


def update_knobs(knobs: Any, updates: Mapping[str, Any]) -> None:
    """Apply ``updates`` to a knobs dataclass, type-checking each value; all or nothing."""
    fields = {item.name: item for item in dataclasses.fields(knobs)}
    candidate = dataclasses.replace(knobs)
    for name, value in updates.items():
        spec = fields.get(name)
        if spec is None:
            raise unprocessable("unknown knob %r; known: %s" % (name, ", ".join(sorted(fields))))
        types = spec.metadata["types"]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise unprocessable("knob %r expects %s, got %r" % (name, "/".join(t.__name__ for t in types), value))
        _check_range(name, value, spec.metadata)
        setattr(candidate, name, dict(value) if isinstance(value, dict) else value)
    candidate.validate()
    for name in updates:
        setattr(knobs, name, getattr(candidate, name))


def _check_range(name: str, value: Any, metadata: Mapping[str, Any]) -> None:
    """A knob's allowed values or lower bound, as its field metadata declares them."""
    choices, minimum = metadata.get("choices"), metadata.get("minimum")
    if choices is not None and value not in choices:
        raise unprocessable("%s must be one of %s" % (name, ", ".join(map(str, choices))))
    if minimum is not None and value is not None and value < minimum:
        raise unprocessable("%s must not be below %s" % (name, minimum))


def knobs_dict(knobs: Any) -> Dict[str, Any]:
    """The knobs as a plain dict (for control answers and the README)."""
    return dataclasses.asdict(knobs)
