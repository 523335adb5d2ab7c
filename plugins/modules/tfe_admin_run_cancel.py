#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tfe_admin_run_cancel
short_description: Force-cancel stuck Terraform Enterprise runs as a site administrator
version_added: 0.1.0
description:
  - Frees workspaces whose runs are stuck, through the Terraform Enterprise admin API (site administrators only;
    HCP Terraform has no admin API).
  - Each run is read first through the admin API. A run that is already final is left alone
    (C(changed=false)); otherwise the admin cancel is sent and, with O(wait), the run is read back until final.
  - Works on current installations (C(POST /api/v2/admin/runs/:id/actions/force-cancel), the run ends
    V(canceled)) and on 2018-era ones (C(POST /api/v2/admin/runs/:id/actions/cancel), the run ends V(errored)).
    With O(endpoint=auto) the route is found once per task and reported.
  - With O(run_ids), every run is handled even when one fails; the task fails after trying all of them
    if any failed or was not found.
author:
  - tfe.runs contributors (@tfe-runs)
extends_documentation_fragment:
  - tfe.runs.connection
  - tfe.runs.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads every run and reports the outcome it would have; sends no cancel.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  run_id:
    description:
      - ID of one run to cancel (V(run-...)).
    type: str
  run_ids:
    description:
      - IDs of several runs to cancel in one task.
    type: list
    elements: str
  comment:
    description:
      - Comment recorded with the force-cancel. The 2018 cancel route takes none; it is then dropped with a warning.
    type: str
  endpoint:
    description:
      - V(force_cancel) uses C(/admin/runs/:id/actions/force-cancel) (current TFE).
      - V(cancel) uses C(/admin/runs/:id/actions/cancel) (TFE 201807-era, the run ends V(errored)).
      - V(auto) tries V(force_cancel) and falls back to V(cancel) when the installation does not have the
        newer route.
    type: str
    choices: [auto, force_cancel, cancel]
    default: auto
  wait:
    description:
      - Read each run back until it is final.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each run.
    type: int
    default: 60
notes:
  - TFE answers 404 both for an unknown run and for a token that is not a site administrator; the module
    tells them apart by whether the admin run list itself is refused.
seealso:
  - module: tfe.runs.tfe_admin_run_info
  - module: tfe.runs.tfe_run_cancel
"""

EXAMPLES = r"""
- name: Free the workspaces of runs stuck in planning for more than 2 hours
  module_defaults:
    group/tfe.runs.tfe:
      tfe_address: https://tfe.example.com
      # TFE_TOKEN holds a site administrator's user token.
  delegate_to: localhost
  block:
    - name: Find them
      tfe.runs.tfe_admin_run_info:
        status: [planning]
        created_before: 2h
      register: stuck

    - name: Force-cancel them all
      tfe.runs.tfe_admin_run_cancel:
        run_ids: "{{ stuck.runs | map(attribute='id') | list }}"
        comment: "Stuck for more than 2 hours"
      when: stuck.runs | length > 0

- name: Cancel one run on a 2018-era installation
  tfe.runs.tfe_admin_run_cancel:
    run_id: run-CZcmD7eagjhyX0vN
    endpoint: cancel
  delegate_to: localhost
"""

RETURN = r"""
runs:
  description: One entry per run, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The run ID.
      type: str
      sample: run-CZcmD7eagjhyX0vN
    previous_status:
      description: The status before the task acted (null when the run was not found).
      type: str
      sample: planning
    status:
      description: The status after the task (the same as previous_status when nothing was sent).
      type: str
      sample: canceled
    outcome:
      description: V(canceled), V(already_final), V(not_found) or V(failed). In check mode, the outcome it would have.
      type: str
      sample: canceled
    endpoint:
      description: The admin route used, V(force_cancel) or V(cancel); null when nothing was sent.
      type: str
      sample: force_cancel
    reason:
      description: Why the run was not found or failed, or why its final status is unconfirmed.
      type: str
      returned: when outcome is not_found or failed, or confirmed is false
      sample: "still planning 60 seconds after the cancel"
    confirmed:
      description:
        - V(false) when the cancel was taken but the run could not be read again afterwards (the admin
          list no longer shows it and the cancel's answer did not carry it), so canceled with its final status unconfirmed.
      type: bool
      returned: when the final status is unconfirmed
      sample: false
    run:
      description: The run as the admin API lists it (status, timestamps, workspace), null when not found.
      type: dict
      sample: {id: run-CZcmD7eagjhyX0vN, status: canceled, workspace: {id: ws-6jrRyVDv1J8zQMB5, name: app, organization: acme}}
  sample:
    - id: run-CZcmD7eagjhyX0vN
      previous_status: planning
      status: canceled
      outcome: canceled
      endpoint: force_cancel
run:
  description: The entry of O(run_id) (same shape as an element of RV(runs)).
  returned: when O(run_id) was given
  type: dict
  sample: {id: run-CZcmD7eagjhyX0vN, previous_status: pending, status: canceled, outcome: canceled, endpoint: force_cancel}
endpoint:
  description: The admin route this installation has, as found by the task (null when nothing was sent).
  returned: always
  type: str
  sample: force_cancel
"""

from ansible_collections.tfe.runs.plugins.module_utils._admin_cancel import ENDPOINTS, admin_cancel_runs
from ansible_collections.tfe.runs.plugins.module_utils._module import TfeModule

ARGUMENT_SPEC = {
    "run_id": {"type": "str"},
    "run_ids": {"type": "list", "elements": "str"},
    "comment": {"type": "str"},
    "endpoint": {"type": "str", "choices": list(ENDPOINTS), "default": "auto"},
    "wait": {"type": "bool", "default": True},
    "wait_timeout": {"type": "int", "default": 60},
}


def main() -> None:
    module = TfeModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=[("run_id", "run_ids")],
                       required_one_of=[("run_id", "run_ids")], supports_check_mode=True,
                       id_options=("run_id", "run_ids"))
    params = module.params
    outcome = admin_cancel_runs(module.client, [params["run_id"]] if params["run_id"] else params["run_ids"],
                                endpoint=params["endpoint"], comment=params["comment"], wait=params["wait"],
                                wait_timeout=params["wait_timeout"], check_mode=module.check_mode)
    if params["run_id"] and outcome.result.get("runs"):
        outcome.result["run"] = outcome.result["runs"][0]
    module.finish(outcome)


if __name__ == "__main__":
    main()
