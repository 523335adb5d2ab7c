"""Contract section 5.9: the 202-empty / 409 / 404 (and 403) matrix of the run actions,
force-cancel's cool-off, force-execute, and tolerant action bodies."""
from __future__ import annotations

import pytest
from conftest import error_of

ACTIONS = ("apply", "discard", "cancel", "force-cancel")
# (workspace, status, boolean attribute set on the run) -> expected codes for apply, discard, cancel, force-cancel on a fresh run in that status.
MATRIX = {
    ("ws-Manual0000000001", "pending", None): (409, 202, 202, 409),
    ("ws-Manual0000000001", "plan_queued", None): (409, 409, 202, 409),
    ("ws-Manual0000000001", "planning", None): (409, 409, 202, 409),
    ("ws-Manual0000000001", "planned", None): (202, 202, 409, 409),
    ("ws-CostPass00000001", "cost_estimating", None): (409, 409, 409, 409),
    ("ws-CostPass00000001", "policy_checked", None): (202, 202, 409, 409),
    ("ws-SoftFail00000001", "policy_override", None): (409, 202, 409, 409),
    ("ws-Manual0000000001", "planned_and_saved", "save-plan"): (202, 202, 409, 409),
    ("ws-Manual0000000001", "planned", "plan-only"): (409, 409, 409, 409),
    ("ws-Manual0000000001", "confirmed", None): (409, 409, 202, 409),
    ("ws-Manual0000000001", "apply_queued", None): (409, 409, 202, 409),
    ("ws-Manual0000000001", "applying", None): (409, 409, 202, 409),
    ("ws-Manual0000000001", "applied", None): (409, 409, 409, 409),
    ("ws-Manual0000000001", "planned_and_finished", None): (409, 409, 409, 409),
    ("ws-Manual0000000001", "errored", None): (409, 409, 409, 409),
    ("ws-Manual0000000001", "discarded", None): (409, 409, 409, 409),
    ("ws-Manual0000000001", "canceled", None): (409, 409, 409, 409),
    ("ws-SoftFail00000001", "policy_soft_failed", "plan-only"): (409, 409, 409, 409),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("case", list(MATRIX), ids=lambda case: case[1] + ("+" + case[2] if case[2] else ""))
def test_5_9_action_matrix(sim, api, case, action):
    """Contract 5.9: each action against a run in a representative status -> 202 with no body, or 409 JSON:API."""
    workspace, status, flag = case
    run_id = sim.create_runs(workspace, status=status, attributes={flag: True} if flag else None)[0]
    expected = MATRIX[case][ACTIONS.index(action)]
    response = api.action(run_id, action)
    assert response.status_code == expected, (status, action, response.text)
    if expected == 202:
        assert response.content == b""
    else:
        assert error_of(response)["title"] == "transition not allowed"


@pytest.mark.parametrize("action", ACTIONS + ("force-execute",))
def test_5_9_missing_run_is_404(api, action):
    """Contract 5.9: every action on a run that does not exist -> 404."""
    response = api.action("run-DoesNotExist0001", action)
    assert response.status_code == 404
    error_of(response)


def test_5_9_run_in_inaccessible_org_is_404(sim):
    """Contract 5.9/1.4: acting on a run in an organization the user cannot see -> 404."""
    from conftest import Api  # pylint: disable=import-outside-toplevel
    run_id = sim.create_runs("globex/secret", status="planned")[0]
    assert Api(sim, "user").action(run_id, "discard").status_code == 404


@pytest.mark.parametrize("body", [None, {}, {"comment": "looks good"}, {"comment": None},
                                  {"data": {"type": "", "attributes": {"comment": "legacy"}}}, "not an object"])
def test_2_action_bodies_tolerated(sim, api, body):
    """Contract 2: a top-level comment, an empty body, the legacy data-wrapped form, anything -> still 202."""
    run_id = sim.create_runs("acme/manual", status="planned")[0]
    assert api.action(run_id, "apply", body).status_code == 202
    assert api.status(run_id) == "confirmed"


def test_5_9_non_json_action_body_tolerated(sim, api):
    """Contract 2: even a body that is not JSON does not break an action."""
    run_id = sim.create_runs("acme/manual", status="planned")[0]
    response = api.session.post("%s/api/v2/runs/%s/actions/discard" % (sim.url, run_id), data=b"<xml/>", timeout=10)
    assert response.status_code == 202


def test_5_9_cancel_pending_and_planning_end_canceled(sim, api):
    """Contract 4.3.9: cancelling a pending or planning run ends it canceled (canceled-at set)."""
    pending = api.new_run("ws-Manual0000000001")
    assert api.action(pending, "cancel").status_code == 202
    run = api.run(pending)["attributes"]
    assert run["status"] == "canceled" and run["canceled-at"]
    planning = api.new_run("ws-Manual0000000001")
    sim.advance_clock(2)
    assert api.status(planning) == "planning"
    assert api.action(planning, "cancel").status_code == 202
    assert api.status(planning) == "canceled"


@pytest.mark.parametrize("final_status", ["canceled", "force_canceled"])
def test_5_9_force_cancel_after_cancel_and_cool_off(sim, api, final_status):
    """Contract 5.9: a hung run ignores cancel; force-cancel is 409 until the cool-off passes, then ends the run
    (canceled, or force_canceled with the installation knob) and unlocks the workspace."""
    sim.set_installation(force_cancel_status=final_status)
    sim.set_workspace_knobs("ws-Stuck00000000001", force_cancel_cooloff_seconds=30)
    hung = api.new_run("ws-Stuck00000000001")
    waiting = api.new_run("ws-Stuck00000000001")
    sim.advance_clock(5)
    assert api.status(hung) == "planning"
    assert api.action(hung, "force-cancel").status_code == 409
    assert api.action(hung, "cancel").status_code == 202
    attributes = api.run(hung)["attributes"]
    assert attributes["status"] == "planning"
    assert attributes["force-cancel-available-at"]
    assert attributes["actions"]["is-force-cancelable"] is False
    assert attributes["actions"]["is-cancelable"] is False
    assert api.action(hung, "cancel").status_code == 409
    assert api.action(hung, "force-cancel").status_code == 409
    sim.advance_clock(31)
    assert api.run(hung)["attributes"]["actions"]["is-force-cancelable"] is True
    assert api.action(hung, "force-cancel", {"comment": "stuck"}).status_code == 202
    assert api.status(hung) == final_status
    sim.set_workspace_knobs("ws-Stuck00000000001", stuck_status=None)
    sim.advance_clock(10)
    assert api.status(waiting) != "pending"


def test_4_3_10_force_execute(sim, api):
    """Contract 4.3.10/5.9: force-execute a pending run behind a discardable lock holder -> 202, holder discarded."""
    holder = api.new_run("ws-Manual0000000001")
    sim.advance_clock(10)
    assert api.status(holder) == "planned"
    target = api.new_run("ws-Manual0000000001")
    assert api.action(holder, "force-execute").status_code == 403  # not pending
    response = api.action(target, "force-execute")
    assert response.status_code == 202 and response.content == b""
    assert api.status(holder) == "discarded"
    sim.advance_clock(10)
    assert api.status(target) == "planned"


def test_5_9_force_execute_refusals(sim, api):
    """Contract 5.9: 403 when the workspace is not locked by another run, 409 when the holder is not discardable."""
    lone = api.new_run("ws-Manual0000000001")
    assert api.action(lone, "force-execute").status_code == 403
    sim.advance_clock(2)
    assert api.status(lone) == "planning"
    behind = api.new_run("ws-Manual0000000001")
    response = api.action(behind, "force-execute")
    assert response.status_code == 409
    error_of(response)


def test_5_9_applying_a_seeded_paused_run_releases_it(sim, api):
    """Contract 5.9: a run seeded paused at planned (stuck) that gets applied goes on to applied."""
    run_id = sim.create_runs("acme/manual", status="planned", created_at="2025-01-01T00:00:00Z")[0]
    assert api.action(run_id, "apply").status_code == 202
    sim.advance_clock(10)
    assert api.status(run_id) == "applied"
