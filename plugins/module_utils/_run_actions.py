# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: acting on an existing run (apply, discard, cancel, force-cancel), idempotently.

One decision table per module says, for the run as TFE reports it, what to do; one loop does it,
re-reading the run after a 409 (someone else acted first) and deciding again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from ._api import TfeClient, TfeHttpError, api_path
from ._runs import RunView, Waiter, get_run, run_action, run_status, status_info, wait_for_run

# --- tfe_run_apply --------------------------------------------------------------------------------

CONFIRM = "confirm"
ALREADY_APPLYING = "already_applying"
NOTHING_TO_APPLY = "nothing_to_apply"
PLAN_ONLY = "plan_only"
POLICY_OVERRIDE = "policy_override"
HUMAN_GATE = "human_gate"
ENDED = "ended"
STILL_PLANNING = "still_planning"

APPLY_FAILURES = (PLAN_ONLY, POLICY_OVERRIDE, HUMAN_GATE, ENDED)


def is_plan_only(run: Dict[str, Any]) -> bool:
    return bool((run.get("attributes") or {}).get("plan-only"))


def decide_apply(run: Dict[str, Any]) -> str:
    """What applying this run means now. Exactly one outcome for any status."""
    status = run_status(run)
    info = status_info(status)
    if run_action(run, "is-confirmable"):
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


# --- tfe_run_cancel -------------------------------------------------------------------------------

ALREADY_FINAL = "already_final"
DISCARD = "discard"
CANCEL = "cancel"
FORCE_CANCEL = "force_cancel"
CANCEL_REQUESTED = "cancel_requested"
NOT_YET = "not_yet"


def decide_cancel(run: Dict[str, Any], force: bool = False) -> str:
    """How to stop this run now: discard what waits, cancel what works; final runs need nothing.

    A run that was canceled but hangs (TFE then shows ``force-cancel-available-at``) is force-canceled
    when ``force`` allows, once ``is-force-cancelable``; otherwise the earlier cancel is left to work.
    """
    if status_info(run_status(run)).final is not None:
        return ALREADY_FINAL
    if run_action(run, "is-force-cancelable"):
        return FORCE_CANCEL if force else CANCEL_REQUESTED
    if (run.get("attributes") or {}).get("force-cancel-available-at"):
        return NOT_YET if force else CANCEL_REQUESTED
    if run_action(run, "is-discardable"):
        return DISCARD
    if run_action(run, "is-cancelable"):
        return CANCEL
    return NOT_YET


# --- the shared loop ------------------------------------------------------------------------------

ACTION_PATHS = {CONFIRM: "apply", DISCARD: "discard", CANCEL: "cancel", FORCE_CANCEL: "force-cancel"}


@dataclass
class ActOutcome:
    view: RunView
    decision: str
    previous_status: str
    acted: bool = False
    action: Optional[str] = None  # the decision whose POST this task sent and TFE took
    races: int = 0
    polls: int = 0
    timed_out: bool = False


def act_on_run(client: TfeClient, run_id: str, decide: Callable[[Dict[str, Any]], str], *, comment: Optional[str],
               check_mode: bool, wait_while: List[str], timeout: float, max_races: int = 3,
               waiter: Optional[Waiter] = None, guard: Optional[Callable[[RunView], None]] = None) -> ActOutcome:
    """Read the run, decide, and POST the action the decision names (``ACTION_PATHS``).

    Decisions in ``wait_while`` are waited out (up to ``timeout``) before deciding again; check mode
    never waits and never POSTs. A 409 means the run moved meanwhile: re-read and decide again, at
    most ``max_races`` times. ``guard`` may raise before anything is sent (e.g. a workspace check).
    """
    view = get_run(client, run_id)
    if guard is not None:
        guard(view)
    outcome = ActOutcome(view, decide(view.run), view.status)
    while True:
        if outcome.decision in wait_while and not check_mode:
            waited = wait_for_run(client, run_id, lambda run: decide(run) not in wait_while, timeout,
                                  waiter=waiter, first=outcome.view)
            outcome.view, outcome.polls = waited.value, outcome.polls + waited.polls
            outcome.decision = decide(outcome.view.run)
            if waited.timed_out:
                outcome.timed_out = True
                return outcome
        if outcome.decision not in ACTION_PATHS or check_mode:
            return outcome
        body = {"comment": comment} if comment else {}
        try:
            # Repeating one of these POSTs is harmless: a second one is answered 409 and re-read below.
            client.post(api_path("runs", run_id, "actions", ACTION_PATHS[outcome.decision]), body, repeatable=True)
        except TfeHttpError as error:
            if error.status != 409 or outcome.races >= max_races:
                raise
            if error.attempts > 1:
                # A 409 to a repeated POST most likely answers our own first attempt, which TFE took
                # but whose answer was lost (a dropped connection, a proxy's 502): the change is ours.
                outcome.acted, outcome.action = True, outcome.decision
            outcome.races += 1
            outcome.view = get_run(client, run_id)
            outcome.decision = decide(outcome.view.run)
            continue
        outcome.acted, outcome.action = True, outcome.decision
        outcome.view = get_run(client, run_id)
        return outcome


def policy_check_ids(run: Dict[str, Any]) -> List[str]:
    data = ((run.get("relationships") or {}).get("policy-checks") or {}).get("data") or []
    return [item.get("id") for item in data if isinstance(item, dict) and item.get("id")]
