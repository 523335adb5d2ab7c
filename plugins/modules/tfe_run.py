#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tfe_run
short_description: Queue a run on an HCP Terraform or Terraform Enterprise workspace and wait for it
version_added: 0.1.0
description:
  - Queues a run (C(POST /api/v2/runs)) on a workspace given by ID or by organization and name,
    with every run option of the API, and optionally waits for its plan or for its end.
  - Never queues a duplicate by accident. A rate-limited request or a connection that could not be
    opened is retried; after an answer that leaves open whether the run was created (a timeout, a dropped
    connection, a server error), the module looks for the run on the workspace instead of queueing again.
    Only when the server keeps answering that search for 10 seconds and no new matching run appears (so
    none was created) is the run queued again, at most three times in all.
  - With O(reuse), a matching run that already exists is reused instead of queueing a new one, which makes
    the task safe to repeat.
  - Only the run options that are set are sent; TFE applies the workspace's settings for the others.
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
      - Resolves the workspace and the O(reuse) decision, and returns the attributes that would be sent; queues nothing.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details:
      - Only with O(reuse=active) or O(reuse=any); with the default O(reuse=never) every run of the task queues a run.
options:
  workspace_id:
    description:
      - ID of the workspace (V(ws-...)). Give either this or O(organization) and O(workspace).
    type: str
  organization:
    description:
      - Name of the organization of O(workspace).
    type: str
  workspace:
    description:
      - Name of the workspace, with O(organization).
    type: str
  configuration_version_id:
    description:
      - Configuration version to plan (V(cv-...)). By default TFE uses the workspace's latest one.
      - Excludes O(configuration_path).
    type: str
  configuration_path:
    description:
      - The Terraform configuration to run, uploaded as a new configuration version first (the API-driven
        workflow, for a workspace without a VCS connection). A directory on the host the module runs on
        (usually the controller, with C(delegate_to=localhost)), or a ready C(.tar.gz). Give an absolute
        path (for example under C(playbook_dir)); a relative one is relative to the working directory of the module.
      - A directory is packed as the Terraform CLI packs it. Its C(.terraformignore) is honoured, C(.git/)
        and C(.terraform/) are left out (C(.terraform/modules/) is kept), symlinks within the directory are
        kept as symlinks, and a symlink pointing outside it fails the task before anything is sent. Only the
        executable bit of a file's permissions is kept.
      - The version is created with C(auto-queue-runs=false) (speculative with O(plan_only=true)), the archive
        is uploaded to its upload URL (never shown, and the token is never sent there), and the run is queued
        on it once TFE reports it V(uploaded). A version that ends V(errored) fails the task with TFE's error
        message, and no run is queued.
      - With O(reuse), a run that is reused needs no upload, so nothing is uploaded.
      - In check mode the directory is packed and RV(configuration_version) reports the archive's size and
        file count; nothing is uploaded.
      - Excludes O(configuration_version_id).
    type: path
  run_message:
    description:
      - Message of the run, shown in TFE (the run's C(message) attribute). Required unless O(reuse=never),
        because reuse matches on it.
      - The task may also give it as C(message), the API's name for it (ansible-core reserves C(message)
        as a module option name, so the collection's action plugin renames it).
      - When not set, the module sends V(Queued by tfe.runs.tfe_run [<random nonce>]) so that it can
        recognise its own run after an ambiguous failure.
    type: str
  is_destroy:
    description:
      - Plan to destroy every resource of the workspace.
    type: bool
  auto_apply:
    description:
      - Apply automatically after a successful plan. Not set means the workspace's setting.
    type: bool
  plan_only:
    description:
      - Speculative plan that can never be applied and does not lock the workspace.
    type: bool
  save_plan:
    description:
      - Save the plan to apply later (the run stops in V(planned_and_saved) without locking the workspace).
    type: bool
  refresh:
    description:
      - Refresh the state before planning (TFE's default is V(true)).
    type: bool
  refresh_only:
    description:
      - Only refresh the state; plan no resource changes.
    type: bool
  target_addrs:
    description:
      - Resource addresses to target (Terraform's C(-target)). Turns off cost estimation.
    type: list
    elements: str
  replace_addrs:
    description:
      - Resource addresses to replace (Terraform's C(-replace)).
    type: list
    elements: str
  invoke_action_addrs:
    description:
      - Terraform actions to invoke in this run (Terraform's C(-invoke)), for example V(action.aws_lambda_invoke.notify).
        The run is then an C(action_only) run. An attribute of newer TFE releases and HCP Terraform; an older
        TFE refuses or ignores it.
    type: list
    elements: str
  policy_paths:
    description:
      - Paths of the policy sets to evaluate for this run. A beta attribute of the API, on newer releases only.
    type: list
    elements: str
  allow_empty_apply:
    description:
      - Allow applying a plan with no changes (for example to upgrade the state format).
    type: bool
  allow_config_generation:
    description:
      - Allow Terraform to generate configuration for C(import) blocks without a resource block.
    type: bool
  terraform_version:
    description:
      - Terraform version for this run. Only valid with O(plan_only=true).
    type: str
  debugging_mode:
    description:
      - Run Terraform with trace logging (C(TF_LOG=TRACE)) for this run.
    type: bool
  variables:
    description:
      - Run variables, which override workspace and variable set values of the same key.
      - Give plain values; the module writes them as the HCL literals TFE expects
        (V("web") becomes V("\\"web\\""), V(2) stays V(2), lists and dictionaries become HCL lists and objects).
        A string stays a string, even V("5"). C(${) and C(%{) are escaped so TFE does not interpolate them.
      - Values are never returned by the module; results list the variable names only.
    type: dict
  wait:
    description:
      - Wait for the run as O(wait_for) says. With V(false) the task ends once the run is queued.
    type: bool
    default: true
  wait_for:
    description:
      - "V(plan) waits until the plan is settled: the run is final, waiting for confirmation, at a human gate
        (V(policy_override), V(planned_and_saved), any V(*_awaiting_decision)) or already applying."
      - V(final) waits until the run is final. A run that waits for a person (a confirmation, a policy
        override, a saved plan) is waited for until O(wait_timeout), then the task fails naming the gate.
      - V(applied) and V(planned_and_finished) are success. V(errored), V(canceled), V(force_canceled),
        V(discarded) and V(policy_soft_failed) fail the task, with the run, its plan and apply summaries and
        the last lines of the failed phase's log in the result.
    type: str
    choices: [plan, final]
    default: final
  wait_timeout:
    description:
      - Seconds to wait. Polling is every second for the first 10 seconds, then every tenth of the time
        waited so far, at most every 10 seconds, so short runs are seen within a second and a
        five-minute run costs about 56 requests.
    type: int
    default: 3600
  force_execute:
    description:
      - Start the run at once when it waits in the queue behind a run that can be discarded
        (C(POST /runs/:id/actions/force-execute), the UI's "Run this plan now"). TFE then discards or cancels
        every earlier unfinished run of the workspace, the one holding the lock among them; RV(force_execute)
        names that one.
      - Only sent when it can work, after the workspace and the run holding it have been read. A run that no
        longer waits is left alone, so a second task changes nothing. When the holder cannot be discarded
        (it is applying, say) or a user locked the workspace, the task warns and the run waits as usual.
      - In check mode, says which run would be discarded; nothing is sent.
    type: bool
    default: false
  reuse:
    description:
      - V(never) always queues a run.
      - V(active) reuses the newest run of the workspace with the same O(run_message), O(is_destroy),
        O(plan_only), O(refresh_only), O(save_plan), O(target_addrs), O(replace_addrs),
        O(invoke_action_addrs) and O(policy_paths) that is not final.
      - V(any) also reuses such a run that finished successfully. Errored, canceled and discarded runs are
        never reused, so a retried job can still succeed.
    type: str
    choices: [never, active, any]
    default: never
notes:
  - "With C(until)/C(retries) on this task, use O(reuse=active) or O(reuse=any) and a fixed O(run_message):
    otherwise every retry queues another run."
seealso:
  - module: tfe.runs.tfe_run_apply
  - module: tfe.runs.tfe_run_cancel
"""

EXAMPLES = r"""
- name: Plan and apply a workspace, waiting for the end
  tfe.runs.tfe_run:
    organization: acme
    workspace: network-prod
    run_message: "Nightly converge"
    auto_apply: true
  delegate_to: localhost

- name: Use one connection for every tfe.runs task
  module_defaults:
    group/tfe.runs.tfe:
      tfe_address: https://tfe.example.com
      # The token comes from TFE_TOKEN in the environment (e.g. an AWX credential).
  delegate_to: localhost
  block:
    - name: Speculative plan with variables and a specific Terraform version
      tfe.runs.tfe_run:
        workspace_id: ws-6jrRyVDv1J8zQMB5
        plan_only: true
        terraform_version: 1.9.8
        variables:
          instance_count: 3
          region: eu-west-1
          tags: {team: platform}
        wait_for: plan
      register: plan

    - name: Show what the plan would do
      ansible.builtin.debug:
        msg: "{{ plan.plan.resource_additions }} to add, {{ plan.plan.resource_destructions }} to destroy"

- name: Queue once, even when the job is retried (reuse makes the task idempotent)
  tfe.runs.tfe_run:
    organization: acme
    workspace: app-staging
    run_message: "Deploy build {{ build_id }}"
    reuse: any
    wait_for: plan
  delegate_to: localhost
  register: deploy
  until: deploy is succeeded
  retries: 3

- name: Queue a targeted destroy without waiting
  tfe.runs.tfe_run:
    organization: acme
    workspace: sandbox
    is_destroy: true
    target_addrs:
      - module.old_cluster
    wait: false
  delegate_to: localhost

- name: Upload the Terraform code of the AWX project and run it (API-driven workflow)
  tfe.runs.tfe_run:
    organization: acme
    workspace: app-api-driven
    configuration_path: "{{ playbook_dir }}/terraform"
    run_message: "Deploy from AWX job {{ awx_job_id | default('manual') }}"
  delegate_to: localhost

- name: Run this plan now, discarding the plan that waits for confirmation ahead of it
  tfe.runs.tfe_run:
    organization: acme
    workspace: app
    run_message: Hotfix 1742
    reuse: active
    force_execute: true
  delegate_to: localhost
  register: hotfix

- name: Say which run made way
  ansible.builtin.debug:
    msg: "{{ hotfix.force_execute.discarded_run_id }} is {{ hotfix.force_execute.discarded_run_status }}"
  when: hotfix.force_execute.executed

- name: Invoke a Terraform action (an action_only run, on a TFE or HCP Terraform that has actions)
  tfe.runs.tfe_run:
    organization: acme
    workspace: app
    invoke_action_addrs:
      - action.aws_lambda_invoke.notify
  delegate_to: localhost
"""

RETURN = r"""
run:
  description:
    - The run, as TFE reports it, with keys in snake_case, plus its C(id) and C(web_url).
    - C(variables) lists the variable names only. Null in check mode when a run would be queued.
  returned: always
  type: dict
  sample:
    id: run-CZcmD7eagjhyX0vN
    web_url: https://tfe.example.com/app/acme/workspaces/network-prod/runs/run-CZcmD7eagjhyX0vN
    status: applied
    message: Nightly converge
    is_destroy: false
    plan_only: false
    auto_apply: true
    has_changes: true
    created_at: "2026-11-23T10:15:02.171Z"
    source: tfe-api
    trigger_reason: manual
    actions: {is_cancelable: false, is_confirmable: false, is_discardable: false, is_force_cancelable: false}
    status_timestamps:
      plan_queueable_at: "2026-11-23T10:15:02+00:00"
      planning_at: "2026-11-23T10:15:05+00:00"
      planned_at: "2026-11-23T10:15:31+00:00"
      applying_at: "2026-11-23T10:15:34+00:00"
      applied_at: "2026-11-23T10:16:10+00:00"
    variables: [instance_count, region]
workspace:
  description: The workspace of the run.
  returned: always
  type: dict
  sample: {id: ws-6jrRyVDv1J8zQMB5, name: network-prod, organization: acme}
plan:
  description: The run's plan, without its log URL. Null when not known yet or in check mode.
  returned: always
  type: dict
  sample:
    id: plan-8F5JFydVYAmtTjET
    status: finished
    has_changes: true
    resource_additions: 2
    resource_changes: 1
    resource_destructions: 0
    resource_imports: 0
    status_timestamps: {queued_at: "2026-11-23T10:15:04+00:00", finished_at: "2026-11-23T10:15:31+00:00"}
  contains:
    changes:
      description:
        - The plan's resource changes from its JSON plan (with O(plan_changes)), in the plan's order; no-ops left
          out. Each has C(address), C(module_address), C(type), C(name), C(action) (V(create), V(update),
          V(delete), V(replace) for a delete and a create in either order, V(read), or V(import) for an import
          that changes nothing else), C(actions) (the same as a one-element list), C(action_reason) and
          C(importing). Never an attribute value.
        - Null when the changes could not be read; RV(plan.changes_unavailable) says why.
      type: list
      elements: dict
      returned: when the plan finished and the changes are read (O(plan_changes))
      sample:
        - {address: module.db.aws_db_instance.main, module_address: module.db, type: aws_db_instance, name: main,
           action: replace, actions: [replace], action_reason: replace_because_cannot_update, importing: false}
    output_changes:
      description: The outputs the plan changes, each with C(name), C(action) and C(actions); never a value.
      type: list
      elements: dict
      returned: when the plan finished and the changes are read (O(plan_changes))
      sample: [{name: endpoint, action: update, actions: [update]}]
    change_counts:
      description: Number of RV(plan.changes) per action (C(create), C(update), C(delete), C(replace), C(read), C(import)).
      type: dict
      returned: when the plan finished and the changes are read (O(plan_changes))
      sample: {create: 2, update: 1, delete: 0, replace: 1, read: 0, import: 0}
    changes_unavailable:
      description:
        - Why RV(plan.changes) is null, for example that the token has no admin access to the workspace, or that
          Terraform before 0.12 writes no JSON plan; null when the changes were read.
      type: str
      returned: when the changes are read (O(plan_changes))
      sample: null
    log:
      description: The last O(plan_log_lines) lines of the plan's log, without colours (with O(plan_log_lines)).
      type: list
      elements: str
      returned: when the plan ended and O(plan_log_lines) is not 0
      sample: ["Terraform v1.9.5", "Plan: 1 to add, 0 to change, 0 to destroy."]
    log_truncated:
      description: Whether RV(plan.log) holds less than the whole log (the line count or the 1 MiB cap).
      type: bool
      returned: when the plan ended and O(plan_log_lines) is not 0
      sample: true
    log_unavailable:
      description: Why RV(plan.log) is empty (no log URL, or reading it failed); null when the log was read.
      type: str
      returned: when the plan ended and O(plan_log_lines) is not 0
      sample: null
apply:
  description: The run's apply, without its log URL. Null when not known yet or in check mode.
  returned: always
  type: dict
  sample:
    id: apply-47MBvjwzBG8YKc2v
    status: finished
    resource_additions: 2
    resource_changes: 1
    resource_destructions: 0
    resource_imports: 0
    status_timestamps: {queued_at: "2026-11-23T10:15:33+00:00", finished_at: "2026-11-23T10:16:10+00:00"}
phase_durations:
  description: Seconds the run spent queued, planning, applying and in total, for the phases it reached.
  returned: always
  type: dict
  sample: {queued: 3.0, plan: 26.0, apply: 36.0, total: 68.0}
polls:
  description: How many times the run was read while waiting.
  returned: always
  type: int
  sample: 14
reused:
  description: Whether an existing matching run was reused instead of queueing one.
  returned: always
  type: bool
  sample: false
recovered:
  description:
    - Whether the answer to queueing the run was lost (timeout, dropped connection, server error) and the
      run this task created was found on the workspace instead of queueing another.
  returned: always
  type: bool
  sample: false
would_queue:
  description: In check mode, whether a run would be queued (false when one would be reused).
  returned: check mode
  type: bool
  sample: true
configuration_version:
  description:
    - With O(configuration_path), the upload. C(files) and C(size) (bytes) describe the archive, C(packed) says
      whether this task packed it from a directory. C(id), C(status) and C(speculative) are the configuration
      version's (null in check mode). Never the upload URL.
  returned: when O(configuration_path) is set and no run was reused
  type: dict
  sample: {id: cv-ntv3HbhJqvFzamy7, status: uploaded, speculative: false, files: 12, size: 10240, packed: true}
force_execute:
  description:
    - What O(force_execute) did. C(executed) is true when this task started the run with force-execute
      (in check mode, when it would). C(discarded_run_id) and C(discarded_run_status) are the run that held
      the workspace and its status afterwards (in check mode, now). C(reason) says why nothing was sent.
  returned: when O(force_execute=true)
  type: dict
  sample: {executed: true, discarded_run_id: run-CZcmD7eagjhyX0vN, discarded_run_status: discarded, reason: null}
attributes:
  description: The run attributes sent (or that would be sent), in snake_case; variables by name only.
  returned: always
  type: dict
  sample: {message: Nightly converge, auto_apply: true, variables: [instance_count, region]}
candidate_run_ids:
  description: After an ambiguous failure to queue, the IDs of the several matching runs found (none was adopted).
  returned: when queueing had an unknown outcome
  type: list
  elements: str
  sample: [run-CZcmD7eagjhyX0vN, run-8F5JFydVYAmtTjET]
log_tail:
  description: The last lines of the log of the phase that failed (plan or apply), when the run failed.
  returned: when the run ended in a failure
  type: list
  elements: str
  sample: ["Error: creating EC2 Instance: UnauthorizedOperation", "  with aws_instance.web,"]
"""

from ansible_collections.tfe.runs.plugins.module_utils._module import PLAN_REVIEW_ARGUMENT_SPEC, TfeModule, review_options
from ansible_collections.tfe.runs.plugins.module_utils._queue import REUSE_MODES, WAIT_FOR, QueueSpec, queue_run
from ansible_collections.tfe.runs.plugins.module_utils._run_request import RUN_ATTRIBUTES, option_name

ARGUMENT_SPEC = {
    "workspace_id": {"type": "str"},
    "organization": {"type": "str"},
    "workspace": {"type": "str"},
    "configuration_version_id": {"type": "str"},
    "configuration_path": {"type": "path"},
    "run_message": {"type": "str"},
    "is_destroy": {"type": "bool"},
    "auto_apply": {"type": "bool"},
    "plan_only": {"type": "bool"},
    "save_plan": {"type": "bool"},
    "refresh": {"type": "bool"},
    "refresh_only": {"type": "bool"},
    "target_addrs": {"type": "list", "elements": "str"},
    "replace_addrs": {"type": "list", "elements": "str"},
    "invoke_action_addrs": {"type": "list", "elements": "str"},
    "policy_paths": {"type": "list", "elements": "str"},
    "allow_empty_apply": {"type": "bool"},
    "allow_config_generation": {"type": "bool"},
    "terraform_version": {"type": "str"},
    "debugging_mode": {"type": "bool"},
    "variables": {"type": "dict", "no_log": True},
    "wait": {"type": "bool", "default": True},
    "wait_for": {"type": "str", "choices": list(WAIT_FOR), "default": "final"},
    "wait_timeout": {"type": "int", "default": 3600},
    "reuse": {"type": "str", "choices": list(REUSE_MODES), "default": "never"},
    "force_execute": {"type": "bool", "default": False},
    **PLAN_REVIEW_ARGUMENT_SPEC,
}


def option_for(attribute: str) -> str:
    """The module option of a run attribute; ``message`` is reserved by ansible-core, hence ``run_message``."""
    return "run_message" if attribute == "message" else option_name(attribute)


def main() -> None:
    module = TfeModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=[("workspace_id", "organization"), ("workspace_id", "workspace"),
                            ("configuration_path", "configuration_version_id")],
        required_together=[("organization", "workspace")],
        required_one_of=[("workspace_id", "workspace")],
        supports_check_mode=True,
        hidden_options=("variables",),
        id_options=("workspace_id", "organization", "workspace", "configuration_version_id"),
    )
    params = module.params
    spec = QueueSpec(
        attributes={name: params[option_for(name)] for name in RUN_ATTRIBUTES}, workspace_id=params["workspace_id"],
        organization=params["organization"], workspace=params["workspace"], variables=params["variables"],
        configuration_version_id=params["configuration_version_id"], reuse=params["reuse"], wait=params["wait"],
        wait_for=params["wait_for"], wait_timeout=params["wait_timeout"],
        review=review_options(params, changes_by_default=params["wait_for"] == "plan"),
        force_execute=params["force_execute"], configuration_path=params["configuration_path"])
    module.finish(queue_run(module.client, spec, check_mode=module.check_mode))


if __name__ == "__main__":
    main()
