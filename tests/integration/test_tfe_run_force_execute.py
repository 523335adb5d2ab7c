# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tfe_run's force_execute and the run options of newer TFE releases (issue 20, items 3 and 4),
through ansible-playbook against the simulator."""

from __future__ import annotations

import json


def tfe_run(name, **args):
    return {"name": name, "tfe.runs.tfe_run": args, "ignore_errors": True}


def posts(sim, suffix):
    return [e for e in sim.request_log if e["method"] == "POST" and e["path"].endswith(suffix)]


def test_force_execute_discards_the_plan_ahead_and_names_it_once(ansible, sim):
    played = ansible.playbook([
        tfe_run("waits for confirmation", organization="acme", workspace="queue", run_message="feature",
                wait_for="plan"),
        dict(tfe_run("preview", organization="acme", workspace="queue", run_message="hotfix", force_execute=True),
             check_mode=True),
        tfe_run("hotfix", organization="acme", workspace="queue", run_message="hotfix", reuse="active",
                force_execute=True, wait_for="plan"),
        tfe_run("hotfix again", organization="acme", workspace="queue", run_message="hotfix", reuse="active",
                force_execute=True, wait_for="plan"),
    ])
    ahead = played.task("waits for confirmation")["run"]["id"]

    preview = played.task("preview")
    assert preview["changed"] is True and preview["would_queue"] is True
    assert preview["force_execute"] == {"executed": True, "discarded_run_id": ahead, "discarded_run_status": "planned",
                                        "reason": None}

    hotfix = played.task("hotfix")
    assert not hotfix.failed and hotfix["changed"] is True, hotfix.result
    assert hotfix["force_execute"] == {"executed": True, "discarded_run_id": ahead,
                                       "discarded_run_status": "discarded", "reason": None}
    assert hotfix["run"]["status"] == "planned"  # it took the workspace and planned

    again = played.task("hotfix again")
    assert again["changed"] is False and again["reused"] is True
    assert again["force_execute"]["executed"] is False and "does not wait in the queue" in again["force_execute"][
        "reason"]
    assert len(posts(sim, "/actions/force-execute")) == 1
    assert [(r["id"], r["status"]) for r in sim.runs(workspace="acme/queue")] == [
        (ahead, "discarded"), (hotfix["run"]["id"], "planned")]


def test_force_execute_leaves_a_run_that_cannot_be_discarded_and_says_so(ansible, sim):
    # Placed in planning, not queued by a task: a queued run is pending, then plan_queued for a phase each,
    # so what the next task met would depend on how fast the machine is.
    ahead = sim.create_runs("acme/slow", status="planning")[0]
    played = ansible.playbook([
        tfe_run("behind it", organization="acme", workspace="slow", force_execute=True, wait=False),
    ])
    behind = played.task("behind it")
    assert not behind.failed and behind["run"]["status"] == "pending"
    assert behind["force_execute"]["executed"] is False and behind["force_execute"]["discarded_run_id"] == ahead
    assert "cannot be discarded" in behind["force_execute"]["reason"]
    assert "cannot be discarded" in json.dumps(behind.get("warnings"))
    assert posts(sim, "/actions/force-execute") == []
    assert [r["status"] for r in sim.runs(workspace="acme/slow")] == ["planning", "pending"]


def test_a_free_workspace_needs_no_force_execute(ansible, sim):
    played = ansible.playbook([tfe_run("alone", organization="acme", workspace="auto", force_execute=True)])
    alone = played.task("alone")
    assert not alone.failed and alone["run"]["status"] == "applied"
    assert alone["force_execute"]["executed"] is False and alone["force_execute"]["discarded_run_id"] is None
    assert not alone.get("warnings")
    assert posts(sim, "/actions/force-execute") == []


def test_actions_and_policy_paths_are_sent_and_reported(ansible, sim):
    played = ansible.playbook([
        tfe_run("invoke", organization="acme", workspace="auto", invoke_action_addrs=["action.local_command.notify"],
                policy_paths=["policies/"], wait=False),
        tfe_run("empty address", organization="acme", workspace="auto", target_addrs=["aws_instance.web", " "]),
        tfe_run("empty action", organization="acme", workspace="auto", invoke_action_addrs=[""]),
    ])
    invoke = played.task("invoke")
    assert not invoke.failed, invoke.result
    assert invoke["attributes"]["invoke_action_addrs"] == ["action.local_command.notify"]
    assert invoke["run"]["invoke_action_addrs"] == ["action.local_command.notify"]
    assert invoke["run"]["policy_paths"] == ["policies/"]
    assert [r["operation"] for r in sim.runs(workspace="acme/auto")] == ["action_only"]
    for name, option in (("empty address", "target_addrs"), ("empty action", "invoke_action_addrs")):
        refused = played.task(name)
        assert refused.failed and "{0} cannot hold an empty entry".format(option) in refused["msg"]
        assert refused["changed"] is False
    assert len(posts(sim, "/api/v2/runs")) == 1  # the refused tasks sent nothing
