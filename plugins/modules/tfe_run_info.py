#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tfe_run_info
short_description: Read an HCP Terraform or Terraform Enterprise run, or find the runs of a workspace or organization
version_added: 0.1.0
description:
  - Reads one run by its ID (C(GET /api/v2/runs/:id)), in the same shape as the other modules of the collection
    return it.
  - Or lists the runs of a workspace (C(GET /api/v2/workspaces/:id/runs)) or of a whole organization
    (C(GET /api/v2/organizations/:name/runs)), with the API's filters, as a normal user. This works on HCP
    Terraform, which has no admin API; on Terraform Enterprise, site administrators can also list every run of
    the installation with M(tfe.runs.tfe_admin_run_info).
  - TFE allows only 30 requests a minute on these two lists, per user. The module reads only as many pages as
    O(limit) needs, shares the collection's request budget with every other task of the same user on this
    machine, and says in RV(truncated) when more runs matched.
  - Runs come newest first. Plan-only runs are listed too (the API hides them unless asked for).
author:
  - tfe.runs contributors (@tfe-runs)
options:
  run_id:
    description:
      - ID of one run to read (V(run-...)). Mutually exclusive with the listing options.
    type: str
  workspace_id:
    description:
      - List the runs of the workspace with this ID (V(ws-...)).
      - Mutually exclusive with O(organization) and O(workspace).
    type: str
  organization:
    description:
      - With O(workspace), the organization of the workspace whose runs to list.
      - Alone, list the runs of every workspace of this organization. That list holds the runs of the last
        year only, and TFE reports no totals for it.
    type: str
  workspace:
    description:
      - Name of the workspace whose runs to list. Requires O(organization).
    type: str
  status:
    description:
      - Only runs in one of these statuses (C(filter[status])), for example V(planning), V(planned),
        V(policy_override), V(applying), V(errored). An unknown status fails the task with the list of valid ones.
    type: list
    elements: str
  status_group:
    description:
      - Only runs of this group (C(filter[status_group])). V(non_final) are queued, running or waiting for
        someone; V(final) have ended; V(discardable) wait for confirmation or an override and can be discarded.
    type: str
    choices: [non_final, final, discardable]
  operation:
    description:
      - Only runs of these operations (C(filter[operation])). By default all of them, plan-only runs included.
    type: list
    elements: str
    choices: [plan_only, plan_and_apply, save_plan, refresh_only, destroy, empty_apply, action_only]
  source:
    description:
      - Only runs from these sources (C(filter[source])), such as V(tfe-api), V(tfe-ui),
        V(tfe-configuration-version).
    type: list
    elements: str
  workspace_names:
    description:
      - With O(organization) alone, only the runs of the workspaces with these names
        (C(filter[workspace_names])).
    type: list
    elements: str
  search:
    description:
      - Search text (C(search[basic])). TFE matches it against the run ID, the run message, the VCS user and the
        commit SHA. Ignored by TFE when O(user) or O(commit) is given.
    type: str
  user:
    description:
      - Only runs of this VCS user or TFE user name (C(search[user])).
    type: str
  commit:
    description:
      - Only runs of this commit SHA (C(search[commit])).
    type: str
  created_after:
    description:
      - Only runs created at or after this time, in the same forms as in M(tfe.runs.tfe_admin_run_info). An ISO 8601
        time (V(2025-01-31T09:00:00Z), V(2025-01-31); UTC when no zone is given), or an age such as V(30m), V(2h),
        V(3d) or V(1w).
      - The run lists have no date filter, so the module filters itself. As the lists come newest first, the
        listing ends after a whole page of runs created earlier, without reading further pages (unless the
        server does not list newest first, in which case the whole list is read).
    type: str
  created_before:
    description:
      - Only runs created at or before this time. Same forms as O(created_after); V(2h) means "created more
        than two hours ago". Applied by the module.
    type: str
  limit:
    description:
      - Return at most this many runs; RV(truncated) tells whether more matched. Each further O(page_size) runs
        costs one more of the 30 requests a minute.
      - V(0) returns no run, only the counts (RV(total_count), RV(status_counts)), in a single request.
    type: int
    default: 100
  page_size:
    description:
      - Runs per API request, from V(1) to V(100).
    type: int
    default: 100
  fields:
    description:
      - Return only these keys of each listed run, plus C(id), C(status) and C(workspace), which are always kept.
        Names are the run's attribute names in snake_case (V(created_at), V(status_timestamps), V(message),
        V(source), V(actions), V(web_url) ...). A run that lacks one has it as null; when no run has it, the
        module warns (a misspelled name).
      - A listing of thousands of runs with every attribute is megabytes that Ansible must handle; naming the
        keys a playbook uses keeps it fast.
      - By default every attribute is returned.
    type: list
    elements: str
extends_documentation_fragment:
  - tfe.runs.connection
  - tfe.runs.plan_review
  - tfe.runs.attributes
attributes:
  check_mode:
    support: full
    details:
      - This module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - This module never changes anything; the runs it returns change as TFE works on them.
notes:
  - O(plan_changes) and O(plan_log_lines) apply to O(run_id) only; a listing never reads plans.
  - Whatever the server does, a listing ends. It stops at the last page, at an empty page, at a page that repeats runs
    already seen (a server that ignores C(page[number]), with a warning), after 1,000 pages or after 30 minutes.
  - A server that ignores the status, status group or source filter is filtered on the client, with a warning.
  - TFE has no counts per status for these lists. For a count per status, use one task per status with
    O(limit=0) (one request each); site administrators get them all in one request with
    M(tfe.runs.tfe_admin_run_info).
seealso:
  - module: tfe.runs.tfe_admin_run_info
  - module: tfe.runs.tfe_run_cancel
  - name: Runs API
    description: The list endpoints this module calls.
    link: https://developer.hashicorp.com/terraform/cloud-docs/api-docs/run#list-runs-in-a-workspace
"""

EXAMPLES = r"""
- name: Read one run
  tfe.runs.tfe_run_info:
    run_id: run-CZcmD7eagjhyX0vN
  register: one

- name: The runs of a workspace that are still going, small results
  tfe.runs.tfe_run_info:
    organization: acme
    workspace: network-prod
    status_group: non_final
    fields: [created_at, status_timestamps, message]
  register: active

- name: Every errored run of two workspaces in the last day
  tfe.runs.tfe_run_info:
    organization: acme
    workspace_names: [network-prod, network-stage]
    status: [errored]
    created_after: 1d
    limit: 1000

- name: How many runs a workspace has, in one request
  tfe.runs.tfe_run_info:
    workspace_id: ws-SihZTyXKfNXUWuUa
    limit: 0
  register: counted

- name: Runs of the organization that wait for a decision since more than a day
  tfe.runs.tfe_run_info:
    organization: acme
    status_group: discardable
    created_before: 1d
    fields: [web_url]
  register: stale

- name: Nobody forgot a plan
  ansible.builtin.assert:
    that: stale.runs | length == 0
    fail_msg: "Waiting for a decision: {{ stale.runs | map(attribute='web_url') | join(', ') }}"
"""

RETURN = r"""
run:
  description:
    - With O(run_id), the run, keys in snake_case, with C(id) and C(web_url); the same shape as
      M(tfe.runs.tfe_run) returns. Run variables are listed by key only.
  returned: with run_id
  type: dict
  sample:
    id: run-CZcmD7eagjhyX0vN
    web_url: https://app.terraform.io/app/acme/workspaces/network-prod/runs/run-CZcmD7eagjhyX0vN
    status: planned
    message: Queued by Ansible
    actions: {is_cancelable: false, is_confirmable: true, is_discardable: true, is_force_cancelable: false}
workspace:
  description: With O(run_id), the run's workspace.
  returned: with run_id
  type: dict
  sample: {id: ws-6jrRyVDv1J8zQMB5, name: network-prod, organization: acme}
plan:
  description:
    - With O(run_id), the run's plan summary (no log URL), and once the plan has finished its C(changes),
      C(output_changes), C(change_counts), C(changes_unavailable) and C(log) as M(tfe.runs.tfe_run) returns them
      (see O(plan_changes) and O(plan_log_lines)).
  returned: with run_id
  type: dict
  sample: {id: plan-8F5JFydVYAmtTjET, status: finished, resource_additions: 1, resource_changes: 0,
           resource_destructions: 0, resource_imports: 0, has_changes: true, status_timestamps: {}}
apply:
  description: With O(run_id), the run's apply summary (no log URL).
  returned: with run_id
  type: dict
  sample: {id: apply-47MBvjwzBG8YKc2v, status: unreachable, resource_additions: 0, resource_changes: 0,
           resource_destructions: 0, resource_imports: 0, status_timestamps: {}}
phase_durations:
  description: With O(run_id), seconds spent queued, planning, applying and in total.
  returned: with run_id
  type: dict
  sample: {queued: 2.0, plan: 20.5}
runs:
  description:
    - The runs listed, newest first, each in the shape of RV(run) plus its C(workspace); with O(fields), only
      C(id), C(status), C(workspace) and those fields.
  returned: when listing
  type: list
  elements: dict
  sample:
    - id: run-CZcmD7eagjhyX0vN
      status: planning
      created_at: "2026-11-30T08:12:44.171Z"
      workspace: {id: ws-6jrRyVDv1J8zQMB5, name: network-prod, organization: acme}
total_count:
  description:
    - Number of runs that match, as TFE counts them (C(meta.pagination.total-count)), even when O(limit)
      returned fewer.
    - Null for an organization listing (its API reports no totals), and when the module filtered runs itself
      (O(created_after), O(created_before), a filter the server ignored) without reading the whole list.
  returned: when listing
  type: int
  sample: 42
status_counts:
  description:
    - Runs per status when the server reports C(meta.status-counts) for this list (the API does not document it;
      null otherwise). See the notes for counting per status.
  returned: when listing
  type: dict
  sample: null
pages_fetched:
  description: Number of pages read from the API (retries not counted).
  returned: when listing
  type: int
  sample: 1
truncated:
  description:
    - Whether runs that matched were left out, because O(limit) stopped the listing or the listing reached its
      page or time bound (a warning then says which).
  returned: when listing
  type: bool
  sample: false
"""

from ansible_collections.tfe.runs.plugins.module_utils._module import PLAN_REVIEW_ARGUMENT_SPEC, TfeModule, review_options
from ansible_collections.tfe.runs.plugins.module_utils._run_info import OPERATIONS, run_info
from ansible_collections.tfe.runs.plugins.module_utils._statuses import STATUS_GROUPS

LISTING_OPTIONS = ("workspace_id", "organization", "workspace", "status", "status_group", "operation", "source",
                   "workspace_names", "search", "user", "commit", "created_after", "created_before", "fields")

ARGUMENT_SPEC = {
    "run_id": {"type": "str"},
    "workspace_id": {"type": "str"},
    "organization": {"type": "str"},
    "workspace": {"type": "str"},
    "status": {"type": "list", "elements": "str"},
    "status_group": {"type": "str", "choices": list(STATUS_GROUPS)},
    "operation": {"type": "list", "elements": "str", "choices": list(OPERATIONS)},
    "source": {"type": "list", "elements": "str"},
    "workspace_names": {"type": "list", "elements": "str"},
    "search": {"type": "str"},
    "user": {"type": "str"},
    "commit": {"type": "str"},
    "created_after": {"type": "str"},
    "created_before": {"type": "str"},
    "limit": {"type": "int", "default": 100},
    "page_size": {"type": "int", "default": 100},
    "fields": {"type": "list", "elements": "str"},
    **PLAN_REVIEW_ARGUMENT_SPEC,
}


def main() -> None:
    module = TfeModule(
        argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
        id_options=("run_id", "workspace_id", "organization", "workspace", "workspace_names"),
        mutually_exclusive=[("run_id", name) for name in LISTING_OPTIONS] + [
            ("workspace_id", "organization"), ("workspace_id", "workspace"), ("workspace_id", "workspace_names"),
            ("workspace", "workspace_names")],
        required_one_of=[("run_id", "workspace_id", "organization", "workspace")],
        required_by={"workspace": "organization"})
    params = module.params
    module.finish(run_info(
        module.client, run_id=params["run_id"], workspace_id=params["workspace_id"],
        organization=params["organization"], workspace=params["workspace"], statuses=params["status"],
        status_group=params["status_group"], operations=params["operation"], sources=params["source"],
        workspace_names=params["workspace_names"], search=params["search"], user=params["user"],
        commit=params["commit"], created_after=params["created_after"], created_before=params["created_before"],
        limit=params["limit"], page_size=params["page_size"], fields=params["fields"],
        review=review_options(params)))


if __name__ == "__main__":
    main()
