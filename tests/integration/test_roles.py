# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The roles and the AWX material, run the ways users run them: ansible-playbook with the roles and the
playbooks of playbooks/, and ansible-runner with a private data directory whose env/envvars is what the
AWX credential type of docs/awx/ injects. The ad-hoc ways are in test_tfe_run.py and test_admin_modules.py.

Every playbook, survey and credential type is loaded from the files the guide (docs/awx.md) points to,
so the guide cannot drift from what is tested.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from typing import Any, Dict, List

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
import requests
import yaml

from conftest import HARMLESS_PLAN, PHASE, PLAN_SECRET, REVIEW_PLAN, TOKENS  # pylint: disable=import-error
from harness import COLLECTION_ROOT, run_with_ansible_runner  # pylint: disable=import-error

AWX_DIR = os.path.join(COLLECTION_ROOT, "docs", "awx")
ROLES = ("workspace_run", "stuck_run_cleanup")
# The change list of conftest.REVIEW_PLAN as the role prints and publishes it: destroys first.
CHANGE_LIST = [
    "Resource changes: 1 to delete, 2 to replace, 2 to update, 2 to create, 1 to read, 1 to import",
    "  delete  aws_s3_bucket.logs (delete because no resource config)",
    "  replace module.db.aws_db_instance.main (replace because cannot update)",
    "  replace aws_lb.front (replace by request)",
    "  update  module.network.aws_vpc.main",
    "  update  aws_security_group.app",
    "  create  module.app.aws_instance.web[0]",
    "  create  module.app.aws_instance.web[1]",
    "  read    data.aws_ami.ubuntu (read because config unknown)",
    "  import  aws_iam_role.ci",
    "Output changes: endpoint (create)",
]
PROTECT_DB = [{"address": "module.db.*"}]


def load_yaml(*parts: str) -> Any:
    with open(os.path.join(COLLECTION_ROOT, *parts), encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def playbook(name: str) -> List[Dict[str, Any]]:
    return load_yaml("playbooks", name)


def survey() -> Dict[str, Any]:
    with open(os.path.join(AWX_DIR, "workspace_run_survey.json"), encoding="utf-8") as stream:
        return json.load(stream)


def awx_injected_env(address: str, token: str) -> Dict[str, str]:
    """env/envvars as AWX writes it for a credential of docs/awx/credential_type_*.yml: AWX renders each
    injector value as a (sandboxed) Jinja2 template of the credential's inputs."""
    injectors = load_yaml("docs", "awx", "credential_type_injectors.yml")
    inputs = {"address": address, "token": token}
    sandbox = SandboxedEnvironment(undefined=StrictUndefined)
    return {name: sandbox.from_string(value).render(**inputs) for name, value in injectors["env"].items()}


def survey_answers(**answers: Any) -> Dict[str, Any]:
    """The extra variables AWX sends for a survey: each question's default unless answered."""
    extravars = {q["variable"]: q["default"] for q in survey()["spec"] if q.get("default") not in (None, "")}
    extravars.update(answers)
    return extravars


def include(role: str, **role_vars: Any) -> Dict[str, Any]:
    return {"name": "{0} {1}".format(role, role_vars.get("workspace_run_approval", "")).strip(),
            "ansible.builtin.include_role": {"name": "tfe.runs." + role}, "vars": role_vars}


def mark(name: str, variable: str) -> Dict[str, Any]:
    """A task whose result carries a copy of ``variable``, and that separates one role call from the next."""
    return {"name": name, "ansible.builtin.debug": {"var": variable}}


def between(played, first: str, last: str):
    """The results recorded after the task ``first`` (or from the start) up to the task ``last``."""
    names = [r.task for r in played.results]
    start = names.index(first) + 1 if first else 0
    return played.results[start:names.index(last)]


def task_name(result) -> str:
    """The task's own name: newer ansible-core prefixes the names of role tasks with ``<role> : ``."""
    return result.task.split(" : ")[-1]


def role_task(results, name: str):
    """The (last) result of the role task called ``name`` among ``results``."""
    matches = [r for r in results if task_name(r) == name]
    assert matches, [r.task for r in results]
    return matches[-1]


def changed_tasks(results) -> List[str]:
    return [task_name(r) for r in results if r.get("changed")]


def workspace_attributes(sim, token: str, organization: str, name: str) -> Dict[str, Any]:
    answer = requests.get("{0}/api/v2/organizations/{1}/workspaces/{2}".format(sim.url, organization, name),
                          headers={"Authorization": "Bearer " + token}, timeout=10)
    answer.raise_for_status()
    return answer.json()["data"]["attributes"]


def posts(sim, suffix: str) -> List[Dict[str, Any]]:
    return [e for e in sim.request_log if e["method"] == "POST" and e["path"].endswith(suffix)]


def add_review_workspaces(sim, *names: str, plan=None) -> None:
    plan = REVIEW_PLAN if plan is None else plan
    for name in names:
        sim.add_workspace("acme", name, knobs={"phase_seconds": PHASE, "plan_changes": plan})


def rescued(task: Dict[str, Any]) -> Dict[str, Any]:
    """``task`` (a role that fails) in a block whose rescue lets the play go on."""
    return {"name": "expect a failure", "block": [task], "rescue": [mark("rescued", "ansible_failed_result.msg")]}


def run_status(sim, run_id: str) -> Dict[str, Any]:
    return [r for r in sim.runs() if r["id"] == run_id][0]


# ------------------------------------------------------------------------------------ static checks


def test_role_argument_specs_match_defaults_and_the_survey():
    for role in ROLES:
        defaults = load_yaml("roles", role, "defaults", "main.yml")
        options = load_yaml("roles", role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
        assert set(defaults) == set(options), role
        for name, spec in options.items():
            assert name.startswith(role + "_")
            assert spec.get("default") == defaults[name], name
        assert not [name for name in options if "token" in name], "roles take no token variable"
    options = load_yaml("roles", "workspace_run", "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    for question in survey()["spec"]:
        spec = options[question["variable"]]  # every survey answer is a role variable
        if question["type"] == "multiplechoice":
            assert question["choices"] == spec["choices"] and question["default"] == spec["default"]


def test_credential_type_injects_what_the_modules_read():
    inputs = load_yaml("docs", "awx", "credential_type_inputs.yml")
    fields = {field["id"]: field for field in inputs["fields"]}
    assert fields["token"]["secret"] is True and set(inputs["required"]) == {"address", "token"}
    assert awx_injected_env("https://tfe.example.com", "s3cret") == {
        "TFE_ADDRESS": "https://tfe.example.com", "TFE_TOKEN": "s3cret"}


# ------------------------------------------------------------------------------------ ansible-playbook


def test_workspace_run_auto_never_manual_then_approve_and_deny(ansible, sim, tmp_path):
    played = ansible.playbook([
        include("workspace_run", workspace_run_organization="acme", workspace_run_workspace="manual",
                workspace_run_approval="auto", workspace_run_message="converge", workspace_run_variables={"size": 3}),
        mark("auto result", "workspace_run_result"),
        include("workspace_run", workspace_run_organization="acme", workspace_run_workspace="nochanges",
                workspace_run_approval="auto"),
        mark("no changes result", "workspace_run_result"),
        include("workspace_run", workspace_run_organization="acme", workspace_run_workspace="queue",
                workspace_run_approval="never"),
        mark("never result", "workspace_run_result"),
        # An auto-apply workspace with cost estimation and a policy: nothing is applied without approval.
        include("workspace_run", workspace_run_organization="acme", workspace_run_workspace="cost",
                workspace_run_approval="manual"),
        mark("manual result", "workspace_run_result"),
        include("workspace_run", workspace_run_workspace_id=sim.workspace("acme/deny")["id"],
                workspace_run_approval="manual", workspace_run_message="to deny"),
        mark("deny result", "workspace_run_result"),
    ])
    auto = played.task("auto result")["workspace_run_result"]
    assert auto["status"] == "applied" and auto["changed"] is True, played.output
    assert auto["apply"]["resource_additions"] == 1 and auto["run_url"].endswith(auto["run_id"])
    # The changes the plan was reviewed with stay in the result once the run is applied.
    assert auto["change_list"] == ["Resource changes: 1 to create", "  create  null_resource.sim[0]",
                                   "Output changes: endpoint (create)"]
    assert auto["plan"]["changes"][0]["address"] == "null_resource.sim[0]" and auto["plan"]["status"] == "finished"
    assert changed_tasks(between(played, None, "auto result")) == ["Apply the run"]
    plan_lines = role_task(between(played, None, "auto result"), "Show the plan")["msg"]
    assert plan_lines[0].startswith("acme/manual: run " + auto["run_id"]) and "waits for confirmation" in plan_lines[0]
    assert "Plan: 1 to add, 0 to change, 0 to destroy" in plan_lines and "size" not in str(plan_lines)

    no_changes = played.task("no changes result")["workspace_run_result"]
    assert no_changes["status"] == "no_changes" and no_changes["changed"] is False
    assert not changed_tasks(between(played, "auto result", "no changes result"))

    never = played.task("never result")["workspace_run_result"]
    assert never["status"] == "planned" and never["run_status"] == "planned_and_finished"
    assert not changed_tasks(between(played, "no changes result", "never result"))
    assert workspace_attributes(sim, TOKENS["user"], "acme", "queue")["locked"] is False

    manual = played.task("manual result")["workspace_run_result"]
    assert manual["status"] == "needs_confirmation" and manual["changed"] is False
    assert manual["run_status"] != "applied"  # the workspace auto-applies; the role queued with auto-apply off
    assert manual["run_url"] == "{0}/app/acme/workspaces/cost/runs/{1}".format(sim.url, manual["run_id"])
    assert not changed_tasks(between(played, "never result", "manual result"))
    manual_lines = role_task(between(played, "never result", "manual result"), "Show the plan")["msg"]
    assert "Cost estimation: done (the amounts are on the run's page)" in manual_lines
    assert "Policy checks: passed" in manual_lines
    outcome = role_task(between(played, "never result", "manual result"), "Show the outcome")["msg"]
    assert manual["run_id"] in outcome and "tfe.runs.tfe_run_apply" in outcome
    denied = played.task("deny result")["workspace_run_result"]
    assert denied["status"] == "needs_confirmation"
    assert [r["status"] for r in sim.runs(workspace="acme/cost")] == [manual["run_status"]]

    # The workflow's two branches, each given the plan node's set_stats as extra variables.
    approve_vars, deny_vars = tmp_path / "approve.json", tmp_path / "deny.json"
    approve_vars.write_text(json.dumps({"workspace_run_result": manual}))
    deny_vars.write_text(json.dumps({"workspace_run_result": denied}))
    approved = ansible.playbook(playbook("approve.yml"), args=["-e", "@{0}".format(approve_vars)])
    applied = approved.task("Apply the run")
    assert approved.rc == 0 and applied["changed"] and applied["decision"] == "confirm", approved.output
    assert applied["run"]["status"] == "applied"
    denied_run = ansible.playbook(playbook("deny.yml"), args=["-e", "@{0}".format(deny_vars)])
    discarded = denied_run.task("Discard the run")
    assert denied_run.rc == 0 and discarded["action"] == "discard", denied_run.output
    assert [r["status"] for r in sim.runs(workspace="acme/deny")] == ["discarded"]
    assert workspace_attributes(sim, TOKENS["user"], "acme", "deny")["locked"] is False
    assert len(posts(sim, "/actions/apply")) == 2  # the auto run and the approved one, nothing else


def test_workspace_run_shows_the_changes_and_its_protections_stop_the_apply(ansible, sim, tmp_path):
    add_review_workspaces(sim, "review", "review-gate", "review-discard")
    add_review_workspaces(sim, "harmless", plan=HARMLESS_PLAN)
    reader = sim.add_token("reader", "user", organizations=["acme"], workspace_admin=False,
                           token="{0}.atlasv1.{1}".format(secrets.token_hex(7), secrets.token_hex(40)))
    gated = dict(workspace_run_organization="acme", workspace_run_approval="auto", workspace_run_protect=PROTECT_DB)
    played = ansible.playbook([
        {"name": "as a workspace admin", "hosts": "localhost", "gather_facts": False, "tasks": [
            include("workspace_run", workspace_run_organization="acme", workspace_run_workspace="review",
                    workspace_run_protect=PROTECT_DB),
            mark("manual result", "workspace_run_result"),
            rescued(include("workspace_run", workspace_run_workspace="review-gate", **gated)),
            mark("gate result", "workspace_run_result"),
            rescued(include("workspace_run", workspace_run_workspace="review-discard",
                            workspace_run_discard_protected=True, **gated)),
            mark("discard result", "workspace_run_result"),
            include("workspace_run", workspace_run_workspace="harmless", **gated),
            mark("harmless result", "workspace_run_result"),
        ]},
        {"name": "without admin access", "hosts": "localhost", "gather_facts": False,
         "module_defaults": {"group/tfe.runs.tfe": {"tfe_token": reader}}, "tasks": [
             include("workspace_run", workspace_run_organization="acme", workspace_run_workspace="queue"),
             mark("reader result", "workspace_run_result"),
         ]},
    ])
    assert played.rc == 0, played.output

    manual = played.task("manual result")["workspace_run_result"]
    shown = role_task(between(played, None, "manual result"), "Show the plan")["msg"]
    assert shown[0] == "acme/review: run {0} is planned and waits for confirmation".format(manual["run_id"])
    assert shown[1:] == ["Plan: 4 to add, 2 to change, 3 to destroy, 1 to import"] + CHANGE_LIST + [manual["run_url"]]
    assert manual["status"] == "needs_confirmation" and manual["change_list"] == CHANGE_LIST
    assert manual["protect"] == PROTECT_DB and manual["plan"]["change_counts"]["replace"] == 2

    gate = played.task("gate result")["workspace_run_result"]
    assert gate["status"] == "failed" and gate["changed"] is False and gate["change_list"] == CHANGE_LIST
    assert "would replace module.db.aws_db_instance.main (protected by 'module.db.*')" in gate["msg"]
    assert gate["protected_changes"] == [
        {"address": "module.db.aws_db_instance.main", "action": "replace", "protection": "module.db.*"}]
    assert run_status(sim, gate["run_id"])["is_confirmable"] is True  # left waiting, as the message says
    assert role_task(between(played, "manual result", "gate result"), "Show the plan")["msg"][2:-1] == CHANGE_LIST

    discarded = played.task("discard result")["workspace_run_result"]
    assert discarded["status"] == "failed" and discarded["run_status"] == "discarded" and discarded["changed"] is True
    assert "It was discarded." in discarded["msg"] and run_status(sim, discarded["run_id"])["status"] == "discarded"

    harmless = played.task("harmless result")["workspace_run_result"]
    assert harmless["status"] == "applied" and harmless["protected_changes"] == []
    assert harmless["change_list"] == ["Resource changes: 1 to update, 1 to create",
                                       "  update  aws_security_group.app", "  create  module.app.aws_instance.web[2]",
                                       "Output changes: endpoint (create)"]
    assert [e["path"].split("/")[4] for e in posts(sim, "/actions/apply")] == [harmless["run_id"]]

    reader_result = played.task("reader result")["workspace_run_result"]
    reader_lines = role_task(between(played, "harmless result", "reader result"), "Show the plan")["msg"]
    assert "Plan: 1 to add, 0 to change, 0 to destroy" in reader_lines
    assert reader_result["change_list"] == reader_lines[2:3] == [
        "Resource changes: not available, the token has no admin access to the workspace, which reading a JSON plan "
        "needs. See the run's page."]
    assert PLAN_SECRET not in played.stdout + json.dumps([r.result for r in played.results])

    # The workflow's approve node judges the plan node's protections (published with its result) too.
    approve_vars = tmp_path / "approve.json"
    approve_vars.write_text(json.dumps({"workspace_run_result": manual}))
    approved = ansible.playbook(playbook("approve.yml"), args=["-e", "@{0}".format(approve_vars)])
    refused = approved.task("Apply the run")
    assert approved.rc != 0 and refused.failed and refused["protected_changes"], approved.output
    assert run_status(sim, manual["run_id"])["is_confirmable"] is True
    assert len(posts(sim, "/actions/apply")) == 1


def test_workspace_run_uploads_passes_named_gates_and_runs_now(ansible, sim, tmp_path):
    """The API-driven workflow through the role: upload, override (auto, and manual then approve.yml), force-execute."""
    for name in ("gated", "gated-auto", "gated-manual"):
        sim.add_workspace("acme", name, knobs={"phase_seconds": PHASE, "policy": "soft_fail"})
    terraform = tmp_path / "terraform"
    terraform.mkdir()
    (terraform / "main.tf").write_text('resource "null_resource" "api" {}\n', encoding="utf-8")
    (terraform / "local.tfvars").write_text('secret = "not uploaded"\n', encoding="utf-8")
    (terraform / ".terraformignore").write_text("*.tfvars\n", encoding="utf-8")
    auto = dict(workspace_run_organization="acme", workspace_run_approval="auto")
    override = dict(workspace_run_override=["policy"], workspace_run_apply_comment="CAB 7 accepted the tagging gap")
    played = ansible.playbook([
        include("workspace_run", workspace_run_workspace="empty", workspace_run_configuration_path=str(terraform),
                **auto),
        mark("upload result", "workspace_run_result"),
        rescued(include("workspace_run", workspace_run_workspace="gated", **auto)),
        mark("gate result", "workspace_run_result"),
        include("workspace_run", workspace_run_workspace="gated-auto", **dict(auto, **override)),
        mark("override result", "workspace_run_result"),
        include("workspace_run", workspace_run_organization="acme", workspace_run_workspace="gated-manual",
                **override),
        mark("manual result", "workspace_run_result"),
        include("workspace_run", workspace_run_organization="acme", workspace_run_workspace="queue",
                workspace_run_message="feature"),
        mark("ahead result", "workspace_run_result"),
        include("workspace_run", workspace_run_organization="acme", workspace_run_workspace="queue",
                workspace_run_message="hotfix", workspace_run_force_execute=True),
        mark("hotfix result", "workspace_run_result"),
    ])
    assert played.rc == 0, played.output

    uploaded = played.task("upload result")["workspace_run_result"]
    assert uploaded["status"] == "applied" and uploaded["changed"] is True, uploaded
    queued = role_task(between(played, None, "upload result"), "Queue the run and wait for its plan")
    version = queued["configuration_version"]
    files = [e["path"] for e in sim.configuration_version_files(version["id"]) if e["type"] != "directory"]
    assert sorted(files) == [".terraformignore", "main.tf"] and version["files"] == 2
    assert run_status(sim, uploaded["run_id"])["status"] == "applied"

    refused = played.task("gate result")["workspace_run_result"]
    assert refused["status"] == "failed" and refused["run_status"] == "policy_override"
    assert "soft-mandatory policy failed" in refused["msg"] and refused["changed"] is False

    passed = played.task("override result")["workspace_run_result"]
    assert passed["status"] == "applied" and passed["changed"] is True, passed
    overridden = role_task(between(played, "gate result", "override result"), "Apply the run")
    assert [(o["gate"], o["sent"]) for o in overridden["overrides"]] == [(["policy"], True)]

    manual = played.task("manual result")["workspace_run_result"]
    assert manual["status"] == "needs_override" and manual["override"] == ["policy"], manual
    outcome = role_task(between(played, "override result", "manual result"), "Show the outcome")["msg"]
    assert "override" in outcome and manual["run_id"] in outcome and "policy_override" in outcome

    ahead = played.task("ahead result")["workspace_run_result"]
    hotfix = played.task("hotfix result")["workspace_run_result"]
    assert ahead["status"] == "needs_confirmation" and hotfix["status"] == "needs_confirmation", hotfix
    assert run_status(sim, ahead["run_id"])["status"] == "discarded"  # the hotfix ran at once, in its place
    assert len(posts(sim, "/actions/force-execute")) == 1

    # The approve node passes the gates the plan node allowed, with its comment, and nothing else.
    approve_vars = tmp_path / "approve.json"
    approve_vars.write_text(json.dumps({"workspace_run_result": manual}))
    approved = ansible.playbook(playbook("approve.yml"), args=["-e", "@{0}".format(approve_vars)])
    applied = approved.task("Apply the run")
    assert approved.rc == 0 and applied["run"]["status"] == "applied", approved.output
    assert [o["gate"] for o in applied["overrides"]] == [["policy"]]
    # No tfe_run_comment given: the comment TFE keeps with the confirmation says which gate the approval passed.
    assert [text for dummy, text in sim.backend.world.run(manual["run_id"]).comments] == [
        "Approved in the AWX workflow, passing policy as the plan node named (tfe.runs playbooks/approve.yml)"]
    overrides = posts(sim, "/actions/override")
    assert len(overrides) == 2 and refused["run_id"] not in json.dumps(overrides)
    assert len(posts(sim, "/actions/apply")) == 3  # upload, override and approved runs; not the refused one


def test_workspace_run_failure_is_published_then_fails(ansible, sim):
    played = ansible.playbook([include("workspace_run", workspace_run_organization="acme",
                                       workspace_run_workspace="plan-error", workspace_run_approval="auto")])
    assert played.rc != 0
    failed = role_task(played.results, "Record the failure")["ansible_facts"]["workspace_run_result"]
    assert failed["status"] == "failed" and failed["run_status"] == "errored" and failed["run_id"].startswith("run-")
    assert "errored" in failed["msg"]
    assert role_task(played.results, "Fail with the reason").failed


def test_stuck_run_cleanup_dry_run_then_at_most_max(admin_ansible, sim):
    five_hours_ago = time.time() - 5 * 3600
    stuck = sim.create_runs("acme/stuck", status="planning", count=3, created_at=five_hours_ago - 600)
    stuck_applying = sim.create_runs("acme/auto", status="applying", created_at=five_hours_ago)
    # Created long ago but in its status for a moment only: the age counts from the status timestamp.
    recent = sim.create_runs("acme/queue", status="pending", created_at=five_hours_ago, stuck=True)[0]
    sim.set_run_status(recent, "planning", stuck=True)
    young = sim.create_runs("acme/slow", status="planning")[0]
    gates = sim.create_runs("acme/policy", status="policy_override", created_at=five_hours_ago)
    gates += sim.create_runs("acme/manual", status="planned", created_at=five_hours_ago)  # waits for confirmation
    # The API's search is fuzzy (q=acme finds acme-labs too); the role compares organization names exactly.
    sim.add_organization("acme-labs")
    sim.add_workspace("acme-labs", "stuck")
    elsewhere = sim.create_runs("acme-labs/stuck", status="planning", created_at=five_hours_ago)
    elsewhere += sim.create_runs("globex/billing", status="planning", created_at=five_hours_ago)
    candidates = stuck + stuck_applying

    played = admin_ansible.playbook([
        include("stuck_run_cleanup", stuck_run_cleanup_organizations=["acme"], stuck_run_cleanup_older_than="2h"),
        mark("dry run", "stuck_run_cleanup_result"),
        include("stuck_run_cleanup", stuck_run_cleanup_workspaces=["acme/stuck"], stuck_run_cleanup_older_than="2h"),
        mark("one workspace", "stuck_run_cleanup_result"),
        include("stuck_run_cleanup", stuck_run_cleanup_organizations=["acme"], stuck_run_cleanup_older_than="2h",
                stuck_run_cleanup_dry_run=False, stuck_run_cleanup_max=2),
        mark("cleanup", "stuck_run_cleanup_result"),
    ])
    dry = played.task("dry run")["stuck_run_cleanup_result"]
    assert played.rc == 0, played.output
    assert sorted(r["id"] for r in dry["runs"]) == sorted(candidates + gates)
    assert {r["id"]: r["outcome"] for r in dry["runs"] if r["id"] in gates} == dict.fromkeys(gates, "skipped_human_gate")
    assert dry["counts"]["would_cancel"] == 4 and dry["counts"]["skipped_human_gate"] == 2
    assert dry["counts"]["canceled"] == 0 and dry["changed"] is False
    report = role_task(between(played, None, "dry run"), "Show the stuck runs")["msg"]
    assert "dry run" in report[0] and len(report) == 1 + 6
    assert not changed_tasks(between(played, None, "dry run"))

    one = played.task("one workspace")["stuck_run_cleanup_result"]
    assert sorted(r["id"] for r in one["runs"]) == sorted(stuck)

    cleanup = played.task("cleanup")["stuck_run_cleanup_result"]
    canceled = [r for r in cleanup["runs"] if r["outcome"] == "canceled"]
    assert cleanup["counts"] == {"canceled": 2, "over_max": 2, "skipped_human_gate": 2, "already_final": 0,
                                 "not_found": 0, "failed": 0, "would_cancel": 0}
    assert cleanup["changed"] is True and all(r["status"] == "canceled" for r in canceled)
    assert [r["id"] for r in canceled] == stuck[:2]  # the oldest first
    assert changed_tasks(between(played, "one workspace", "cleanup")) == [
        "Force-cancel the stuck runs"]
    statuses = {r["id"]: r["status"] for r in sim.runs()}
    assert [statuses[i] for i in stuck + stuck_applying] == ["canceled", "canceled", "planning", "applying"]
    assert [statuses[i] for i in gates + elsewhere + [recent, young]] == [
        "policy_override", "planned", "planning", "planning", "planning", "planning"]
    assert len(posts(sim, "/actions/force-cancel")) == 2


# ------------------------------------------------------------------------------------ ansible-runner (AWX)


def test_awx_workflow_plan_then_approve_with_ansible_runner(ansible, sim):
    envvars = awx_injected_env(sim.url, TOKENS["user"])
    plan = run_with_ansible_runner(ansible, playbook("workspace_run.yml"), envvars, survey_answers(
        workspace_run_organization="acme", workspace_run_workspace="manual", workspace_run_message="from AWX"))
    assert plan.status == "successful" and plan.rc == 0, plan.events[-3:]
    stats = plan.stats
    assert stats["workspace_run_result"]["status"] == "needs_confirmation"
    run_id = stats["workspace_run_result"]["run_id"]
    summary = plan.task_results("Show the plan")[0]["msg"]
    assert summary[0].startswith("acme/manual: run " + run_id) and summary[-1].endswith(run_id)
    finished = [e for e in plan.events if e["event"] == "playbook_on_stats"][-1]["event_data"]
    assert finished["changed"] == {} and finished["failures"] == {}
    assert sim.runs(workspace="acme/manual")[0]["is_confirmable"] is True

    # The approval node said yes: the next node gets the plan node's set_stats as extra variables.
    approve = run_with_ansible_runner(ansible, playbook("approve.yml"), envvars, stats)
    assert approve.status == "successful" and approve.rc == 0, approve.events[-3:]
    assert approve.stats["workspace_run_result"]["status"] == "applied"
    assert approve.stats["workspace_run_result"]["run_id"] == run_id
    assert approve.task_results("Apply the run")[0]["decision"] == "confirm"
    assert [r["status"] for r in sim.runs(workspace="acme/manual")] == ["applied"]
    every_event = json.dumps(plan.events + approve.events)
    assert TOKENS["user"] not in every_event
    # Every API request with the credential's token; the JSON plans' blobs (plan.changes) without any.
    api = [e for e in sim.request_log if not e["path"].startswith("/_archivist/")]
    assert {e["token_role"] for e in api} == {"user"} and len(api) < len(sim.request_log)
    assert not [e for e in sim.request_log if e["authorization"] and e not in api]


def test_awx_plan_job_shows_the_change_list_and_the_approve_job_keeps_the_gate(ansible, sim):
    """The approver reads the plan job's output: the change list must be in it (and in its set_stats),
    and no value of the JSON plan anywhere in the job's artifacts."""
    add_review_workspaces(sim, "review")
    envvars = awx_injected_env(sim.url, TOKENS["user"])
    # workspace_run_protect as the job template's extra variables (it is not a survey question).
    plan = run_with_ansible_runner(ansible, playbook("workspace_run.yml"), envvars, survey_answers(
        workspace_run_organization="acme", workspace_run_workspace="review", workspace_run_protect=PROTECT_DB))
    assert plan.status == "successful" and plan.rc == 0, plan.events[-3:]
    with open(os.path.join(plan.artifact_dir, "stdout"), encoding="utf-8") as stream:
        stdout = stream.read()
    at = [stdout.find(json.dumps(line)) for line in CHANGE_LIST]
    assert -1 not in at and at == sorted(at), stdout  # every line, in order
    result = plan.stats["workspace_run_result"]
    assert result["change_list"] == CHANGE_LIST and result["protect"] == PROTECT_DB
    for folder, _dirs, files in os.walk(os.path.dirname(plan.artifact_dir)):
        for name in files:
            with open(os.path.join(folder, name), "rb") as stream:
                assert PLAN_SECRET.encode() not in stream.read(), os.path.join(folder, name)

    approve = run_with_ansible_runner(ansible, playbook("approve.yml"), envvars, plan.stats)
    assert approve.status == "failed", approve.events[-3:]
    refused = approve.task_results("Apply the run")[0]
    assert "would replace module.db.aws_db_instance.main (protected by 'module.db.*')" in refused["msg"]
    assert sim.runs(workspace="acme/review")[0]["is_confirmable"] is True and not posts(sim, "/actions/apply")


def test_awx_job_without_credential_fails_clearly(ansible, sim):
    job = run_with_ansible_runner(ansible, playbook("workspace_run.yml"), {"TFE_ADDRESS": sim.url},
                                  survey_answers(workspace_run_organization="acme", workspace_run_workspace="manual"))
    assert job.status == "failed" and job.rc != 0
    assert job.stats["workspace_run_result"]["status"] == "failed"
    assert "token" in job.stats["workspace_run_result"]["msg"].lower()
    assert sim.runs(workspace="acme/manual") == []
