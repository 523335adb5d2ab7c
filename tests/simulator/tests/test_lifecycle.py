"""Contract sections 4.2, 4.3 and 10: the state machine of each scenario, driven by
advancing the simulator clock (never by sleeping), with actions, has-changes,
status-timestamps and plan/apply statuses checked against the run status at every step."""
from __future__ import annotations

from typing import List

from conftest import Api

FINAL = {"applied", "planned_and_finished", "discarded", "errored", "canceled", "force_canceled",
         "policy_soft_failed"}
CONFIRMABLE = {"planned", "post_plan_completed", "cost_estimated", "policy_checked", "planned_and_saved"}
CANCELABLE = {"pending", "fetching", "queuing", "plan_queued", "planning", "confirmed", "queuing_apply",
              "apply_queued", "applying"}
PLAN_STATUS = {"pending": "pending", "plan_queued": "queued", "planning": "running"}
APPLY_STATUS = {"apply_queued": "queued", "applying": "running", "applied": "finished"}


def check_consistent(api: Api, run_id: str) -> dict:
    """Contract 10: actions, has-changes, status-timestamps and plan/apply statuses agree with the run status."""
    run = api.run(run_id)
    attributes = run["attributes"]
    status, actions = attributes["status"], attributes["actions"]
    key = "plan-queueable-at" if status == "pending" else status.replace("_", "-") + "-at"
    assert key in attributes["status-timestamps"], (status, attributes["status-timestamps"])
    if actions["is-confirmable"]:
        assert status in CONFIRMABLE and not attributes["plan-only"]
    assert actions["is-cancelable"] == (status in CANCELABLE)
    if status in FINAL:
        assert not any(actions.values())
    plan = api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]["attributes"]
    apply_ = api.get("/api/v2/runs/%s/apply" % run_id).json()["data"]["attributes"]
    if status in PLAN_STATUS:
        assert plan["status"] == PLAN_STATUS[status]
    if status in APPLY_STATUS:
        assert apply_["status"] == APPLY_STATUS[status]
    if status not in FINAL and status not in PLAN_STATUS:
        assert plan["status"] == "finished"
    assert attributes["has-changes"] == (plan["status"] == "finished" and plan["has-changes"])
    if plan["status"] != "finished":
        assert plan["resource-additions"] is None
    return run


def trace(api: Api, run_id: str, steps: int = 15) -> List[str]:
    """Advance the clock one phase at a time; the distinct statuses seen, checking consistency at each."""
    seen = [check_consistent(api, run_id)["attributes"]["status"]]
    for step in range(steps):
        api.sim.advance_clock(1)
        status = check_consistent(api, run_id)["attributes"]["status"]
        if status != seen[-1]:
            seen.append(status)
        if status in FINAL:
            break
    return seen


PLAN = ["pending", "plan_queued", "planning", "planned"]
APPLY = ["confirmed", "apply_queued", "applying", "applied"]


def test_4_3_1_auto_apply(api):
    """Contract 4.3.1: auto-apply goes straight through to applied without a pause."""
    assert trace(api, api.new_run("ws-AutoApply0000001")) == PLAN + APPLY


def test_4_3_2_manual_apply_pauses_then_applies(api):
    """Contract 4.3.2/5.9: a manual run pauses at planned (confirmable, discardable); apply is synchronous to confirmed."""
    run_id = api.new_run("ws-Manual0000000001")
    assert trace(api, run_id) == PLAN
    actions = api.run(run_id)["attributes"]["actions"]
    assert actions["is-confirmable"] and actions["is-discardable"]
    assert api.action(run_id, "apply", {"comment": "ship it"}).status_code == 202
    assert api.status(run_id) == "confirmed"
    assert trace(api, run_id) == APPLY


def test_4_3_2_request_auto_apply_overrides_workspace(api):
    """Contract 4.3.1: auto-apply true on the request applies on a manual workspace."""
    assert trace(api, api.new_run("ws-Manual0000000001", **{"auto-apply": True}))[-1] == "applied"


def test_4_3_3_no_changes_ends_planned_and_finished(api):
    """Contract 4.3.3: no changes -> planned_and_finished; has-changes stays false."""
    run_id = api.new_run("ws-NoChanges000001")
    assert trace(api, run_id) == PLAN + ["planned_and_finished"]
    assert api.run(run_id)["attributes"]["has-changes"] is False


def test_4_3_3_allow_empty_apply_behaves_like_changes(api):
    """Contract 4.3.3/5.1: allow-empty-apply on a no-change plan pauses for confirmation (operation empty_apply)."""
    run_id = api.new_run("ws-NoChanges000001", **{"allow-empty-apply": True})
    assert trace(api, run_id) == PLAN
    assert api.run(run_id)["attributes"]["actions"]["is-confirmable"] is True
    listed = api.get("/api/v2/workspaces/ws-NoChanges000001/runs", params={"filter[operation]": "empty_apply"})
    assert [item["id"] for item in listed.json()["data"]] == [run_id]


def test_4_3_cost_estimation_and_policy_pass_pause_at_policy_checked(api):
    """Contract 4.2/4.3.2: cost and policy segments come after planned; the pause is policy_checked."""
    run_id = api.new_run("ws-CostPass00000001")
    assert trace(api, run_id) == PLAN + ["cost_estimating", "cost_estimated", "policy_checking", "policy_checked"]
    assert api.run(run_id)["attributes"]["actions"]["is-confirmable"] is True
    ce_id = api.run(run_id)["relationships"]["cost-estimate"]["data"]["id"]
    assert api.get("/api/v2/cost-estimates/" + ce_id).json()["data"]["attributes"]["status"] == "finished"


def test_4_3_7_policy_soft_fail_override(api):
    """Contract 4.3.7: soft fail -> policy_override (not confirmable, discardable); override -> policy_checked, confirmable."""
    run_id = api.new_run("ws-SoftFail00000001")
    assert trace(api, run_id) == PLAN + ["policy_checking", "policy_override"]
    actions = api.run(run_id)["attributes"]["actions"]
    assert not actions["is-confirmable"] and actions["is-discardable"]
    assert api.action(run_id, "apply").status_code == 409
    check_id = api.run(run_id)["relationships"]["policy-checks"]["data"][0]["id"]
    assert api.get("/api/v2/policy-checks/" + check_id).json()["data"]["attributes"]["status"] == "soft_failed"
    response = api.post("/api/v2/policy-checks/%s/actions/override" % check_id)
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["status"] == "overridden"
    assert api.status(run_id) == "policy_checked"
    assert api.run(run_id)["attributes"]["actions"]["is-confirmable"] is True


def test_4_3_4_policy_soft_fail_on_plan_only_is_terminal(api):
    """Contract 4.3.4: a plan-only run with a soft-mandatory failure ends policy_soft_failed."""
    run_id = api.new_run("ws-SoftFail00000001", **{"plan-only": True})
    assert trace(api, run_id)[-1] == "policy_soft_failed"


def test_4_3_6_policy_hard_fail_errors(api):
    """Contract 4.3.6: a hard-mandatory failure -> errored after policy_checking; the plan itself finished."""
    run_id = api.new_run("ws-HardFail00000001")
    assert trace(api, run_id) == PLAN + ["policy_checking", "errored"]
    assert api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]["attributes"]["status"] == "finished"


def test_4_3_6_plan_error(api):
    """Contract 4.3.6: planning -> errored; plan errored with errored-at; apply unreachable."""
    run_id = api.new_run("ws-PlanError0000001")
    assert trace(api, run_id) == ["pending", "plan_queued", "planning", "errored"]
    plan = api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]["attributes"]
    assert plan["status"] == "errored" and "errored-at" in plan["status-timestamps"]
    assert api.get("/api/v2/runs/%s/apply" % run_id).json()["data"]["attributes"]["status"] == "unreachable"
    assert "errored-at" in api.run(run_id)["attributes"]["status-timestamps"]


def test_4_3_6_apply_error(api):
    """Contract 4.3.6: applying -> errored; the apply's status is errored."""
    run_id = api.new_run("ws-ApplyError000001")
    assert trace(api, run_id) == PLAN + ["confirmed", "apply_queued", "applying", "errored"]
    assert api.get("/api/v2/runs/%s/apply" % run_id).json()["data"]["attributes"]["status"] == "errored"


def test_4_3_4_plan_only_never_confirmable(api):
    """Contract 4.3.4: a plan-only run ends planned_and_finished and is never confirmable, even with auto-apply."""
    run_id = api.new_run("ws-AutoApply0000001", **{"plan-only": True})
    assert trace(api, run_id) == PLAN + ["planned_and_finished"]


def test_4_3_8_saved_plan(api):
    """Contract 4.3.8: save-plan pauses at planned_and_saved (confirmable, not locking); apply -> applied."""
    run_id = api.new_run("ws-AutoApply0000001", **{"save-plan": True})
    assert trace(api, run_id) == PLAN + ["planned_and_saved"]
    assert api.run(run_id)["attributes"]["actions"]["is-confirmable"] is True
    workspace = api.get("/api/v2/workspaces/ws-AutoApply0000001").json()["data"]
    assert workspace["attributes"]["locked"] is False
    assert api.action(run_id, "apply").status_code == 202
    assert trace(api, run_id) == APPLY


def test_4_3_5_destroy_counts(api):
    """Contract 4.3.5: a destroy run's plan and apply carry resource-destructions."""
    run_id = api.new_run("ws-AutoApply0000001", **{"is-destroy": True})
    assert trace(api, run_id)[-1] == "applied"
    for phase in ("plan", "apply"):
        counts = api.get("/api/v2/runs/%s/%s" % (run_id, phase)).json()["data"]["attributes"]
        assert counts["resource-destructions"] >= 1 and counts["resource-additions"] == 0


def test_4_1_workspace_queue_one_active_run(api):
    """Contract 4.1 pending: a second run waits in pending (position-in-queue 1) while the first holds the lock,
    even paused for confirmation; a speculative run skips the queue; discarding the first frees it."""
    first = api.new_run("ws-Manual0000000001")
    second = api.new_run("ws-Manual0000000001")
    speculative = api.new_run("ws-Manual0000000001", **{"plan-only": True})
    api.sim.advance_clock(30)
    assert api.status(first) == "planned"
    assert api.status(second) == "pending"
    assert api.run(second)["attributes"]["position-in-queue"] == 1
    assert api.status(speculative) == "planned_and_finished"
    workspace = api.get("/api/v2/workspaces/ws-Manual0000000001").json()["data"]
    assert workspace["attributes"]["locked"] is True
    assert workspace["relationships"]["current-run"]["data"]["id"] == first
    assert api.action(first, "discard").status_code == 202
    assert api.status(first) == "discarded"
    assert trace(api, second)[-1] == "planned"
    assert api.get("/api/v2/workspaces/ws-Manual0000000001").json()["data"]["relationships"][
        "current-run"]["data"]["id"] == second


def test_4_1_queue_order_is_replayed_in_time(api):
    """Contract 4.1: three auto-apply runs read only after a long time still ran one after another."""
    runs = [api.new_run("ws-AutoApply0000001") for index in range(3)]
    api.sim.advance_clock(3600)
    stamps = [api.run(run_id)["attributes"]["status-timestamps"] for run_id in runs]
    assert all("applied-at" in stamp for stamp in stamps)
    for earlier, later in zip(stamps, stamps[1:]):
        assert later["plan-queued-at"] >= earlier["applied-at"]


def test_4_stuck_status_never_progresses(api):
    """Stuck runs (workspace knob stuck_status) never leave that status, however much time passes."""
    run_id = api.new_run("ws-Stuck00000000001")
    api.sim.advance_clock(7 * 24 * 3600)
    assert check_consistent(api, run_id)["attributes"]["status"] == "planning"
    api.sim.set_workspace_knobs("ws-Stuck00000000001", stuck_status=None)
    api.sim.advance_clock(60)
    assert api.status(run_id) == "planned"


def test_4_durations_knob_per_status(api):
    """Phase durations: a per-status duration keeps the run in planning until it has passed."""
    api.sim.set_workspace_knobs("ws-Manual0000000001", durations={"planning": 100})
    run_id = api.new_run("ws-Manual0000000001")
    api.sim.advance_clock(50)
    assert api.status(run_id) == "planning"
    api.sim.advance_clock(60)
    assert api.status(run_id) == "planned"
