# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2, the verb "apply a run": decide, confirm once, wait for the apply, within one deadline."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from ._client import TfeClient
from ._errors import TfeHttpError
from ._jsonapi import api_path, related_id, related_ids
from ._logs import failure_log_tail
from ._outcome import Task, verb
from ._overrides import GATES, find_gate, pass_gate
from ._plan_review import PlanReview, ReviewOptions, describe_violations
from ._protections import parse_protections
from ._results import run_report
from ._run_actions import CONFIRM, DISCARD, NO_ACTION, ORG_TOKEN_HINT, ActOutcome, act_on_run
from ._runs import RunView, complete_view, get_run, wait_for_run
from ._statuses import (CONFIRM_OR_DISCARD, OVERRIDE_OR_DISCARD, attribute, is_confirmable, is_failure, is_final,
                        is_plan_only, run_status, status_info, waiting_reason)
from ._waiting import Waiter

ALREADY_APPLYING = "already_applying"
NOTHING_TO_APPLY = "nothing_to_apply"
PLAN_ONLY = "plan_only"
POLICY_OVERRIDE = "policy_override"
HUMAN_GATE = "human_gate"
ENDED = "ended"
STILL_PLANNING = "still_planning"
# Decisions after which the task has nothing more to do or wait for.
_SETTLED = (ALREADY_APPLYING, NOTHING_TO_APPLY)
# Decisions that mean a gate waits for a person: what ``override`` may pass.
_GATES = (POLICY_OVERRIDE, HUMAN_GATE)
# A run passes through a few gates at most (pre-plan, post-plan, policy, pre-apply): a server that
# keeps presenting gates after this many overrides is not believed, and the task ends.
MAX_OVERRIDES = 6


def decide_apply(run: Dict[str, Any]) -> str:
    """What applying this run means now. Exactly one outcome for any status."""
    status = run_status(run)
    info = status_info(status)
    if is_confirmable(run):
        return CONFIRM
    if info.apply_phase:
        return ALREADY_APPLYING
    if is_plan_only(run):
        return PLAN_ONLY
    if status == "planned_and_finished":
        return NOTHING_TO_APPLY
    if info.final is not None:
        return ENDED
    if status == "policy_override":
        return POLICY_OVERRIDE
    if info.human_gate:
        return HUMAN_GATE
    return STILL_PLANNING


def decide_gate(run: Dict[str, Any]) -> bool:
    """Whether the run waits at a gate ``override`` may pass."""
    status = run_status(run)
    return status == "policy_override" or status.endswith("_awaiting_decision")


def _refusal(decision: str, view: RunView) -> Any:
    """The sentence (and next step) for a run that cannot be applied."""
    run_id = view.id
    if decision == PLAN_ONLY:
        return "Run {0} is plan-only: plan-only runs cannot be applied. Queue a run without plan_only.".format(run_id), None
    if decision == POLICY_OVERRIDE:
        checks = ", ".join(related_ids(view.run, "policy-checks")) or "its policy check"
        return "Run {0} cannot be applied: a soft-mandatory policy failed ({1}).".format(run_id, checks), \
            OVERRIDE_OR_DISCARD
    if decision == HUMAN_GATE:
        reason, next_step = waiting_reason(view.run)
        return "Run {0} cannot be applied now: {1}.".format(run_id, reason), next_step
    if decision == STILL_PLANNING:
        return "Run {0} is still {1} and cannot be confirmed yet; set wait_for_plan=true to wait.".format(
            run_id, view.status), None
    return "Run {0} cannot be applied: it already ended {1}.".format(run_id, view.status), None


def _gate(task: Task, client: TfeClient, review: PlanReview, view: RunView, *, discard: bool, comment: Optional[str],
          check_mode: bool) -> None:
    """Refuse to confirm a plan that would change what a protection forbids, or that cannot be judged."""
    review.read(view)
    task.result.update(**run_report(view, None, client.site_url))
    review.attach(task.result)
    if review.changes is None or not review.changes.known:
        reason = review.changes.unavailable if review.changes else "the plan has not finished"
        raise task.fail("Run {0} was not applied: its protections cannot be judged without the plan's resource "
                        "changes, and {1}.".format(view.id, reason), CONFIRM_OR_DISCARD)
    found = review.blocked_by()
    task.result["protected_changes"] = found
    if not found:
        return
    kept = ("It waits for confirmation: change the configuration and plan again, or discard it with "
            "tfe.runs.tfe_run_cancel (or discard_protected=true).")
    if discard and not check_mode:
        try:
            client.post(api_path("runs", view.id, "actions", "discard"), {"comment": comment} if comment else {},
                        repeatable=True)
        except TfeHttpError as error:
            if error.status != 409:  # 409: someone else discarded or applied it first; the re-read tells
                raise
        task.changed()
        task.result.update(action=DISCARD, **run_report(get_run(client, view.id), None, client.site_url))
        review.attach(task.result)
        kept = "It was discarded."
    elif discard:
        task.changed()
        kept = "It would be discarded."
    raise task.fail("Run {0} was not applied: its plan would {1}. {2}".format(view.id, describe_violations(found), kept))


def _left(client: TfeClient, view: RunView, deadline: float, waiter: Waiter) -> int:
    """Wait until the run has left the gate just passed (TFE moves it on shortly after the override)."""
    return wait_for_run(client, view.id, lambda run: run_status(run) != view.status, deadline, waiter).polls


def _override(task: Task, client: TfeClient, view: RunView, allowed: Iterable[str], comment: Optional[str],
              passed: List[Dict[str, Any]], check_mode: bool) -> bool:
    """Pass the gate the run waits at when the task names its kind; False when there is none to pass."""
    gate = find_gate(client, view.run)
    if gate is None:
        return False
    if not gate.overridable:
        raise task.fail("Run {0} waits at {1}, which TFE says cannot be overridden (a hard failure, or no permission "
                        "to override): nothing was overridden.".format(view.id, gate.describe()))
    missing = sorted(gate.kinds - set(allowed))
    if missing:
        raise task.fail("Run {0} waits at {1}; the task does not name it in override (override: [{2}] would pass "
                        "it): nothing was overridden.".format(view.id, gate.describe(), ", ".join(missing)))
    if len(passed) >= MAX_OVERRIDES:
        raise task.fail("Run {0} still waits at a gate after {1} overrides: the server keeps presenting gates; "
                        "nothing more was sent.".format(view.id, len(passed)))
    task.attempt("override {0} of run {1}".format(gate.describe(), view.id), hint_404=ORG_TOKEN_HINT)
    sent = not check_mode and pass_gate(client, gate, comment or "")
    passed.append(gate.report(sent))
    if sent or check_mode:  # not sent: someone passed it first (409), no change of this task's
        task.changed()
    task.attempt("apply run " + view.id, hint_404=ORG_TOKEN_HINT)
    return True


@verb
def apply_run(task: Task, client: TfeClient, run_id: str, *, comment: Optional[str] = None,
              workspace_id: Optional[str] = None, wait_for_plan: bool = True, wait: bool = True,
              wait_timeout: float = 3600, check_mode: bool = False, waiter: Optional[Waiter] = None,
              review: Optional[ReviewOptions] = None, protect: Optional[Iterable[Any]] = None,
              discard_protected: bool = False, override: Iterable[str] = ()) -> None:
    """Confirm the run once it waits for confirmation, then wait for the apply, all within ``wait_timeout``.

    With protections, the finished plan's changes are judged before the confirmation is sent (in
    check mode too): a forbidden change, or changes that cannot be read, and nothing is confirmed.
    A gate whose kind ``override`` names (``policy``, ``run_tasks``) is overridden with ``comment``,
    once, before the confirmation or during the apply.
    """
    waiter = waiter or Waiter(client.limiter)
    deadline = waiter.deadline(wait_timeout)
    options = review or ReviewOptions()
    problems = options.problems()
    try:
        options.protections = parse_protections(protect or [])
    except ValueError as error:
        problems.append(str(error))
    allowed = list(override or ())
    unknown = sorted(set(allowed) - set(GATES))
    if unknown:
        problems.append("override takes {0}, not {1}".format(" and ".join(GATES), ", ".join(unknown)))
    if allowed and not (comment or "").strip():
        problems.append("override needs a comment: it is the audit trail of who passed the gate and why")
    if problems:
        raise task.fail("Invalid options: {0}.".format("; ".join(problems)))
    plan_review = PlanReview(client, options, deadline)
    task.attempt("apply run " + run_id, hint_404=ORG_TOKEN_HINT)

    # The status before this task changed anything: an override or a wait between reads changes it.
    first_read: List[str] = []

    def gate(reached: ActOutcome) -> None:
        if reached.decision == CONFIRM and options.protections:
            task.result.update(decision=CONFIRM, action=NO_ACTION,
                               previous_status=(first_read or [reached.previous_status])[0])
            _gate(task, client, plan_review, reached.view, discard=discard_protected, comment=comment,
                  check_mode=check_mode)

    def same_workspace(view: RunView) -> None:
        found = related_id(view.run, "workspace")
        if workspace_id and found != workspace_id:
            raise task.fail("Run {0} belongs to workspace {1}, not {2}: nothing was confirmed.".format(
                run_id, found, workspace_id))

    passed: List[Dict[str, Any]] = []
    if allowed:
        task.result["overrides"] = passed
    polls = 0
    while True:
        acted = act_on_run(client, run_id, decide_apply, comment=comment, check_mode=check_mode,
                           wait_while=[STILL_PLANNING] if wait_for_plan else [], deadline=deadline, waiter=waiter,
                           guard=same_workspace, before=gate)
        if not first_read:
            first_read.append(acted.previous_status)
        polls += acted.polls
        if not (allowed and acted.decision in _GATES) or not _override(
                task, client, acted.view, allowed, comment, passed, check_mode) or check_mode:
            break
        polls += _left(client, acted.view, deadline, waiter)
    view = acted.view
    # In check mode a run still planning would be confirmed once its plan is done, unless TFE applies it itself.
    would_confirm = acted.decision == CONFIRM or (acted.decision == STILL_PLANNING and wait_for_plan
                                                  and not attribute(view.run, "auto-apply"))
    overridden = any(item["sent"] for item in passed) or (check_mode and bool(passed))
    task.changed(acted.acted or overridden or (check_mode and would_confirm))
    action = acted.action or (CONFIRM if check_mode and would_confirm else NO_ACTION)
    task.result.update(decision=acted.decision, action=action, previous_status=first_read[0],
                       polls=polls, **run_report(view, None, client.site_url))
    plan_review.read(view)
    plan_review.attach(task.result)
    if check_mode and options.protections and acted.decision == STILL_PLANNING:
        task.warn("Run {0} is still planning: its protections are judged once the plan has finished, before it "
                  "is confirmed.".format(run_id))
    if check_mode and (would_confirm or acted.decision in _SETTLED or passed):
        return
    if acted.timed_out:
        reason, next_step = waiting_reason(view.run)
        raise task.fail("Run {0} could not be confirmed within {1} seconds: {2}. See {3}".format(
            run_id, wait_timeout, reason, task.result["run"]["web_url"]), next_step)
    if acted.decision not in (CONFIRM, ALREADY_APPLYING, NOTHING_TO_APPLY):
        raise task.fail(*_refusal(acted.decision, view))
    if acted.decision == NOTHING_TO_APPLY or not wait:
        return

    task.attempt("wait for the apply of run " + run_id)
    passable = bool(allowed)
    while True:  # a gate of the apply phase (a pre-apply task stage) is passed as the plan's were
        waited = wait_for_run(client, run_id, lambda run, gates=passable: is_final(run) or gates and decide_gate(run),
                              deadline, waiter, first=view)
        polls, view = polls + waited.polls, waited.value
        if is_final(view.run) or waited.timed_out:
            break
        if _override(task, client, view, allowed, comment, passed, check_mode):
            polls += _left(client, view, deadline, waiter)
        else:
            passable = False  # a gate this task cannot name: it waits for a person, as without override
        view = get_run(client, run_id)
    view = complete_view(client, view)
    task.result.update(polls=polls, **run_report(view, None, client.site_url))
    plan_review.attach(task.result)
    if is_failure(view.run):
        task.result["log_tail"] = failure_log_tail(client, view)
        raise task.fail("Run {0} ended {1}. See {2}".format(run_id, view.status, task.result["run"]["web_url"]))
    if waited.timed_out:
        # wait_timeout covers the whole task: a long plan may leave the apply little or no time.
        reason, next_step = waiting_reason(view.run)
        raise task.fail("Run {0} is still {1} {2} seconds after the task began (the wait for its plan included): "
                        "{3}. Raise wait_timeout, or run the task again to keep waiting; it will not confirm "
                        "twice. See {4}".format(run_id, view.status, wait_timeout, reason,
                                                task.result["run"]["web_url"]), next_step)
