# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tfe_run_apply's override (issue 20, item 2): a soft policy failure on both policy generations and a
run-task stage waiting for a decision are passed on purpose, once, with a comment; a hard failure never;
check mode sends nothing. Through ansible-playbook against the simulator."""

from __future__ import annotations

import pytest


def task(name, module, **args):
    return {"name": name, "tfe.runs." + module: args, "ignore_errors": True}


def overrides_sent(sim):
    return [e["path"] for e in sim.request_log if e["method"] == "POST" and e["path"].endswith("/actions/override")]


def plan(workspace):
    return task("plan", "tfe_run", organization="acme", workspace=workspace, wait_for="plan", auto_apply=False)


def apply(name, check=False, **args):
    found = task(name, "tfe_run_apply", run_id="{{ planned.run.id }}", **args)
    return dict(found, check_mode=True) if check else found


def registered(plays):
    plays[0]["register"] = "planned"
    return plays


def test_a_legacy_soft_policy_failure_is_passed_once_with_a_comment(ansible, sim):
    played = ansible.playbook(registered([
        plan("policy"),
        apply("no comment", override=["policy"]),
        apply("preview", check=True, override=["policy"], comment="CAB 2291"),
        apply("pass and apply", override=["policy"], comment="CAB 2291"),
        apply("again", override=["policy"], comment="CAB 2291"),
    ]))
    assert played.task("plan")["run"]["status"] == "policy_override"
    refused = played.task("no comment")
    assert refused.failed and "override needs a comment" in refused["msg"] and refused["changed"] is False
    preview = played.task("preview")
    assert not preview.failed and preview["changed"] is True
    assert [o["sent"] for o in preview["overrides"]] == [False] and preview["run"]["status"] == "policy_override"
    passed = played.task("pass and apply")
    assert not passed.failed and passed["changed"] is True and passed["run"]["status"] == "applied", passed.result
    assert [(o["gate"], o["stage"], o["sent"]) for o in passed["overrides"]] == [(["policy"], None, True)]
    assert passed["overrides"][0]["id"].startswith("polchk-")
    assert passed["previous_status"] == "policy_override"  # before the task acted, not between its two actions
    again = played.task("again")
    assert not again.failed and again["changed"] is False and again["overrides"] == []
    assert overrides_sent(sim) == ["/api/v2/policy-checks/{0}/actions/override".format(passed["overrides"][0]["id"])]


def test_the_newer_generation_and_a_run_task_gate_each_need_their_name(ansible, sim):
    sim.set_workspace_knobs("acme/deny", policy="soft_fail", policy_generation="policy_evaluations",
                            task_stage={"stage": "pre_plan", "outcome": "awaiting_decision"})
    played = ansible.playbook(registered([
        task("plan", "tfe_run", organization="acme", workspace="deny", wait=False, auto_apply=False),
        apply("policy only", override=["policy"], comment="CAB 2292"),
        apply("both", override=["policy", "run_tasks"], comment="CAB 2292"),
    ]))
    only = played.task("policy only")
    assert only.failed and "pre_plan task stage" in only["msg"] and "override: [run_tasks]" in only["msg"]
    assert only["overrides"] == [] and only["changed"] is False
    both = played.task("both")
    assert not both.failed and both["run"]["status"] == "applied", both.result
    passed = [(o["gate"], o["stage"]) for o in both["overrides"]]
    assert passed == [(["run_tasks"], "pre_plan"), (["policy"], "post_plan")]
    assert len(overrides_sent(sim)) == 2 and all("/task-stages/" in path for path in overrides_sent(sim))


@pytest.mark.parametrize("knobs", [{"policy": "hard_fail"},
                                   {"policy": "hard_fail", "policy_generation": "policy_evaluations"},
                                   {"task_stage": {"stage": "post_plan", "outcome": "failed"}}],
                         ids=["policy check", "policy evaluation", "mandatory run task"])
def test_a_hard_failure_is_never_overridden(ansible, sim, knobs):
    sim.set_workspace_knobs("acme/deny", **knobs)
    played = ansible.playbook(registered([
        task("plan", "tfe_run", organization="acme", workspace="deny", wait_for="plan", auto_apply=False),
        apply("override", override=["policy", "run_tasks"], comment="CAB 2293"),
    ]))
    refused = played.task("override")
    assert refused.failed and refused["changed"] is False and refused["overrides"] == []
    assert refused["run"]["status"] in ("errored", "policy_soft_failed"), refused.result
    assert overrides_sent(sim) == []
