#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tfe_run_cancel
short_description: Discard or cancel an HCP Terraform or Terraform Enterprise run, idempotently
version_added: 0.1.0
description:
  - Stops a run as a normal user, so that a denied or abandoned plan never leaves its workspace locked.
  - A run that waits (pending, waiting for confirmation, stopped by a policy override, a saved plan) is
    discarded (C(POST /api/v2/runs/:id/actions/discard)); a run that works (queued, planning, applying) is
    canceled (C(.../actions/cancel)). The choice is read from the run's C(actions.is-discardable) and
    C(actions.is-cancelable).
  - A run that is already final is left alone with C(changed=false).
  - With O(force=true), a run that a normal cancel did not stop is force-canceled once TFE allows it
    (C(actions.is-force-cancelable), after its cool-off period).
author:
  - tfe.runs contributors (@tfe-runs)
extends_documentation_fragment:
  - tfe.runs.connection
  - tfe.runs.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the run and reports the action it would take; never discards, cancels or waits.
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
      - Comment recorded with the discard or cancel.
    type: str
  force:
    description:
      - When a normal cancel does not end the run, force-cancel it as soon as TFE allows (needs workspace admin
        rights). A force-cancel kills Terraform at once and may lose state being written.
      - Only has an effect with O(wait=true). The force-cancel is sent once the normal cancel was sent and
        TFE's cool-off has passed, which the task waits for.
    type: bool
    default: false
  wait:
    description:
      - Wait until the run is final. With V(false) the task sends the discard or cancel the run allows now
        and ends; a run that nothing can stop at this moment is reported with RV(decision=not_yet)
        and left alone.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait.
    type: int
    default: 3600
seealso:
  - module: tfe.runs.tfe_run
  - module: tfe.runs.tfe_run_apply
  - module: tfe.runs.tfe_admin_run_cancel
"""

EXAMPLES = r"""
- name: Deny branch of an approval workflow, never leave the workspace locked
  tfe.runs.tfe_run_cancel:
    run_id: "{{ planned.run.id }}"
    comment: "Denied in change 4711"
  delegate_to: localhost

- name: Stop a run that hangs while applying, force-cancelling it when allowed
  tfe.runs.tfe_run_cancel:
    run_id: run-CZcmD7eagjhyX0vN
    force: true
    wait_timeout: 1800
  delegate_to: localhost
"""

RETURN = r"""
decision:
  description:
    - What the run's state called for when the task read it. V(discard), V(cancel), V(force_cancel),
      V(already_final), V(cancel_requested) (a cancel was sent before and is still taking effect),
      or V(not_yet) (nothing can stop it at this moment, for example during the force-cancel cool-off).
      The same key as M(tfe.runs.tfe_run_apply) returns.
  returned: always
  type: str
  sample: discard
action:
  description:
    - What this task did (or would do in check mode) V(discard), V(cancel), V(force_cancel), or V(none)
      when the run was already final or nothing could be sent.
  returned: always
  type: str
  sample: discard
previous_status:
  description: The run's status when the task first read it.
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
    status: discarded
    actions: {is_cancelable: false, is_confirmable: false, is_discardable: false, is_force_cancelable: false}
workspace:
  description: The run's workspace.
  returned: always
  type: dict
  sample: {id: ws-6jrRyVDv1J8zQMB5, name: network-prod, organization: acme}
plan:
  description: The run's plan summary (no log URL).
  returned: always
  type: dict
  sample: {id: plan-8F5JFydVYAmtTjET, status: finished, resource_additions: 1, resource_changes: 0,
           resource_destructions: 0, resource_imports: 0, has_changes: true, status_timestamps: {}}
apply:
  description: The run's apply summary (no log URL).
  returned: always
  type: dict
  sample: {id: apply-47MBvjwzBG8YKc2v, status: unreachable, resource_additions: 0, resource_changes: 0,
           resource_destructions: 0, resource_imports: 0, status_timestamps: {}}
phase_durations:
  description: Seconds spent queued, planning, applying and in total.
  returned: always
  type: dict
  sample: {queued: 2.0, plan: 20.5, total: 95.0}
polls:
  description: How many times the run was read while waiting.
  returned: always
  type: int
  sample: 3
"""


from ansible_collections.tfe.runs.plugins.module_utils._module import TfeModule
from ansible_collections.tfe.runs.plugins.module_utils._stop import stop_run

ARGUMENT_SPEC = {
    "run_id": {"type": "str", "required": True},
    "comment": {"type": "str"},
    "force": {"type": "bool", "default": False},
    "wait": {"type": "bool", "default": True},
    "wait_timeout": {"type": "int", "default": 3600},
}


def main() -> None:
    module = TfeModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, id_options=("run_id",))
    params = module.params
    module.finish(stop_run(module.client, params["run_id"], comment=params["comment"], force=params["force"],
                           wait=params["wait"], wait_timeout=params["wait_timeout"], check_mode=module.check_mode))


if __name__ == "__main__":
    main()
