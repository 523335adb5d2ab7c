#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tfe_admin_run_info
short_description: List and search every run on a Terraform Enterprise installation (site administrators)
version_added: 0.1.0
description:
  - Lists the runs of all organizations and workspaces of a Terraform Enterprise installation through the
    admin runs API (C(GET /api/v2/admin/runs)), to see what is queued, running or stuck.
  - Needs the token of a site administrator. HCP Terraform has no admin API.
  - Every run comes with its workspace and organization. All pages are read by default; after the first
    page, the rest are fetched by a few concurrent requests that share one client-side rate limit
    (under the API's 30 requests per second) and back off together on HTTP 429.
  - The list can change while it is read; runs are de-duplicated by ID and keep the API's order
    (newest first on current installations).
author:
  - tfe.runs contributors (@tfe-runs)
options:
  query:
    description:
      - Search text, sent as the API's C(q) parameter. TFE matches it against the run ID, the workspace name,
        the organization name or email, and the VCS repository (C(org/repo)). It is a fuzzy search.
      - Mutually exclusive with O(run_id).
    type: str
  run_id:
    description:
      - Return only the run with exactly this ID (C(run-...)), as a one-element RV(runs).
        RV(runs) is empty when no such run exists.
      - Mutually exclusive with O(query) and O(limit).
    type: str
  status:
    description:
      - Only runs in one of these statuses, sent as C(filter[status]).
      - Any status of the TFE run status vocabulary is accepted, for example V(pending), V(planning),
        V(planned), V(policy_override), V(apply_queued), V(applying), V(errored); an unknown status fails
        the task with the list of valid ones.
      - The admin API documents the filter only for V(pending), V(plan_queued), V(planning), V(planned),
        V(confirmed), V(apply_queued), V(applying), V(applied), V(discarded), V(errored), V(canceled),
        V(cost_estimating), V(cost_estimated), V(policy_checking), V(policy_override), V(policy_soft_failed),
        V(policy_checked) and V(planned_and_finished); for other statuses the module warns, as TFE may match no run.
    type: list
    elements: str
  created_after:
    description:
      - Only runs created at or after this time, sent as C(filter[from]).
      - An ISO 8601 time (V(2025-01-31T09:00:00Z), V(2025-01-31T10:00:00+01:00), V(2025-01-31); UTC when
        no zone is given), or an age meaning "that long ago" such as V(30m), V(2h), V(3d) or V(1w)
        (units C(s), C(m), C(h), C(d), C(w)).
      - Also applied by the module itself, since older installations ignore the date filters.
    type: str
  created_before:
    description:
      - Only runs created at or before this time, sent as C(filter[to]). Same forms as O(created_after);
        V(2h) means "created more than two hours ago".
      - Also applied by the module itself, since older installations ignore the date filters.
    type: str
  limit:
    description:
      - Stop after this many runs; RV(truncated) tells whether more matched.
      - V(0) returns no runs, only RV(status_counts) and RV(total_count), in a single request.
      - By default every matching run is returned.
    type: int
  page_size:
    description:
      - Runs per API request, from V(1) to V(100).
    type: int
    default: 100
  fields:
    description:
      - Return only these keys of each run, plus C(id), C(status) and C(workspace), which are always kept.
        Names are the result's keys (V(created_at), V(status_timestamps), V(has_changes), V(web_url)). A run
        that lacks one has it as null; when no run has it, the module warns (a misspelled name).
      - A listing of 10,000 runs with every key is several megabytes that Ansible must handle; naming the keys
        a playbook uses keeps the whole task close to the time the API needs.
      - By default every key is returned.
    type: list
    elements: str
extends_documentation_fragment:
  - tfe.runs.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
attributes:
  check_mode:
    support: full
    details:
      - This module only reads; it behaves the same in check mode.
  diff_mode:
    support: N/A
    details:
      - This module only reads.
  idempotent:
    description:
      - When run twice in a row with the same arguments, the second run reports no change.
    support: full
    details:
      - This module never changes anything; the runs it returns change as TFE works on them.
  action_group:
    support: full
    membership:
      - tfe.runs.tfe
  platform:
    platforms: posix
notes:
  - Only the admin list's own run attributes are returned for each run (C(status), C(status_timestamps),
    C(has_changes), C(created_at)); the other modules of the collection read everything about one run by its ID.
  - A run that is created or deleted while the pages are read can be missed or seen twice by the API;
    the module drops the repeats.
  - Whatever the server does, a listing ends. It stops at the last page the server announces, at an empty
    page, at a page that brings no run not seen before (a server that ignores C(page[number])), after
    1,000 pages or after 30 minutes; it warns when the runs returned may not be all that match.
  - A server that ignores the status filter or the creation window is filtered on the client, with a
    warning; one that ignores C(include) has the runs' workspaces fetched directly (at most 50).
  - The API's rate limit is per user; other tools using the same account share it.
seealso:
  - name: Admin runs API
    description: The Terraform Enterprise API endpoint this module calls.
    link: https://developer.hashicorp.com/terraform/enterprise/api-docs/admin/runs
"""

EXAMPLES = r"""
- name: Runs stuck in planning for more than 2 hours
  tfe.runs.tfe_admin_run_info:
    tfe_address: https://tfe.example.com
    status: planning
    created_before: 2h
  delegate_to: localhost
  register: stuck

- name: Show where they are
  ansible.builtin.debug:
    msg: "{{ item.id }} in {{ item.workspace.organization }}/{{ item.workspace.name }} since {{ item.created_at }}"
  loop: "{{ stuck.runs }}"
  loop_control:
    label: "{{ item.id }}"

- name: Every run waiting for capacity or for a person, on the whole installation
  module_defaults:
    group/tfe.runs.tfe:
      tfe_address: https://tfe.example.com
      # the token comes from TFE_TOKEN (an AWX credential, for example)
  delegate_to: localhost
  block:
    - name: Queued and paused runs
      tfe.runs.tfe_admin_run_info:
        status:
          - pending
          - plan_queued
          - apply_queued
          - policy_override
      register: waiting

    - name: Fail when too many runs queue up
      ansible.builtin.assert:
        that: waiting.total_count < 50
        fail_msg: "{{ waiting.total_count }} runs are waiting: {{ waiting.status_counts }}"

- name: Only the counts per status (one request)
  tfe.runs.tfe_admin_run_info:
    limit: 0
  delegate_to: localhost
  register: counts

- name: Runs of the last day in one organization, newest 20
  tfe.runs.tfe_admin_run_info:
    query: acme
    created_after: 1d
    limit: 20
  delegate_to: localhost
  register: recent

- name: One run by ID, whichever workspace it is in
  tfe.runs.tfe_admin_run_info:
    run_id: run-CZcmD7eagjhyX0vN
  delegate_to: localhost
  register: found

- name: Its workspace
  ansible.builtin.debug:
    msg: "{{ found.runs[0].workspace if found.runs else 'no such run' }}"
"""

RETURN = r"""
runs:
  description:
    - The matching runs, in the API's order, each at most once.
    - Each has the attributes the admin list carries, with snake_case keys, plus C(id), C(web_url) and C(workspace).
  returned: success
  type: list
  elements: dict
  sample:
    - id: run-CZcmD7eagjhyX0vN
      status: planning
      has_changes: false
      created_at: "2025-06-02T07:14:03.000Z"
      status_timestamps:
        plan_queueable_at: "2025-06-02T07:14:03+00:00"
        plan_queued_at: "2025-06-02T07:14:04+00:00"
        planning_at: "2025-06-02T07:14:09+00:00"
      web_url: https://tfe.example.com/app/acme/workspaces/network-prod/runs/run-CZcmD7eagjhyX0vN
      workspace:
        id: ws-SihZTyXKfNXUWuUa
        name: network-prod
        organization: acme
  contains:
    id:
      description: The run ID.
      type: str
      returned: always
      sample: run-CZcmD7eagjhyX0vN
    status:
      description: The run's status.
      type: str
      returned: always
      sample: planning
    status_timestamps:
      description: When the run entered each status it has passed through, keyed C(<status>_at).
      type: dict
      returned: always
      sample:
        plan_queueable_at: "2025-06-02T07:14:03+00:00"
        planning_at: "2025-06-02T07:14:09+00:00"
    has_changes:
      description: Whether the plan found changes to make.
      type: bool
      returned: always
      sample: false
    created_at:
      description: When the run was created (RFC 3339).
      type: str
      returned: always
      sample: "2025-06-02T07:14:03.000Z"
    web_url:
      description: The run's page in the TFE user interface; null if the workspace is unknown.
      type: str
      returned: always
      sample: https://tfe.example.com/app/acme/workspaces/network-prod/runs/run-CZcmD7eagjhyX0vN
    workspace:
      description: The run's workspace.
      type: dict
      returned: always
      sample:
        id: ws-SihZTyXKfNXUWuUa
        name: network-prod
        organization: acme
      contains:
        id:
          description: Workspace ID.
          type: str
          returned: always
        name:
          description: Workspace name.
          type: str
          returned: always
        organization:
          description: Organization name.
          type: str
          returned: always
status_counts:
  description:
    - Number of runs per status, as TFE reports them in C(meta.status-counts), with snake_case keys, plus C(total).
      They are not reduced by O(limit).
    - The keys are the statuses the installation reports; older installations report fewer.
    - With O(run_id), or when the installation ignored the date filters and all runs were read, the counts
      are those of RV(runs).
  returned: success
  type: dict
  sample:
    pending: 3
    planning: 2
    planned: 1
    confirmed: 0
    applying: 0
    applied: 1290
    discarded: 12
    errored: 41
    canceled: 6
    policy_checking: 0
    policy_override: 1
    policy_checked: 0
    total: 1356
total_count:
  description:
    - Number of runs that match all the filters, as TFE counts them (C(meta.pagination.total-count)),
      even when O(limit) returned fewer.
  returned: success
  type: int
  sample: 6
pages_fetched:
  description: Number of pages read from the API (retries not counted).
  returned: success
  type: int
  sample: 1
truncated:
  description:
    - Whether runs that matched were left out, because O(limit) stopped the listing, or because the
      listing reached its page or time bound, or the server's pages held fewer runs than it counted
      (a warning then says which).
  returned: success
  type: bool
  sample: false
"""

from ansible_collections.tfe.runs.plugins.module_utils._admin import list_admin_runs
from ansible_collections.tfe.runs.plugins.module_utils._module import TfeModule

ARGUMENT_SPEC = {
    "query": {"type": "str"},
    "run_id": {"type": "str"},
    "status": {"type": "list", "elements": "str"},
    "created_after": {"type": "str"},
    "created_before": {"type": "str"},
    "limit": {"type": "int"},
    "page_size": {"type": "int", "default": 100},
    "fields": {"type": "list", "elements": "str"},
}


def main() -> None:
    module = TfeModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, id_options=("run_id",),
                       mutually_exclusive=[("query", "run_id"), ("run_id", "limit")])
    params = module.params
    module.finish(list_admin_runs(
        module.client, query=params["query"], statuses=params["status"], created_after=params["created_after"],
        created_before=params["created_before"], run_id=params["run_id"], page_size=params["page_size"],
        limit=params["limit"], fields=params["fields"]))


if __name__ == "__main__":
    main()
