# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2, the verb "stop a run": discard what waits, cancel what works, force-cancel what hangs.

The force-cancel is only ever sent after a normal cancel (TFE refuses it otherwise) and only when
the task waits: a run in its cool-off is waited out, never polled by a task that was told not to wait.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ._client import TfeClient
from ._outcome import Task, verb
from ._results import run_report
from ._run_actions import CANCEL, DISCARD, FORCE_CANCEL, NO_ACTION, ORG_TOKEN_HINT, act_on_run
from ._runs import RunView, complete_view, wait_for_run
from ._statuses import attribute, cancel_was_sent, is_final, run_action
from ._waiting import Waiter

ALREADY_FINAL = "already_final"
CANCEL_REQUESTED = "cancel_requested"
NOT_YET = "not_yet"


def decide_cancel(run: Dict[str, Any], force: bool = False) -> str:
    """How to stop this run now: discard what waits, cancel what works; final runs need nothing.

    A run that was canceled but hangs (TFE then shows ``force-cancel-available-at``) is force-canceled
    when ``force`` allows, once ``is-force-cancelable``; otherwise the earlier cancel is left to work.
    ``is-force-cancelable`` alone does not prove a cancel was sent (some servers show it on any run).
    """
    if is_final(run):
        return ALREADY_FINAL
    if cancel_was_sent(run):
        if run_action(run, "is-force-cancelable"):
            return FORCE_CANCEL if force else CANCEL_REQUESTED
        return NOT_YET if force else CANCEL_REQUESTED
    if run_action(run, "is-discardable"):
        return DISCARD
    if run_action(run, "is-cancelable") or run_action(run, "is-force-cancelable"):
        return CANCEL
    return NOT_YET


def _predicted_action(decision: str, run: Dict[str, Any], force: bool, wait: bool) -> str:
    """In check mode: the action the task would send (``not_yet`` becomes possible later)."""
    if decision in (DISCARD, CANCEL, FORCE_CANCEL):
        return decision
    if decision == NOT_YET:
        return FORCE_CANCEL if force and wait and cancel_was_sent(run) else CANCEL
    return NO_ACTION


@verb
def stop_run(task: Task, client: TfeClient, run_id: str, *, comment: Optional[str] = None, force: bool = False,
             wait: bool = True, wait_timeout: float = 3600, check_mode: bool = False,
             waiter: Optional[Waiter] = None) -> None:
    """Discard or cancel the run; with ``wait``, until it is final, force-cancelling a hung cancel if ``force``."""
    waiter = waiter or Waiter(client.limiter)
    deadline = waiter.deadline(wait_timeout)
    task.attempt("stop run " + run_id, hint_404=ORG_TOKEN_HINT)

    def decide(run: Dict[str, Any]) -> str:
        return decide_cancel(run, force and wait)

    acted = act_on_run(client, run_id, decide, comment=comment, check_mode=check_mode,
                       wait_while=[NOT_YET] if wait else [], deadline=deadline, waiter=waiter)
    action = acted.action or (_predicted_action(acted.decision, acted.view.run, force, wait) if check_mode
                              else NO_ACTION)
    task.changed(action != NO_ACTION)
    task.result.update(decision=acted.decision, action=action, previous_status=acted.previous_status,
                       polls=acted.polls, **run_report(acted.view, None, client.site_url))
    if check_mode or not wait or acted.decision == ALREADY_FINAL:
        return
    if acted.timed_out:
        raise task.fail("Run {0} could be neither discarded nor canceled within {1} seconds (still {2}).".format(
            run_id, wait_timeout, acted.view.status))

    task.attempt("wait for run {0} to stop".format(run_id))
    view, polls = _wait_until_stopped(task, client, run_id, acted.view, force, deadline, waiter, comment)
    view = complete_view(client, view)
    task.result.update(polls=acted.polls + polls, **run_report(view, None, client.site_url))
    if not is_final(view.run):
        available = attribute(view.run, "force-cancel-available-at")
        hint = " A cancel was sent but the run hangs; force-cancel is available from {0}.".format(
            available) if available and not force else ""
        raise task.fail("Run {0} is still {1} after {2} seconds.{3}".format(run_id, view.status, wait_timeout, hint),
                        "force_cancel" if hint else None)


def _wait_until_stopped(task: Task, client: TfeClient, run_id: str, view: RunView, force: bool, deadline: float,
                        waiter: Waiter, comment: Optional[str]) -> Any:
    """Wait for the run to end; when ``force`` and our cancel hangs, force-cancel it once TFE allows."""
    def stopped_or_forceable(run: Dict[str, Any]) -> bool:
        return is_final(run) or (force and decide_cancel(run, force=True) == FORCE_CANCEL)

    waited = wait_for_run(client, run_id, stopped_or_forceable, deadline, waiter, first=view)
    view, polls = waited.value, waited.polls
    if is_final(view.run) or not force or waited.timed_out:
        return view, polls
    forced = act_on_run(client, run_id, lambda run: decide_cancel(run, force=True), comment=comment,
                        check_mode=False, wait_while=[], deadline=deadline, waiter=waiter)
    if forced.acted:
        task.result["action"] = forced.action
        task.changed()
    waited = wait_for_run(client, run_id, is_final, deadline, waiter, first=forced.view)
    return waited.value, polls + waited.polls
