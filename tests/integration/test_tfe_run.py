# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tfe_run through ansible-playbook and ad-hoc ansible against the simulator."""

from __future__ import annotations

from tfesim import Response  # pylint: disable=import-error

from conftest import TOKENS  # pylint: disable=import-error


def tfe_run(name, **args):
    return {"name": name, "tfe.runs.tfe_run": args, "ignore_errors": True}


def runs_of(sim, workspace):
    return [run for run in sim.runs() if run["workspace_name"] == workspace]


def test_every_scenario_ends_as_the_api_says(ansible, sim):
    played = ansible.playbook([
        tfe_run("auto-apply", organization="acme", workspace="auto", message="converge"),
        tfe_run("manual plan", organization="acme", workspace="manual", message="review me", wait_for="plan"),
        tfe_run("manual final", organization="acme", workspace="manual-final", wait_timeout=4),
        tfe_run("no changes", organization="acme", workspace="nochanges"),
        tfe_run("plan-only", organization="acme", workspace="auto", plan_only=True, terraform_version="1.9.8"),
        tfe_run("save-plan", organization="acme", workspace="saved", save_plan=True, wait_for="plan"),
        tfe_run("destroy", organization="acme", workspace="auto", is_destroy=True, auto_apply=True),
        tfe_run("errored plan", organization="acme", workspace="plan-error"),
        tfe_run("errored apply", organization="acme", workspace="apply-error"),
        tfe_run("policy soft fail", organization="acme", workspace="policy", plan_only=True),
        tfe_run("policy override", organization="acme", workspace="policy", wait_for="plan"),
        tfe_run("cost estimation", organization="acme", workspace="cost"),
        tfe_run("no configuration", organization="acme", workspace="empty"),
    ])
    auto = played.task("auto-apply")
    assert not auto.failed and auto["changed"], played.output
    assert auto["run"]["status"] == "applied" and auto["apply"]["resource_additions"] == 1
    assert auto["run"]["web_url"] == "{0}/app/acme/workspaces/auto/runs/{1}".format(sim.url, auto["run"]["id"])
    assert auto["workspace"]["name"] == "auto" and auto["workspace"]["organization"] == "acme"
    assert set(auto["phase_durations"]) >= {"plan", "apply", "total"}

    manual = played.task("manual plan")
    assert not manual.failed and manual["run"]["actions"]["is_confirmable"] is True
    assert manual["plan"]["has_changes"] is True

    waiting = played.task("manual final")
    assert waiting.failed and waiting["changed"] is True
    assert "waiting for confirmation" in waiting["msg"] and waiting["run"]["web_url"] in waiting["msg"]

    assert played.task("no changes")["run"]["status"] == "planned_and_finished"
    plan_only = played.task("plan-only")
    assert plan_only["run"]["status"] == "planned_and_finished" and plan_only["run"]["plan_only"] is True
    assert plan_only["attributes"]["terraform_version"] == "1.9.8"
    assert played.task("save-plan")["run"]["status"] == "planned_and_saved"
    destroy = played.task("destroy")
    assert destroy["run"]["status"] == "applied" and destroy["run"]["is_destroy"] is True
    assert destroy["apply"]["resource_destructions"] >= 1

    errored = played.task("errored plan")
    assert errored.failed and errored["changed"] is True and errored["run"]["status"] == "errored"
    assert errored["log_tail"] and "ended errored" in errored["msg"]
    errored_apply = played.task("errored apply")
    assert errored_apply.failed and errored_apply["apply"]["status"] == "errored" and errored_apply["log_tail"]

    soft = played.task("policy soft fail")
    assert soft.failed and soft["run"]["status"] == "policy_soft_failed"
    override = played.task("policy override")
    assert not override.failed and override["run"]["status"] == "policy_override"
    assert played.task("cost estimation")["run"]["status"] == "applied"

    empty = played.task("no configuration")
    assert empty.failed and empty["changed"] is False and "Configuration version is missing" in empty["msg"]
    assert not any("log-read-url" in str(r.result) or "_archivist" in str(r.result) for r in played.results)


def test_a_run_queued_behind_another_waits_its_turn(ansible, sim):
    played = ansible.playbook([
        tfe_run("first", organization="acme", workspace="queue", message="first", wait_for="plan"),
        tfe_run("second", organization="acme", workspace="queue", message="second", wait=False),
        tfe_run("second waits", organization="acme", workspace="queue", message="second", reuse="active",
                wait_for="plan", wait_timeout=3),
    ])
    assert played.task("second")["run"]["status"] == "pending"
    waits = played.task("second waits")
    assert waits.failed and waits["reused"] is True and "queued behind other runs" in waits["msg"]
    assert len(runs_of(sim, "queue")) == 2


def test_check_mode_queues_nothing(ansible, sim):
    played = ansible.playbook([tfe_run("check", organization="acme", workspace="auto", message="m",
                                       variables={"size": 3})], args=["--check"])
    check = played.task("check")
    assert check["changed"] is True and check["would_queue"] is True and check["run"] is None
    assert check["attributes"] == {"message": "m", "variables": ["size"]}
    assert runs_of(sim, "auto") == []


def test_reuse_modes_run_twice(ansible, sim):
    tasks = []
    for mode in ("never", "active", "any"):
        for attempt in (1, 2):
            # active: a run paused for confirmation stays active; any: an applied run is reused too
            tasks.append(tfe_run("{0} {1}".format(mode, attempt), organization="acme",
                                 workspace="reuse-manual" if mode == "active" else "reuse",
                                 message="deploy " + mode, reuse=mode, wait_for="final" if mode == "any" else "plan"))
    played = ansible.playbook(tasks)
    assert played.task("never 1")["changed"] and played.task("never 2")["changed"]
    assert played.task("active 1")["changed"] and not played.task("active 2")["changed"]
    assert played.task("active 2")["reused"] and played.task("active 2")["run"]["id"] == played.task("active 1")["run"]["id"]
    assert played.task("any 1")["changed"] and played.task("any 1")["run"]["status"] == "applied"
    assert not played.task("any 2")["changed"] and played.task("any 2")["run"]["status"] == "applied"
    assert len(runs_of(sim, "reuse")) == 3  # never x2, any x1
    assert len(runs_of(sim, "reuse-manual")) == 1


def test_created_then_503_leaves_exactly_one_run(ansible, sim):
    def created_then_503(request, next_handler):
        answer = next_handler(request)
        if request.method == "POST" and request.path == "/api/v2/runs":
            return Response(503, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"})
        return answer

    sim.add_middleware(created_then_503)
    played = ansible.playbook([tfe_run("flaky create", organization="acme", workspace="auto", wait_for="plan")])
    result = played.task("flaky create")
    assert not result.failed, played.output
    assert result["recovered"] is True and result["changed"] is True
    assert len(runs_of(sim, "auto")) == 1
    assert result["run"]["id"] == runs_of(sim, "auto")[0]["id"]


def test_adhoc_with_the_token_only_in_the_environment(ansible, sim):
    adhoc = ansible.adhoc("tfe.runs.tfe_run", "organization=acme workspace=auto wait_for=plan")
    result = adhoc.results[0]
    assert adhoc.rc == 0 and not result.failed, adhoc.output
    assert result["run"]["status"] in ("applied", "apply_queued", "applying", "confirmed")
    assert TOKENS["user"] not in adhoc.stdout + adhoc.stderr
    assert [entry["token_role"] for entry in sim.request_log if entry["path"] == "/api/v2/runs"] == ["user"]


def test_organization_tokens_cannot_queue_and_are_told_why(ansible, sim):
    played = ansible.playbook([tfe_run("org token", organization="acme", workspace="auto")],
                              env={"TFE_TOKEN": TOKENS["org"]})
    refused = played.task("org token")
    assert refused.failed and "Organization tokens cannot queue runs" in refused["msg"]
    assert runs_of(sim, "auto") == []
