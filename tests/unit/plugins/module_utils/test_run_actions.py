# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The decision tables of tfe_run_apply and tfe_run_cancel, over the contract's whole vocabulary,
and the act-then-race loop against a real local server."""

from __future__ import annotations

import random
import time
from types import SimpleNamespace

import pytest

from ansible_collections.tfe.runs.plugins.module_utils import _apply, _run_actions, _stop
from ansible_collections.tfe.runs.plugins.module_utils._budget import RateLimiter
from ansible_collections.tfe.runs.plugins.module_utils._client import RetryPolicy, TfeClient
from ansible_collections.tfe.runs.plugins.module_utils._errors import TfeHttpError
from ansible_collections.tfe.runs.plugins.module_utils._statuses import STATUSES
from ansible_collections.tfe.runs.plugins.module_utils._waiting import Waiter

# The shared loop and both decision tables, under one name for the tables below.
actions = SimpleNamespace(**{name: getattr(module, name) for module in (_run_actions, _apply, _stop)
                             for name in dir(module) if not name.startswith("_")})
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

# Per status: the actions TFE reports for a normal (not plan-only) run in it, as the contract's
# section 10 describes them (C = confirmable, D = discardable, X = cancelable), then the expected
# decision of each module.
TABLE = {
    "pending": ("DX", actions.STILL_PLANNING, actions.DISCARD),
    "fetching": ("X", actions.STILL_PLANNING, actions.CANCEL),
    "fetching_completed": ("X", actions.STILL_PLANNING, actions.CANCEL),
    "pre_plan_running": ("X", actions.STILL_PLANNING, actions.CANCEL),
    "pre_plan_completed": ("X", actions.STILL_PLANNING, actions.CANCEL),
    "pre_plan_awaiting_decision": ("D", actions.HUMAN_GATE, actions.DISCARD),
    "queuing": ("X", actions.STILL_PLANNING, actions.CANCEL),
    "plan_queued": ("X", actions.STILL_PLANNING, actions.CANCEL),
    "planning": ("X", actions.STILL_PLANNING, actions.CANCEL),
    "planned": ("CD", actions.CONFIRM, actions.DISCARD),
    "tf_policy_checked": ("", actions.STILL_PLANNING, actions.NOT_YET),
    "tf_policy_override": ("D", actions.HUMAN_GATE, actions.DISCARD),
    "post_plan_running": ("D", actions.STILL_PLANNING, actions.DISCARD),
    "post_plan_completed": ("CD", actions.CONFIRM, actions.DISCARD),
    "post_plan_awaiting_decision": ("D", actions.HUMAN_GATE, actions.DISCARD),
    "cost_estimating": ("X", actions.STILL_PLANNING, actions.CANCEL),
    "cost_estimated": ("CD", actions.CONFIRM, actions.DISCARD),
    "policy_checking": ("X", actions.STILL_PLANNING, actions.CANCEL),
    "policy_override": ("D", actions.POLICY_OVERRIDE, actions.DISCARD),
    "policy_soft_failed": ("", actions.ENDED, actions.ALREADY_FINAL),
    "policy_checked": ("CD", actions.CONFIRM, actions.DISCARD),
    "confirmed": ("", actions.ALREADY_APPLYING, actions.NOT_YET),
    "planned_and_saved": ("CD", actions.CONFIRM, actions.DISCARD),
    "pre_apply_running": ("X", actions.ALREADY_APPLYING, actions.CANCEL),
    "pre_apply_completed": ("X", actions.ALREADY_APPLYING, actions.CANCEL),
    "queuing_apply": ("X", actions.ALREADY_APPLYING, actions.CANCEL),
    "apply_queued": ("X", actions.ALREADY_APPLYING, actions.CANCEL),
    "applying": ("X", actions.ALREADY_APPLYING, actions.CANCEL),
    "post_apply_running": ("", actions.ALREADY_APPLYING, actions.NOT_YET),
    "post_apply_completed": ("", actions.ALREADY_APPLYING, actions.NOT_YET),
    "applied": ("", actions.ALREADY_APPLYING, actions.ALREADY_FINAL),
    "planned_and_finished": ("", actions.NOTHING_TO_APPLY, actions.ALREADY_FINAL),
    "discarded": ("", actions.ENDED, actions.ALREADY_FINAL),
    "errored": ("", actions.ENDED, actions.ALREADY_FINAL),
    "canceled": ("", actions.ENDED, actions.ALREADY_FINAL),
    "force_canceled": ("", actions.ENDED, actions.ALREADY_FINAL),
    "assessing": ("", actions.STILL_PLANNING, actions.NOT_YET),
    "assessed": ("", actions.ENDED, actions.ALREADY_FINAL),
}


def make_run(status, flags="", plan_only=False, run_id="run-1"):
    return {"id": run_id, "type": "runs", "attributes": {
        "status": status, "plan-only": plan_only,
        "actions": {"is-confirmable": "C" in flags, "is-discardable": "D" in flags, "is-cancelable": "X" in flags}},
        "relationships": {"workspace": {"data": {"id": "ws-1", "type": "workspaces"}}}}


def test_the_table_covers_the_whole_vocabulary():
    assert set(TABLE) == set(STATUSES)


@pytest.mark.parametrize("status", sorted(TABLE))
def test_each_status_has_exactly_one_apply_and_one_cancel_decision(status):
    flags, apply_decision, cancel_decision = TABLE[status]
    assert actions.decide_apply(make_run(status, flags)) == apply_decision
    assert actions.decide_cancel(make_run(status, flags)) == cancel_decision


@pytest.mark.parametrize("status", ["planned", "planning", "planned_and_finished", "policy_soft_failed", "errored"])
def test_plan_only_runs_are_never_applied(status):
    decision = actions.decide_apply(make_run(status, "", plan_only=True))
    assert decision in (actions.PLAN_ONLY, actions.ENDED) and decision != actions.CONFIRM


def test_a_hanging_cancel_is_force_canceled_only_when_allowed_and_asked():
    hanging = make_run("planning")
    hanging["attributes"]["force-cancel-available-at"] = "2026-11-23T12:00:10Z"
    assert actions.decide_cancel(hanging) == actions.CANCEL_REQUESTED
    assert actions.decide_cancel(hanging, force=True) == actions.NOT_YET
    hanging["attributes"]["actions"]["is-force-cancelable"] = True
    assert actions.decide_cancel(hanging) == actions.CANCEL_REQUESTED
    assert actions.decide_cancel(hanging, force=True) == actions.FORCE_CANCEL


def test_force_cancelable_alone_is_no_proof_that_a_cancel_was_sent():
    """Defect: a server showing is-force-cancelable on a pending run nobody canceled made the module
    skip the normal cancel (and with force, send a force-cancel TFE refuses)."""
    pending = make_run("pending", "DX")
    pending["attributes"]["actions"]["is-force-cancelable"] = True
    assert actions.decide_cancel(pending) == actions.DISCARD
    assert actions.decide_cancel(pending, force=True) == actions.DISCARD
    working = make_run("planning", "X")
    working["attributes"]["actions"]["is-force-cancelable"] = True
    assert actions.decide_cancel(working, force=True) == actions.CANCEL
    working["attributes"]["status-timestamps"] = {"canceled-at": "2026-11-23T12:00:00Z"}
    assert actions.decide_cancel(working, force=True) == actions.FORCE_CANCEL


def test_unknown_status_waits_for_apply_and_is_not_yet_cancelable():
    assert actions.decide_apply(make_run("brand_new_status")) == actions.STILL_PLANNING
    assert actions.decide_cancel(make_run("brand_new_status")) == actions.NOT_YET


# --- the loop -------------------------------------------------------------------------------------


def client_for(server):
    return TfeClient(server.url, "tok-actions-Wq7Zr2Lp9Xv", retry=RetryPolicy(max_retries=0),
                     limiter=RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000))


def doc(status, flags=""):
    return Reply(body={"data": make_run(status, flags)})


def conflict():
    return Reply(status=409, body={"errors": [{"status": "409", "title": "transition not allowed"}]})


def act(server, decide, check_mode=False, wait_while=()):
    clock = [0.0]

    def sleep(seconds):
        clock[0] += seconds

    waiter = Waiter(clock=lambda: clock[0], sleep=sleep, rng=random.Random(1))
    return actions.act_on_run(client_for(server), "run-1", decide, comment="ok", check_mode=check_mode,
                              wait_while=list(wait_while), deadline=600, waiter=waiter)


def test_confirmable_run_is_confirmed_with_the_comment(server):
    server.queue(doc("cost_estimated", "CD"), Reply(status=202, raw=b""), doc("confirmed"))
    outcome = act(server, actions.decide_apply)
    assert outcome.acted and outcome.decision == actions.CONFIRM and outcome.view.status == "confirmed"
    post = server.requests[1]
    assert (post.method, post.path, post.body) == ("POST", "/api/v2/runs/run-1/actions/apply", b'{"comment": "ok"}')


def test_a_200_with_a_body_is_accepted_too(server):
    server.queue(doc("planned", "CD"), Reply(status=200, body={"data": {"type": "applies", "id": "apply-1"}}),
                 doc("apply_queued", "X"))
    assert act(server, actions.decide_apply).acted


def test_409_because_someone_else_confirmed_is_not_an_error(server):
    server.queue(doc("planned", "CD"), conflict(), doc("applying", "X"))
    outcome = act(server, actions.decide_apply)
    assert not outcome.acted and outcome.action is None
    assert outcome.races == 1 and outcome.decision == actions.ALREADY_APPLYING


def test_409_because_someone_else_discarded_is_decided_again(server):
    server.queue(doc("planned", "CD"), conflict(), doc("discarded"))
    outcome = act(server, actions.decide_apply)
    assert not outcome.acted and outcome.decision == actions.ENDED


def test_409_to_our_repeated_post_means_our_lost_first_attempt_went_through(server):
    # The first POST was taken but its answer lost (a proxy's 502); the client repeats it, TFE says 409.
    server.queue(doc("planned", "CD"), Reply(status=502, raw=b"<html>Bad Gateway</html>"), conflict(),
                 doc("apply_queued", "X"))
    client = TfeClient(server.url, "tok-actions-Wq7Zr2Lp9Xv", sleep=lambda seconds: None,
                       limiter=RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000))
    outcome = actions.act_on_run(client, "run-1", actions.decide_apply, comment=None, check_mode=False,
                                 wait_while=[], deadline=time.monotonic() + 600, waiter=Waiter())
    assert outcome.acted and outcome.action == actions.CONFIRM
    assert outcome.decision == actions.ALREADY_APPLYING and outcome.races == 1


def test_persistent_409_gives_up_after_three_races(server):
    server.default = lambda seen: conflict() if seen.method == "POST" else doc("planned", "CD")
    with pytest.raises(TfeHttpError):
        act(server, actions.decide_apply)
    assert [r.method for r in server.requests].count("POST") == 4


def test_check_mode_never_posts_and_never_waits(server):
    server.queue(doc("planning", "X"))
    outcome = act(server, actions.decide_apply, check_mode=True, wait_while=[actions.STILL_PLANNING])
    assert outcome.decision == actions.STILL_PLANNING and not outcome.acted
    assert [r.method for r in server.requests] == ["GET"]


def test_still_planning_is_waited_out_then_confirmed(server):
    server.queue(doc("planning", "X"), doc("planning", "X"), doc("cost_estimated", "CD"), Reply(status=202),
                 doc("confirmed"))
    outcome = act(server, actions.decide_apply, wait_while=[actions.STILL_PLANNING])
    assert outcome.acted and outcome.polls == 2


def test_discard_for_waiting_and_cancel_for_working_runs(server):
    server.queue(doc("policy_override", "D"), Reply(status=202), doc("discarded"))
    assert act(server, actions.decide_cancel).view.status == "discarded"
    assert server.requests[1].path.endswith("/actions/discard")
    server.queue(doc("planning", "X"), Reply(status=202), doc("canceled"))
    assert act(server, actions.decide_cancel).acted
    assert server.requests[4].path.endswith("/actions/cancel")


def test_final_run_needs_nothing(server):
    server.queue(doc("errored"))
    outcome = act(server, actions.decide_cancel)
    assert outcome.decision == actions.ALREADY_FINAL and not outcome.acted and len(server.requests) == 1
