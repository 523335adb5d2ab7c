"""Scenario knobs: per workspace (how its runs behave) and per installation
(which TFE generation the simulator mimics). Every knob is documented in README.md."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

from .errors import unprocessable
from .statuses import KNOWN

POLICY_OUTCOMES = ("none", "pass", "soft_fail", "hard_fail")
FORCE_CANCEL_STATUSES = ("canceled", "force_canceled")


def _kind(*types: type) -> Dict[str, Tuple[type, ...]]:
    return {"types": types}


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


@dataclass
class InstallationKnobs:
    """Installation-wide behaviour: which admin routes exist, error and status variants, limits."""

    admin_force_cancel_route: bool = field(default=True, metadata=_kind(bool))
    admin_cancel_route: bool = field(default=True, metadata=_kind(bool))
    admin_date_filters: bool = field(default=True, metadata=_kind(bool))
    error_status_as_integer: bool = field(default=False, metadata=_kind(bool))
    force_cancel_status: str = field(default="canceled", metadata=_kind(str))
    run_list_rate_limit_per_minute: int = field(default=0, metadata=_kind(int))
    app_name: str = field(default="Terraform Enterprise", metadata=_kind(str))
    tfe_version: str = field(default="v202410-1", metadata=_kind(str))
    api_version: str = field(default="2.6", metadata=_kind(str))

    def validate(self) -> None:
        """Reject values no real installation would produce."""
        if self.force_cancel_status not in FORCE_CANCEL_STATUSES:
            raise unprocessable("force_cancel_status must be canceled or force_canceled")
        if self.run_list_rate_limit_per_minute < 0:
            raise unprocessable("run_list_rate_limit_per_minute must not be negative")


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
        setattr(candidate, name, dict(value) if isinstance(value, dict) else value)
    candidate.validate()
    for name in updates:
        setattr(knobs, name, getattr(candidate, name))


def knobs_dict(knobs: Any) -> Dict[str, Any]:
    """The knobs as a plain dict (for control answers and the README)."""
    return dataclasses.asdict(knobs)
