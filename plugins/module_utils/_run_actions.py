# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: acting on an existing run (apply, discard, cancel, force-cancel), idempotently.

Each verb has a decision table that says, for the run as TFE reports it, what to do; one loop here
does it, re-reading the run after a 409 (someone else acted first) and deciding again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Collection, Dict, Optional

from ._client import TfeClient
from ._errors import TfeHttpError
from ._jsonapi import api_path
from ._runs import RunView, get_run, run_view, wait_for_run
from ._waiting import Waiter

# Decisions that POST an action, and the action's path.
CONFIRM = "confirm"
DISCARD = "discard"
CANCEL = "cancel"
FORCE_CANCEL = "force_cancel"
ACTION_PATHS = {CONFIRM: "apply", DISCARD: "discard", CANCEL: "cancel", FORCE_CANCEL: "force-cancel"}
NO_ACTION = "none"
# The run actions "cannot be accessed with organization tokens" (reference 2): their 404 says so.
ORG_TOKEN_HINT = "Organization tokens cannot act on runs: use a user or team token."


@dataclass
class ActOutcome:
    view: RunView
    decision: str
    previous_status: str
    action: Optional[str] = None  # the decision whose POST this task sent and TFE took
    races: int = 0
    polls: int = 0
    timed_out: bool = False

    @property
    def acted(self) -> bool:
        return self.action is not None


def act_on_run(client: TfeClient, run_id: str, decide: Callable[[Dict[str, Any]], str], *, comment: Optional[str],
               check_mode: bool, wait_while: Collection[str], deadline: float, waiter: Waiter, max_races: int = 3,
               guard: Optional[Callable[[RunView], None]] = None,
               before: Optional[Callable[["ActOutcome"], None]] = None) -> ActOutcome:
    """Read the run, decide, and POST the action the decision names (``ACTION_PATHS``).

    Decisions in ``wait_while`` are waited out (until ``deadline``) before deciding again; check mode
    never waits and never POSTs. A 409 means the run moved meanwhile: re-read and decide again, at
    most ``max_races`` times. ``guard`` may raise before anything is sent (e.g. a workspace check);
    ``before(outcome)`` may raise just before an action is sent, or would be in check mode
    (e.g. a protective gate judged on the finished plan).
    """
    view = get_run(client, run_id)
    if guard is not None:
        guard(view)
    outcome = ActOutcome(view, decide(view.run), view.status)
    while True:
        if outcome.decision in wait_while and not check_mode:
            waited = wait_for_run(client, run_id, lambda run: decide(run) not in wait_while, deadline, waiter,
                                  first=outcome.view)
            outcome.view, outcome.polls = waited.value, outcome.polls + waited.polls
            outcome.decision = decide(outcome.view.run)
            if waited.timed_out:
                outcome.timed_out = True
                return outcome
        if outcome.decision not in ACTION_PATHS:
            return outcome
        if before is not None:
            before(outcome)
        if check_mode:
            return outcome
        body = {"comment": comment} if comment else {}
        try:
            # Repeating one of these POSTs is harmless: a second one is answered 409 and re-read below.
            answer = client.post(api_path("runs", run_id, "actions", ACTION_PATHS[outcome.decision]), body,
                                 repeatable=True)
        except TfeHttpError as error:
            if error.status != 409 or outcome.races >= max_races:
                raise
            if error.attempts > 1:
                # A 409 to a repeated POST most likely answers our own first attempt, which TFE took
                # but whose answer was lost (a dropped connection, a proxy's 502): the change is ours.
                outcome.action = outcome.decision
            outcome.races += 1
            outcome.view = get_run(client, run_id)
            outcome.decision = decide(outcome.view.run)
            continue
        outcome.action = outcome.decision
        # TFE answers 202 with no body; a server that answers with the run saves the re-read.
        answered = run_view(answer) if isinstance((answer or {}).get("data"), dict) else None
        outcome.view = answered if answered is not None and answered.id == run_id else get_run(client, run_id)
        return outcome
