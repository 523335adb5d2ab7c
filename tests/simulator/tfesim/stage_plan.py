"""Which task stages a new run gets, and the steps they add to its path (contract 4.1, 4.3.6, 4.4).

Two knobs give a run stages: ``task_stage`` (a run task in the pre-plan or post-plan stage) and,
with ``policy_generation: policy_evaluations``, the workspace's ``policy``, whose result is then a
policy evaluation in the post-plan stage instead of a policy check. A stage holding both ends as
the worse of the two. task_stages.py derives the stage's status from where the run is.
"""
from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence, Tuple

from .ids import new_id
from .knob_checks import TASK_STAGE_NAMES, task_stage_specs
from .knobs import WorkspaceKnobs
from .model import Step, TaskStage

# A policy result as a stage outcome: a soft failure waits for an override, a hard one fails the run.
_POLICY_OUTCOMES = {"pass": ("passed", "mandatory"), "soft_fail": ("awaiting_decision", "mandatory"),
                    "hard_fail": ("failed", "mandatory")}
Outcome = Tuple[str, str]  # (outcome, enforcement)


def uses_policy_evaluations(knobs: WorkspaceKnobs) -> bool:
    """Whether the workspace's policy is evaluated in a task stage (the newer generation)."""
    return knobs.policy != "none" and knobs.policy_generation == "policy_evaluations"


def _severity(outcome: Outcome) -> int:
    result, enforcement = outcome
    if result == "failed":
        return 3 if enforcement == "mandatory" else 1
    return 2 if result == "awaiting_decision" else 0


def _stage(name: str, spec: Optional[Mapping[str, str]], policy: Optional[str], plan_only: bool) -> TaskStage:
    candidates = []
    if spec is not None:
        candidates.append((spec["outcome"], spec["enforcement"]))
    if policy is not None:
        candidates.append(_POLICY_OUTCOMES[policy])
    outcome, enforcement = max(candidates, key=_severity)
    if plan_only and outcome == "awaiting_decision":
        # A speculative plan has nothing to apply, so nobody is asked to override: the stage just fails.
        outcome, enforcement = "failed", "advisory"
    return TaskStage(new_id("ts"), name, outcome, enforcement, has_task=spec is not None,
                     policy_evaluation_id=new_id("poleval") if policy is not None else None, policy_outcome=policy)


def plan_stages(knobs: WorkspaceKnobs, attributes: Mapping[str, Any]) -> List[TaskStage]:
    """The stages of a run created now in a workspace with these knobs (usually none)."""
    specs = {spec["stage"]: spec for spec in task_stage_specs(knobs.task_stage)}
    stages = []
    for name in TASK_STAGE_NAMES:
        policy = knobs.policy if name == "post_plan" and uses_policy_evaluations(knobs) else None
        if name in specs or policy is not None:
            stages.append(_stage(name, specs.get(name), policy, bool(attributes["plan-only"])))
    return stages


def stage_steps(stages: Sequence[TaskStage], name: str) -> Tuple[List[Step], bool]:
    """The steps the stage called ``name`` adds to a path, and whether the run ends there (errored)."""
    stage = next((item for item in stages if item.stage == name), None)
    if stage is None:
        return [], False
    running = Step(name + "_running")
    if stage.outcome == "failed" and stage.enforcement == "mandatory":
        return [running, Step("errored")], True
    if stage.outcome == "awaiting_decision":
        return [running, Step(name + "_awaiting_decision"), Step(name + "_completed", "stage_override")], False
    return [running, Step(name + "_completed")], False
