# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: what a reviewer sees of a plan before anyone approves it, and the gates it must pass.

``tfe_run`` and ``tfe_run_apply`` both show a finished plan's resource changes (``_plan_changes``) and
its log (``_logs``), read once per task, and ``tfe_run_apply`` judges its protections on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._client import TfeClient
from ._logs import log_lines
from ._plan_changes import PlanChanges, read_plan_changes
from ._protections import Protection, violations
from ._runs import RunView

# Plan statuses (reference 5.5) after which the plan's JSON and log are complete.
_PLAN_FINISHED = "finished"
_PLAN_ENDED = ("finished", "errored", "canceled", "unreachable")


def _plan_status(view: RunView) -> Optional[str]:
    return ((view.plan or {}).get("attributes") or {}).get("status")


@dataclass
class ReviewOptions:
    """``changes``: return the plan's changes; ``log_lines``: that many last lines of its log (-1 all, 0 none)."""

    changes: bool = False
    log_lines: int = 0
    protections: List[Protection] = field(default_factory=list)

    def problems(self) -> List[str]:
        return [] if self.log_lines >= -1 else ["plan_log_lines must be -1 (all), 0 (none) or more"]


class PlanReview:
    """The review of one run's plan, read at most once per task however often it is asked for."""

    def __init__(self, client: TfeClient, options: ReviewOptions, deadline: Optional[float] = None) -> None:
        self.client, self.options, self.deadline = client, options, deadline
        self.changes: Optional[PlanChanges] = None
        self.log: Optional[Dict[str, Any]] = None

    @property
    def wants_changes(self) -> bool:
        return self.options.changes or bool(self.options.protections)

    def read(self, view: RunView) -> None:
        """Read what the options ask for, once the plan is far enough for it (never while it runs)."""
        status = _plan_status(view)
        if self.wants_changes and self.changes is None and status == _PLAN_FINISHED:
            plan_id = (view.plan or {}).get("id")
            self.changes = read_plan_changes(self.client, plan_id, self.deadline)
        if self.options.log_lines and self.log is None and status in _PLAN_ENDED:
            self.log = log_lines(self.client, view.plan, self.options.log_lines)

    def attach(self, result: Dict[str, Any]) -> None:
        """Add the changes and the log to ``result["plan"]`` (after every ``run_report`` that rebuilt it)."""
        plan = result.get("plan")
        if not isinstance(plan, dict):
            return
        if self.wants_changes:
            changes = self.changes or PlanChanges(unavailable="the plan has not finished")
            plan.update(changes.report())
        if self.log is not None:
            plan.update(log=self.log["lines"], log_truncated=self.log["truncated"],
                        log_unavailable=self.log["unavailable"])

    def blocked_by(self) -> List[Dict[str, Any]]:
        """The changes the protections forbid (read the changes first)."""
        return violations(self.changes.changes or [], self.options.protections) if self.changes else []


def describe_violations(found: List[Dict[str, Any]]) -> str:
    return "; ".join("{0} {1} (protected by '{2}')".format(item["action"], item["address"], item["protection"])
                     for item in found)
