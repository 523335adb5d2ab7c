#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tfe_run_apply
short_description: Confirm (apply) a planned HCP Terraform or Terraform Enterprise run, idempotently
version_added: 0.1.0
description:
  - Confirms a run that waits for confirmation (C(POST /api/v2/runs/:id/actions/apply)), including saved plans
    (V(planned_and_saved)), and waits for the apply to end.
  - Idempotent. A run that is already confirmed, applying or applied is left alone and reported with
    C(changed=false); so is a run whose plan found nothing to apply.
  - Whether a run waits for confirmation is read from the run's C(actions.is-confirmable), never guessed
    from its status. When someone else confirms or discards the run at the same moment (HTTP 409), the
    run is read again and the decision made again.
author:
  - tfe.runs contributors (@tfe-runs)
extends_documentation_fragment:
  - tfe.runs.connection
  - tfe.runs.plan_review
  - tfe.runs.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the run and predicts; never confirms and never waits.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  run_id:
    description:
      - ID of the run (V(run-...)).
    type: str
    required: true
  comment:
    description:
      - Comment recorded with the confirmation, and with every task-stage override of O(override).
      - Required with O(override), as the audit trail of who passed a gate and why.
    type: str
  workspace_id:
    description:
      - When set, refuse (before confirming anything) a run that does not belong to this workspace.
    type: str
  wait_for_plan:
    description:
      - If the run is still planning, wait until it can be confirmed (or turns out not to need it).
      - With V(false), a run that is still planning fails the task.
    type: bool
    default: true
  wait:
    description:
      - Wait until the apply has ended (V(applied) or a failure).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait, for the plan and the apply together.
    type: int
    default: 3600
  protect:
    description:
      - Protective gates. A run whose plan would do to a protected resource what its protection forbids is not
        confirmed. The task fails naming each offending address and action, and the run keeps waiting for
        confirmation (or is discarded with O(discard_protected)).
      - The gate is judged on the plan's resource changes from its JSON plan, after the plan has finished and
        before the confirmation is sent, in check mode too. When the changes cannot be read (no admin access to
        the workspace, Terraform before 0.12), the gate cannot be judged and the task fails closed, saying why.
      - A run that is already confirmed or applying is not judged again, and a run that TFE applies by itself
        (auto-apply) never waits for this task's confirmation, so queue the runs to protect with
        O(tfe.runs.tfe_run#module:auto_apply=false).
    type: list
    elements: dict
    suboptions:
      address:
        description:
          - A resource address pattern, such as V(module.db.*), V(aws_db_instance.*) or
            V(module.network.aws_vpc.main). V(*) matches any characters (dots included), V(?) one character;
            brackets are literal, so V(aws_instance.web[0]) means that instance.
        type: str
        required: true
      actions:
        description:
          - What the matching resources must not undergo. V(delete) (destroyed, which includes a replacement),
            V(replace) (destroyed and created again), V(update) (changed in place), or V(any) (any change but a
            read).
        type: list
        elements: str
        choices: [delete, replace, update, any]
        default: [delete, replace]
  override:
    description:
      - Gates this task may pass on purpose before it applies, once each. V(policy) overrides a failed
        soft-mandatory policy, on the older policy generation (the run in V(policy_override), its policy check
        overridden) and the newer one (a policy evaluation in a task stage waiting for a decision). V(run_tasks)
        overrides a run-task stage waiting for a decision (V(pre_plan_awaiting_decision),
        V(post_plan_awaiting_decision), V(pre_apply_awaiting_decision)) with O(comment).
      - Only the gates named here are passed; a run waiting at another fails the task naming it, with nothing
        sent. A hard-mandatory failure is never overridable (TFE ends the run), nor is a gate TFE does not
        offer to override; the task fails saying so.
      - Idempotent as the apply is. A gate already passed is not passed again, and a run already applying
        or applied is left alone.
      - In check mode, RV(overrides) lists the gate that would be passed; nothing is sent.
    type: list
    elements: str
    choices: [policy, run_tasks]
  discard_protected:
    description:
      - Discard a run that a protection stops, so it does not keep the workspace locked, instead of leaving it
        waiting for confirmation. The task fails either way.
    type: bool
    default: false
notes:
  - "Refusals name the way on: plan-only runs can never be applied; a run stopped by a failed soft-mandatory
    policy (V(policy_override)) must be overridden (O(override=[policy]), or in TFE) or discarded with
    M(tfe.runs.tfe_run_cancel);
    V(errored), V(discarded), V(canceled), V(force_canceled) and V(policy_soft_failed) runs are over."
seealso:
  - module: tfe.runs.tfe_run
  - module: tfe.runs.tfe_run_cancel
"""

EXAMPLES = r"""
- name: Plan, then apply after a look at the plan
  module_defaults:
    group/tfe.runs.tfe:
      tfe_address: https://tfe.example.com
  delegate_to: localhost
  block:
    - name: Queue the plan
      tfe.runs.tfe_run:
        organization: acme
        workspace: network-prod
        message: "Change 4711"
        wait_for: plan
      register: planned

    - name: Apply it when it changes nothing is destroyed
      tfe.runs.tfe_run_apply:
        run_id: "{{ planned.run.id }}"
        workspace_id: "{{ planned.workspace.id }}"
        comment: "Approved in change 4711"
      when:
        - planned.run.actions.is_confirmable
        - planned.plan.resource_destructions == 0

- name: Apply unless the plan destroys or replaces the database, or changes the VPC at all
  tfe.runs.tfe_run_apply:
    run_id: "{{ planned.run.id }}"
    comment: "Approved in change 4711"
    protect:
      - address: "module.db.*"
      - address: aws_db_instance.*
        actions: [delete, replace]
      - address: module.network.aws_vpc.main
        actions: [any]
    discard_protected: true
  delegate_to: localhost

- name: Pass a soft-mandatory policy failure and a run task's decision, then apply (the comment is the audit trail)
  tfe.runs.tfe_run_apply:
    run_id: "{{ planned.run.id }}"
    override: [policy, run_tasks]
    comment: "CAB 2291: exception to the tagging policy approved by J. Doe"
  delegate_to: localhost

- name: Confirm a run without waiting for the apply
  tfe.runs.tfe_run_apply:
    run_id: run-CZcmD7eagjhyX0vN
    wait: false
  delegate_to: localhost
"""

RETURN = r"""
decision:
  description:
    - What the run's state called for. V(confirm) (this task confirmed it, or would in check mode),
      V(already_applying) (confirmed, applying or applied before this task), V(nothing_to_apply)
      (the plan found no changes), V(still_planning) (only when not waiting), or, with a failure,
      V(plan_only), V(policy_override), V(human_gate), V(ended).
  returned: always
  type: str
  sample: confirm
action:
  description:
    - What this task did (or would do in check mode) to the run, V(confirm) or V(none). The same key as
      M(tfe.runs.tfe_run_cancel) returns.
  returned: always
  type: str
  sample: confirm
protected_changes:
  description:
    - With O(protect), the changes the protections forbid, each with C(address), C(action) and the
      C(protection) pattern that matched; empty when the gate let the run through.
  returned: when O(protect) was judged
  type: list
  elements: dict
  sample: [{address: module.db.aws_db_instance.main, action: replace, protection: "module.db.*"}]
overrides:
  description:
    - With O(override), each gate this task passed (or would pass, in check mode), in order. C(gate) is what
      the gate held (V(policy), V(run_tasks)), C(id) the policy check or task stage overridden, C(stage) the task
      stage's name (null for a policy check), C(sent) whether the override was sent (false in check mode).
  returned: when O(override) is set
  type: list
  elements: dict
  sample: [{gate: [policy], id: polchk-9VYRc9ugr5Eu9dkT, stage: null, sent: true}]
previous_status:
  description:
    - The run's status when the task first read it, before it sent anything.
    - After an override, still the status the run had before it (for example C(policy_override)), not the one it
      moved to before the confirmation.
  returned: always
  type: str
  sample: cost_estimated
run:
  description: The run, keys in snake_case, with C(id) and C(web_url); same shape as M(tfe.runs.tfe_run) returns.
  returned: always
  type: dict
  sample:
    id: run-CZcmD7eagjhyX0vN
    web_url: https://tfe.example.com/app/acme/workspaces/network-prod/runs/run-CZcmD7eagjhyX0vN
    status: applied
    has_changes: true
    actions: {is_cancelable: false, is_confirmable: false, is_discardable: false, is_force_cancelable: false}
workspace:
  description: The run's workspace.
  returned: always
  type: dict
  sample: {id: ws-6jrRyVDv1J8zQMB5, name: network-prod, organization: acme}
plan:
  description:
    - The run's plan summary (no log URL). Once the plan has finished, also its C(changes), C(output_changes),
      C(change_counts) and C(changes_unavailable) (with O(plan_changes)) and its C(log), C(log_truncated)
      and C(log_unavailable) (with O(plan_log_lines)), exactly as RV(plan) of M(tfe.runs.tfe_run) describes them; never a value.
  returned: always
  type: dict
  sample: {id: plan-8F5JFydVYAmtTjET, status: finished, resource_additions: 1, resource_changes: 0,
           resource_destructions: 0, resource_imports: 0, has_changes: true, status_timestamps: {}}
apply:
  description: The run's apply summary (no log URL).
  returned: always
  type: dict
  sample: {id: apply-47MBvjwzBG8YKc2v, status: finished, resource_additions: 1, resource_changes: 0,
           resource_destructions: 0, resource_imports: 0, status_timestamps: {}}
phase_durations:
  description: Seconds spent queued, planning, applying and in total.
  returned: always
  type: dict
  sample: {queued: 2.0, plan: 20.5, apply: 41.0, total: 70.1}
polls:
  description: How many times the run was read while waiting.
  returned: always
  type: int
  sample: 9
log_tail:
  description: The last lines of the apply log, when the apply failed.
  returned: when the apply ended in a failure
  type: list
  elements: str
  sample: ["Error: deleting S3 Bucket (logs): BucketNotEmpty"]
"""


from ansible_collections.tfe.runs.plugins.module_utils._apply import apply_run
from ansible_collections.tfe.runs.plugins.module_utils._module import PLAN_REVIEW_ARGUMENT_SPEC, TfeModule, review_options
from ansible_collections.tfe.runs.plugins.module_utils._overrides import GATES
from ansible_collections.tfe.runs.plugins.module_utils._protections import PROTECTED_ACTIONS

ARGUMENT_SPEC = {
    "run_id": {"type": "str", "required": True},
    "comment": {"type": "str"},
    "workspace_id": {"type": "str"},
    "wait_for_plan": {"type": "bool", "default": True},
    "wait": {"type": "bool", "default": True},
    "wait_timeout": {"type": "int", "default": 3600},
    "protect": {"type": "list", "elements": "dict", "options": {
        "address": {"type": "str", "required": True},
        "actions": {"type": "list", "elements": "str", "choices": list(PROTECTED_ACTIONS),
                    "default": ["delete", "replace"]},
    }},
    "discard_protected": {"type": "bool", "default": False},
    "override": {"type": "list", "elements": "str", "choices": list(GATES)},
    **PLAN_REVIEW_ARGUMENT_SPEC,
}


def main() -> None:
    module = TfeModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, id_options=("run_id", "workspace_id"))
    params = module.params
    module.finish(apply_run(
        module.client, params["run_id"], comment=params["comment"], workspace_id=params["workspace_id"],
        wait_for_plan=params["wait_for_plan"], wait=params["wait"], wait_timeout=params["wait_timeout"],
        check_mode=module.check_mode, review=review_options(params), protect=params["protect"],
        discard_protected=params["discard_protected"], override=params["override"] or ()))


if __name__ == "__main__":
    main()
