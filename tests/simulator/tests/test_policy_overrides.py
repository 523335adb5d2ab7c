"""Contract sections 4.3.7, 4.4 and 5.9: policy overrides of both generations. Policy checks
(POST /policy-checks/:id/actions/override: 200 with the check, overridden, run -> policy_checked;
409 for a hard failure) and, with policy_generation: policy_evaluations, a post_plan task stage
holding a policy evaluation, overridden through POST /task-stages/:id/actions/override."""
from __future__ import annotations

import pytest
from conftest import Api, error_of
from tfesim import ApiError

SOFT, HARD, PASS = "ws-SoftFail00000001", "ws-HardFail00000001", "ws-CostPass00000001"


def _check_id(api, run_id):
    return api.run(run_id)["relationships"]["policy-checks"]["data"][0]["id"]


def _override_check(api, check_id):
    return api.post("/api/v2/policy-checks/%s/actions/override" % check_id, {"comment": "accepted risk"})


def test_5_9_policy_check_override_answers_the_check(sim, api):
    """Contract 5.9: 200 with the policy-check document (status overridden, no longer overridable);
    the run moves to policy_checked and waits for confirmation; a second override is 409."""
    run_id = api.new_run(SOFT)
    sim.advance_clock(60)
    assert api.status(run_id) == "policy_override"
    check_id = _check_id(api, run_id)
    check = api.get("/api/v2/policy-checks/" + check_id).json()["data"]
    assert check["attributes"]["actions"]["is-overridable"] is True
    response = _override_check(api, check_id)
    assert response.status_code == 200
    document = response.json()["data"]
    assert (document["id"], document["type"]) == (check_id, "policy-checks")
    assert document["attributes"]["status"] == "overridden"
    assert document["attributes"]["actions"]["is-overridable"] is False
    run = api.run(run_id)
    assert run["attributes"]["status"] == "policy_checked" and run["attributes"]["actions"]["is-confirmable"]
    assert "policy-checked-at" in run["attributes"]["status-timestamps"]
    assert _override_check(api, check_id).status_code == 409


@pytest.mark.parametrize("workspace, expected", [(HARD, "hard_failed"), (PASS, "passed")])
def test_5_9_hard_failed_or_passed_check_cannot_be_overridden(sim, api, workspace, expected):
    """Contract 4.3.6/5.9: a hard-mandatory failure (run errored) or a passed check -> 409 on override."""
    run_id = api.new_run(workspace)
    sim.advance_clock(60)
    check_id = _check_id(api, run_id)
    assert api.get("/api/v2/policy-checks/" + check_id).json()["data"]["attributes"]["status"] == expected
    refused = _override_check(api, check_id)
    assert refused.status_code == 409 and error_of(refused)["title"] == "transition not allowed"


def test_5_9_policy_check_override_access(sim, api):
    """Contract 1.4: organization tokens may read the check but not override it (404); unknown checks 404."""
    run_id = api.new_run(SOFT)
    sim.advance_clock(60)
    check_id = _check_id(api, run_id)
    org = Api(sim, "org")
    assert org.get("/api/v2/policy-checks/" + check_id).status_code == 200
    assert _override_check(org, check_id).status_code == 404
    assert _override_check(api, "polchk-DoesNotExist001").status_code == 404
    assert api.status(run_id) == "policy_override"


def _evaluations(sim, policy):
    sim.set_workspace_knobs(SOFT, policy=policy, policy_generation="policy_evaluations")


def _post_plan_stage(api, run_id):
    listed = api.get("/api/v2/runs/%s/task-stages" % run_id).json()["data"]
    assert [item["attributes"]["stage"] for item in listed] == ["post_plan"]
    return listed[0]


def _evaluation(api, stage_id):
    listed = api.get("/api/v2/task-stages/%s/policy-evaluations" % stage_id).json()["data"]
    assert len(listed) == 1 and listed[0]["type"] == "policy-evaluations"
    return listed[0]


def test_4_4_policy_evaluation_soft_fail_is_a_stage_override(sim, api):
    """Newer TFE: a soft-failed policy is a post_plan stage awaiting_override with a failed policy
    evaluation; no policy check exists; the task-stage override moves the run on and the evaluation
    becomes overridden."""
    _evaluations(sim, "soft_fail")
    run_id = api.new_run(SOFT)
    sim.advance_clock(60)
    run = api.run(run_id)
    assert run["attributes"]["status"] == "post_plan_awaiting_decision"
    assert run["relationships"]["policy-checks"]["data"] == []
    assert "policy-checking-at" not in run["attributes"]["status-timestamps"]
    stage = _post_plan_stage(api, run_id)
    assert stage["attributes"]["status"] == "awaiting_override"
    evaluation_id = stage["relationships"]["policy-evaluations"]["data"][0]["id"]
    evaluation = _evaluation(api, stage["id"])
    assert evaluation["id"] == evaluation_id and evaluation_id.startswith("poleval-")
    assert evaluation["attributes"]["status"] == "failed" and evaluation["attributes"]["policy-kind"] == "opa"
    assert evaluation["attributes"]["result-count"]["advisory-failed"] == 1
    assert evaluation["relationships"]["policy-attachable"]["data"] == {"id": stage["id"], "type": "task-stages"}
    response = api.post("/api/v2/task-stages/%s/actions/override" % stage["id"], {"comment": "ok"})
    assert response.status_code == 200 and response.json()["data"]["attributes"]["status"] == "passed"
    assert _evaluation(api, stage["id"])["attributes"]["status"] == "overridden"
    run = api.run(run_id)
    assert run["attributes"]["status"] == "post_plan_completed" and run["attributes"]["actions"]["is-confirmable"]


def test_4_4_policy_evaluation_hard_fail_errors_and_cannot_be_overridden(sim, api):
    """A hard-failed evaluation fails the stage and errors the run; the override is 409."""
    _evaluations(sim, "hard_fail")
    run_id = api.new_run(SOFT)
    sim.advance_clock(60)
    assert api.status(run_id) == "errored"
    stage = _post_plan_stage(api, run_id)
    assert stage["attributes"]["status"] == "failed"
    evaluation = _evaluation(api, stage["id"])
    assert evaluation["attributes"]["status"] == "failed"
    assert evaluation["attributes"]["result-count"]["mandatory-failed"] == 1
    assert api.post("/api/v2/task-stages/%s/actions/override" % stage["id"]).status_code == 409


def test_4_4_policy_evaluation_pass(sim, api):
    """A passing evaluation: the stage passes and the run waits for confirmation at post_plan_completed."""
    _evaluations(sim, "pass")
    run_id = api.new_run(SOFT)
    sim.advance_clock(60)
    assert api.status(run_id) == "post_plan_completed"
    stage = _post_plan_stage(api, run_id)
    assert stage["attributes"]["status"] == "passed"
    assert _evaluation(api, stage["id"])["attributes"]["status"] == "passed"


def test_4_4_policy_evaluation_and_run_task_share_the_stage(sim, api):
    """A run task and a policy evaluation in the same post_plan stage: the worse outcome decides."""
    _evaluations(sim, "pass")
    sim.set_workspace_knobs(SOFT, task_stage={"stage": "post_plan", "outcome": "awaiting_decision"})
    run_id = api.new_run(SOFT)
    sim.advance_clock(60)
    assert api.status(run_id) == "post_plan_awaiting_decision"
    stage = _post_plan_stage(api, run_id)
    assert len(stage["relationships"]["policy-evaluations"]["data"]) == 1


def test_policy_generation_knob_is_validated(sim):
    """policy_generation must be policy_checks or policy_evaluations."""
    with pytest.raises(ApiError, match="policy_generation must be one of"):
        sim.set_workspace_knobs(SOFT, policy_generation="sentinel")
