# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """What the run modules show of a finished plan (mirrors PLAN_REVIEW_ARGUMENT_SPEC)."""

    DOCUMENTATION = r"""
options:
  plan_changes:
    description:
      - Once the run's plan has finished, return its resource changes in C(plan.changes), read from the JSON plan
        (C(GET /api/v2/plans/:id/json-output), two requests). Each change names the resource and its action, never
        an attribute value, since the JSON plan holds sensitive values in clear.
      - Reading the JSON plan needs admin access to the workspace, and Terraform 0.12 or later. Without it the task
        still succeeds; C(plan.changes) is null and C(plan.changes_unavailable) says why. The counts
        (C(plan.resource_additions) ...) are always there.
      - TFE can report a plan finished a moment before its JSON plan is ready, and then answers "not finished
        yet" (204). That answer is asked again after 1, 2 and 4 seconds (never past the task's deadline) before
        C(plan.changes_unavailable) says the plan has not finished.
      - When not set, on for M(tfe.runs.tfe_run) with O(tfe.runs.tfe_run#module:wait_for=plan), the run a
        reviewer looks at before approving it, and off otherwise, since reading a JSON plan costs two
        requests of the user's rate limit and needs workspace admin access. M(tfe.runs.tfe_run_apply) reads the changes anyway when it has
        protections to judge.
    type: bool
  plan_log_lines:
    description:
      - Once the run's plan has ended, return the last this many lines of its log in C(plan.log), without colours
        and framing bytes; V(-1) returns all of it, up to 1 MiB. V(0) (the default) reads no log.
      - The log is read from its own storage URL, in chunks, without the token; the URL is never shown.
    type: int
    default: 0
"""
