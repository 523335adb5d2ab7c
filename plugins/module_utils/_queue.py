# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2, the verb "queue a run": find the workspace, reuse or queue, wait, report.

One flow for ``tfe_run``; it takes the client and plain values and returns one ``Outcome``.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._archive import ArchiveError
from ._client import TfeClient
from ._configuration import ConfigurationError, configuration_summary, prepare_archive, upload_configuration
from ._force_execute import force_execute
from ._hcl import HclError
from ._logs import failure_log_tail
from ._outcome import Task, verb
from ._plan_review import PlanReview, ReviewOptions
from ._results import run_report, workspace_summary
from ._run_request import (RUN_ATTRIBUTES, AmbiguousCreateError, RunRequest, create_run, default_message,
                           find_reusable_run)
from ._runs import RunView, complete_view, get_workspace, wait_for_run
from ._statuses import is_failure, is_final, plan_settled, waiting_reason
from ._waiting import Waiter

REUSE_MODES = ("never", "active", "any")
WAIT_FOR = ("plan", "final")
ORG_TOKEN_HINT = "Organization tokens cannot queue runs: use a user or team token."


@dataclass
class QueueSpec:
    """What the task asks for: the workspace, the run's attributes, reuse and waiting."""

    attributes: Dict[str, Any]
    workspace_id: Optional[str] = None
    organization: Optional[str] = None
    workspace: Optional[str] = None
    variables: Optional[Dict[str, Any]] = None
    configuration_version_id: Optional[str] = None
    reuse: str = "never"
    wait: bool = True
    wait_for: str = "final"
    wait_timeout: float = 3600
    review: ReviewOptions = field(default_factory=ReviewOptions)
    force_execute: bool = False
    configuration_path: Optional[str] = None

    @property
    def where(self) -> str:
        if self.workspace_id:
            return "workspace {0}".format(self.workspace_id)
        return "workspace {0}/{1}".format(self.organization, self.workspace)

    def request(self) -> RunRequest:
        """The ``POST /runs`` request; a message unique to this task when none was given."""
        attributes = {name: value for name, value in self.attributes.items()
                      if name in RUN_ATTRIBUTES and value is not None}
        attributes.setdefault("message", default_message())
        return RunRequest("", attributes, self.variables, self.configuration_version_id)

    def problems(self) -> List[str]:
        """Everything wrong with the task's options, found before any request."""
        found = []
        if self.reuse != "never" and not self.attributes.get("message"):
            found.append("reuse={0} needs a message (message or run_message): reuse matches runs by their "
                         "message".format(self.reuse))
        if self.configuration_path is not None and self.configuration_version_id:
            found.append("configuration_path and configuration_version_id exclude each other")
        if self.configuration_path is not None and not self.configuration_path.strip():
            found.append("configuration_path cannot be empty")
        request = self.request()
        found.extend(request.problems())
        found.extend(self.review.problems())
        try:
            request.rendered_variables()
        except HclError as error:
            found.append(str(error))
        return found


@verb
def queue_run(task: Task, client: TfeClient, spec: QueueSpec, *, check_mode: bool = False,
              waiter: Optional[Waiter] = None) -> None:
    """Queue a run (or reuse one), and wait for it as ``spec`` says, within one deadline."""
    problems = spec.problems()
    if problems:
        raise task.fail("Invalid run options: {0}.".format("; ".join(problems)))
    waiter = waiter or Waiter(client.limiter)
    deadline = waiter.deadline(spec.wait_timeout)
    request = spec.request()
    task.attempt("find " + spec.where)
    workspace = get_workspace(client, spec.workspace_id, spec.organization, spec.workspace)
    request.workspace_id = workspace.get("id")
    summary = workspace_summary(workspace)
    task.result.update(reused=False, recovered=False, polls=0, attributes=request.sent_attributes(),
                       workspace=summary, run=None, plan=None, apply=None, phase_durations={})

    existing = None
    if spec.reuse != "never":
        task.attempt("look for a run to reuse on " + spec.where)
        existing = find_reusable_run(client, request, spec.reuse)
    if existing is not None:
        task.result.update(reused=True, **run_report(RunView(existing), workspace, client.site_url))
    elif spec.configuration_path:
        _upload(task, client, request, spec, waiter, deadline, check_mode)
    if check_mode:
        task.changed(existing is None)
        task.result["would_queue"] = existing is None
        _start_now(task, client, existing, request.workspace_id, spec, check_mode=True)
        return
    run = existing if existing is not None else _queue(task, client, request, spec, workspace)
    _start_now(task, client, run, request.workspace_id, spec, check_mode=False)
    if not spec.wait:
        return

    done = plan_settled if spec.wait_for == "plan" else is_final
    task.attempt("wait for run {0}".format(run.get("id")))
    waited = wait_for_run(client, run.get("id"), done, deadline, waiter)
    view = complete_view(client, waited.value)
    task.result.update(polls=waited.polls, **run_report(view, workspace, client.site_url))
    review = PlanReview(client, spec.review, deadline)
    review.read(view)
    review.attach(task.result)
    if is_failure(view.run):
        task.result["log_tail"] = failure_log_tail(client, view)
        raise task.fail("Run {0} on {1} ended {2}. See {3}".format(
            view.id, spec.where, view.status, task.result["run"]["web_url"]))
    if waited.timed_out:
        reason, next_step = waiting_reason(view.run)
        raise task.fail("Run {0} on {1} is not {2} after {3} seconds: {4}. See {5}".format(
            view.id, spec.where, "settled" if spec.wait_for == "plan" else "final", spec.wait_timeout, reason,
            task.result["run"]["web_url"]), next_step)


def _upload(task: Task, client: TfeClient, request: RunRequest, spec: QueueSpec, waiter: Waiter, deadline: float,
            check_mode: bool) -> None:
    """A new configuration version from ``configuration_path`` for the run; check mode packs only."""
    workdir = tempfile.mkdtemp(prefix="tfe-runs-configuration-")
    try:
        try:
            archive = prepare_archive(str(spec.configuration_path), workdir)
        except ArchiveError as error:
            raise task.fail("Cannot upload {0}: {1}.".format(spec.configuration_path, error))
        task.result["configuration_version"] = configuration_summary(archive)
        if check_mode:
            return
        task.attempt("upload the configuration to " + spec.where, hint_404=ORG_TOKEN_HINT)
        try:
            version = upload_configuration(client, request.workspace_id, archive,
                                           speculative=bool(request.attributes.get("plan-only")), deadline=deadline,
                                           waiter=waiter)
        except ConfigurationError as error:
            task.changed()  # a configuration version was created, if not usable
            raise task.fail("{0}. Nothing was queued on {1}.".format(error, spec.where))
        task.changed()
        task.result["configuration_version"] = configuration_summary(archive, version)
        request.configuration_version_id = str(version.get("id"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _start_now(task: Task, client: TfeClient, run: Optional[Dict[str, Any]], workspace_id: str, spec: QueueSpec, *,
               check_mode: bool) -> None:
    """``force_execute``: start the run at once if a discardable run holds the workspace."""
    if not spec.force_execute:
        return
    task.attempt("force-execute run {0}".format((run or {}).get("id") or "(to be queued)"), hint_404=ORG_TOKEN_HINT)
    done = force_execute(client, run, workspace_id, check_mode=check_mode)
    task.result["force_execute"] = done.report()
    if done.executed:
        task.changed()
    if done.warn:
        task.warn("force_execute: " + (done.reason or ""))


def _queue(task: Task, client: TfeClient, request: RunRequest, spec: QueueSpec,
           workspace: Dict[str, Any]) -> Dict[str, Any]:
    """POST the run, recovering instead of duplicating after an ambiguous answer."""
    task.attempt("queue a run on " + spec.where, hint_404=ORG_TOKEN_HINT)
    try:
        created = create_run(client, request)
    except AmbiguousCreateError as error:
        summary = task.result["workspace"]
        runs_url = "{0}/app/{1}/workspaces/{2}/runs".format(client.site_url, summary["organization"],
                                                            summary["name"])
        task.result["candidate_run_ids"] = error.candidate_ids
        raise task.fail("Queueing a run on {0} may or may not have worked: {1}. Check the workspace's runs at {2} "
                        "before trying again.".format(spec.where, error.describe(), runs_url))
    task.changed()
    task.result.update(recovered=created.recovered, **run_report(RunView(created.run), workspace, client.site_url))
    return created.run
