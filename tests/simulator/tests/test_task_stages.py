"""Contract sections 4.1, 4.4 and 5.9: task stages (the task_stage knob): pre- and post-plan stages,
the *_awaiting_decision pauses, GET /runs/:id/task-stages and /task-stages/:id, and
POST /task-stages/:id/actions/override (200 with the stage; 409 unless it awaits an override)."""
from __future__ import annotations

import pytest
from conftest import Api, error_of
from tfesim import ApiError

WS = "ws-Manual0000000001"


def stages(api, run_id):
    """The run's task stages as the list endpoint answers them."""
    response = api.get("/api/v2/runs/%s/task-stages" % run_id)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def override(api, stage_id, comment=None):
    """POST the override (with an optional comment)."""
    return api.post("/api/v2/task-stages/%s/actions/override" % stage_id, {"comment": comment} if comment else None)


def test_4_4_no_knob_no_stages(sim, api):
    """Without the knob a run has no stages: the relationship and the list are empty."""
    run_id = api.new_run(WS)
    assert api.run(run_id)["relationships"]["task-stages"]["data"] == []
    assert stages(api, run_id) == []
    assert api.get("/api/v2/runs/%s/task-stages" % run_id).json()["meta"]["pagination"]["total-count"] == 0


def test_4_4_post_plan_awaiting_decision_then_override(sim, api):
    """Contract 4.1/4.4/5.9: the run pauses in post_plan_awaiting_decision with an awaiting_override stage
    (is-overridable); the override answers 200 with the stage, now passed, and the run goes on to
    post_plan_completed, where a manual run waits for confirmation."""
    sim.set_workspace_knobs(WS, task_stage={"stage": "post_plan", "outcome": "awaiting_decision"})
    run_id = api.new_run(WS)
    relation = api.run(run_id)["relationships"]["task-stages"]["data"]
    assert len(relation) == 1 and relation[0]["type"] == "task-stages" and relation[0]["id"].startswith("ts-")
    stage_id = relation[0]["id"]
    assert stages(api, run_id)[0]["attributes"]["status"] == "pending"
    sim.advance_clock(4)
    assert api.status(run_id) == "post_plan_running"
    assert stages(api, run_id)[0]["attributes"]["status"] == "running"
    sim.advance_clock(60)
    run = api.run(run_id)
    assert run["attributes"]["status"] == "post_plan_awaiting_decision"
    assert run["attributes"]["actions"]["is-confirmable"] is False
    stage = api.get("/api/v2/task-stages/" + stage_id).json()["data"]
    assert stage["attributes"]["stage"] == "post_plan" and stage["attributes"]["status"] == "awaiting_override"
    assert stage["attributes"]["actions"]["is-overridable"] is True
    assert stage["attributes"]["permissions"]["can-override"] is True
    assert stage["relationships"]["run"]["data"]["id"] == run_id
    assert api.action(run_id, "apply").status_code == 409  # override first
    response = override(api, stage_id, "looks fine")
    assert response.status_code == 200
    answered = response.json()["data"]
    assert answered["id"] == stage_id and answered["attributes"]["status"] == "passed"
    assert "passed-at" in answered["attributes"]["status-timestamps"]
    run = api.run(run_id)
    assert run["attributes"]["status"] == "post_plan_completed" and run["attributes"]["actions"]["is-confirmable"]
    assert len(run["relationships"]["comments"]["data"]) == 1
    assert override(api, stage_id).status_code == 409  # already passed
    assert api.action(run_id, "apply").status_code == 202
    sim.advance_clock(60)
    assert api.status(run_id) == "applied"


def test_4_4_pre_plan_stage_pauses_before_the_plan(sim, api):
    """Contract 4.1: pre_plan_awaiting_decision holds the run before plan_queued; the override lets it plan."""
    sim.set_workspace_knobs("ws-AutoApply0000001", task_stage={"stage": "pre_plan", "outcome": "awaiting_decision"})
    run_id = api.new_run("ws-AutoApply0000001")
    sim.advance_clock(60)
    assert api.status(run_id) == "pre_plan_awaiting_decision"
    plan = api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]["attributes"]
    assert plan["status"] == "pending"
    stage_id = stages(api, run_id)[0]["id"]
    assert override(api, stage_id).status_code == 200
    assert api.status(run_id) == "pre_plan_completed"
    sim.advance_clock(60)
    run = api.run(run_id)
    assert run["attributes"]["status"] == "applied"
    assert {"pre-plan-running-at", "pre-plan-awaiting-decision-at", "pre-plan-completed-at"} <= set(
        run["attributes"]["status-timestamps"])


def test_4_3_passed_stage_runs_through(sim, api):
    """A passed stage: post_plan_running -> post_plan_completed, the run carries on (auto-apply)."""
    sim.set_workspace_knobs("ws-AutoApply0000001", task_stage={"stage": "post_plan", "outcome": "passed"})
    run_id = api.new_run("ws-AutoApply0000001")
    sim.advance_clock(60)
    run = api.run(run_id)
    assert run["attributes"]["status"] == "applied"
    assert "post-plan-completed-at" in run["attributes"]["status-timestamps"]
    stage = stages(api, run_id)[0]
    assert stage["attributes"]["status"] == "passed" and stage["attributes"]["actions"]["is-overridable"] is False
    assert override(api, stage["id"]).status_code == 409


def test_4_3_mandatory_failed_stage_errors_the_run_and_cannot_be_overridden(sim, api):
    """Contract 4.3.6: a failed mandatory stage ends the run errored (post_plan_running -> errored); its
    status is failed and the override is 409."""
    sim.set_workspace_knobs(WS, task_stage={"stage": "post_plan", "outcome": "failed"})
    run_id = api.new_run(WS)
    sim.advance_clock(60)
    run = api.run(run_id)
    assert run["attributes"]["status"] == "errored"
    assert list(run["attributes"]["status-timestamps"])[-2:] == ["post-plan-running-at", "errored-at"]
    stage = stages(api, run_id)[0]
    assert stage["attributes"]["status"] == "failed" and "failed-at" in stage["attributes"]["status-timestamps"]
    refused = override(api, stage["id"])
    assert refused.status_code == 409 and error_of(refused)["title"] == "transition not allowed"
    assert api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]["attributes"]["status"] == "finished"


def test_4_3_pre_plan_failure_errors_before_planning(sim, api):
    """A failed mandatory pre-plan stage: pre_plan_running -> errored; the plan never runs."""
    sim.set_workspace_knobs(WS, task_stage={"stage": "pre_plan", "outcome": "failed"})
    run_id = api.new_run(WS)
    sim.advance_clock(60)
    assert api.status(run_id) == "errored"
    assert api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]["attributes"]["status"] == "unreachable"


def test_4_4_advisory_failure_lets_the_run_go_on(sim, api):
    """An advisory failure: the stage is failed, the run continues."""
    sim.set_workspace_knobs("ws-AutoApply0000001",
                            task_stage={"stage": "post_plan", "outcome": "failed", "enforcement": "advisory"})
    run_id = api.new_run("ws-AutoApply0000001")
    sim.advance_clock(60)
    assert api.status(run_id) == "applied"
    assert stages(api, run_id)[0]["attributes"]["status"] == "failed"


def test_4_4_both_stages_and_unreachable(sim, api):
    """Two stages at once; a stage the run never reached is unreachable once the run ended."""
    sim.set_workspace_knobs(WS, task_stage=[{"stage": "pre_plan", "outcome": "passed"},
                                            {"stage": "post_plan", "outcome": "awaiting_decision"}])
    run_id = api.new_run(WS)
    listed = stages(api, run_id)
    assert [item["attributes"]["stage"] for item in listed] == ["pre_plan", "post_plan"]
    assert api.action(run_id, "discard").status_code == 202
    assert [item["attributes"]["status"] for item in stages(api, run_id)] == ["unreachable", "unreachable"]


def test_4_4_plan_only_runs_are_never_asked_to_decide(sim, api):
    """A speculative run has nothing to apply: awaiting_decision becomes a failed stage and the run finishes."""
    sim.set_workspace_knobs(WS, task_stage={"stage": "post_plan", "outcome": "awaiting_decision"})
    run_id = api.new_run(WS, **{"plan-only": True})
    sim.advance_clock(60)
    assert api.status(run_id) == "planned_and_finished"
    assert stages(api, run_id)[0]["attributes"]["status"] == "failed"


def test_5_9_override_access(sim, api):
    """Contract 1.4/5.9: organization tokens get 404 on the override (they may read the stage); another
    organization's stage is 404; an unknown stage is 404."""
    sim.set_workspace_knobs(WS, task_stage={"stage": "post_plan", "outcome": "awaiting_decision"})
    run_id = api.new_run(WS)
    sim.advance_clock(60)
    stage_id = stages(api, run_id)[0]["id"]
    org = Api(sim, "org")
    assert org.get("/api/v2/task-stages/" + stage_id).status_code == 200
    assert override(org, stage_id).status_code == 404
    sim.set_workspace_knobs("ws-GlobexSecret0001", task_stage={"stage": "post_plan", "outcome": "awaiting_decision"})
    other = api.new_run("ws-GlobexSecret0001")
    other_stage = stages(api, other)[0]["id"]
    assert Api(sim, "user").get("/api/v2/task-stages/" + other_stage).status_code == 404
    assert override(Api(sim, "user"), other_stage).status_code == 404
    assert api.get("/api/v2/task-stages/ts-DoesNotExist00001").status_code == 404
    assert api.status(run_id) == "post_plan_awaiting_decision"


def test_5_2_include_task_stages(sim, api):
    """Contract 5.2: include=task_stages adds the run's stages."""
    sim.set_workspace_knobs(WS, task_stage={"stage": "post_plan", "outcome": "passed"})
    run_id = api.new_run(WS)
    body = api.get("/api/v2/runs/" + run_id, params={"include": "task_stages"}).json()
    assert [item["type"] for item in body["included"]] == ["task-stages"]


def test_seeded_history_in_awaiting_decision_can_be_overridden(sim, api):
    """A run created directly in post_plan_awaiting_decision is stuck there until someone overrides it."""
    sim.set_workspace_knobs(WS, task_stage={"stage": "post_plan", "outcome": "awaiting_decision"})
    run_id = sim.create_runs(WS, status="post_plan_awaiting_decision")[0]
    sim.advance_clock(600)
    assert api.status(run_id) == "post_plan_awaiting_decision"
    assert override(api, stages(api, run_id)[0]["id"]).status_code == 200
    assert api.status(run_id) == "post_plan_completed"


@pytest.mark.parametrize("bad, message", [
    ({"stage": "pre_apply"}, "task_stage stage must be one of"),
    ({"stage": "post_plan", "outcome": "maybe"}, "task_stage outcome must be one of"),
    ({"stage": "post_plan", "enforcement": "strict"}, "task_stage enforcement must be one of"),
    ([{"stage": "post_plan"}, {"stage": "post_plan"}], "at most once"),
    ({"stage": "post_plan", "when": "now"}, "unknown keys when"),
])
def test_task_stage_knob_is_validated(sim, bad, message):
    """A bad task_stage knob is a 422 naming the problem."""
    with pytest.raises(ApiError, match=message):
        sim.set_workspace_knobs(WS, task_stage=bad)
