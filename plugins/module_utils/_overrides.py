# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: the gate a run waits at, and passing it on purpose (an override).

Two kinds of gate wait for a person (reference §4.1, §4.3.7, §5.9):

- ``policy``: a soft-mandatory policy failed. On the older generation the run waits in
  ``policy_override`` and its policy check is overridden (``POST /policy-checks/:id/actions/override``);
  on the newer one the policy evaluation sits in a task stage, as below.
- ``run_tasks``: a run task's stage waits in ``<stage>_awaiting_decision``
  (``POST /task-stages/:id/actions/override``, with the comment).

A task stage holding a policy evaluation is a ``policy`` gate (and a ``run_tasks`` one too when it
also holds task results). A gate is passed only when the server says it can be
(``actions.is-overridable``): a hard-mandatory failure never can, and has already ended the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Optional

from ._client import TfeClient
from ._errors import TfeHttpError
from ._jsonapi import api_path, related_ids
from ._statuses import run_status

GATES = ("policy", "run_tasks")
_AWAITING = "_awaiting_decision"
_HELD_BY_STAGE = {"policy": "a policy evaluation", "run_tasks": "run tasks"}  # what a task stage gate holds, in words


@dataclass
class Gate:
    kinds: FrozenSet[str]  # of GATES: what the task must name to pass it
    kind_of_resource: str  # policy-checks or task-stages
    resource_id: str
    stage: Optional[str]  # the task stage's name (pre_plan, post_plan ...); None for a policy check
    overridable: bool

    def describe(self) -> str:
        if self.stage is None:
            return "the soft-mandatory policy check {0}".format(self.resource_id)
        held = " and ".join(_HELD_BY_STAGE[kind] for kind in sorted(self.kinds))
        return "the {0} task stage {1} ({2})".format(self.stage, self.resource_id, held)

    def report(self, sent: bool) -> Dict[str, Any]:
        return {"gate": sorted(self.kinds), "id": self.resource_id, "stage": self.stage, "sent": sent}


def _overridable(resource: Dict[str, Any]) -> bool:
    return bool(((resource.get("attributes") or {}).get("actions") or {}).get("is-overridable"))


def find_gate(client: TfeClient, run: Dict[str, Any]) -> Optional[Gate]:
    """The gate ``run`` waits at, read from the server; None when it waits at none this module knows."""
    status, run_id = run_status(run), str(run.get("id") or "")
    if status == "policy_override":
        checks = (client.get(api_path("runs", run_id, "policy-checks")) or {}).get("data") or []
        waiting = [check for check in checks if isinstance(check, dict) and check.get("id")]
        if not waiting:
            return None
        chosen = next((check for check in waiting if _overridable(check)), waiting[-1])
        return Gate(frozenset({"policy"}), "policy-checks", chosen["id"], None, _overridable(chosen))
    if status.endswith(_AWAITING):
        name = status[:-len(_AWAITING)]
        stages = (client.get(api_path("runs", run_id, "task-stages")) or {}).get("data") or []
        named = [stage for stage in stages if isinstance(stage, dict) and stage.get("id")
                 and (stage.get("attributes") or {}).get("stage") == name]
        if not named:
            return None
        stage = next((item for item in named if _overridable(item)), named[-1])
        kinds = set()
        if related_ids(stage, "policy-evaluations"):
            kinds.add("policy")
        if related_ids(stage, "task-results") or not kinds:
            kinds.add("run_tasks")
        return Gate(frozenset(kinds), "task-stages", stage["id"], name, _overridable(stage))
    return None


def pass_gate(client: TfeClient, gate: Gate, comment: str) -> bool:
    """Override ``gate``; False when the server says it no longer waits (someone passed it first: 409)."""
    body = {"comment": comment} if gate.kind_of_resource == "task-stages" else None
    try:
        client.post(api_path(gate.kind_of_resource, gate.resource_id, "actions", "override"), body, repeatable=True)
    except TfeHttpError as error:
        if error.status != 409:
            raise
        return error.attempts > 1  # a repeated POST answered 409: most likely our own first one passed it
    return True
