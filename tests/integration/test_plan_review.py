# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Plan review through ansible-playbook: a plan's resource changes (``plan_changes``), its log
(``plan_log_lines``) and the protective gates of tfe_run_apply (``protect``), against the simulator.

The plans carry sensitive values with the simulator's secret marker (``SIMSECRET-``) in their JSON
plans; the changes are read from those documents, so every output at -vvvv is scanned for the
marker, for blob URLs and for the token, the way test_secrets.py scans (and with its scanner).
The role and the AWX workflow show the change list too: see test_roles.py.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

import requests

from conftest import HARMLESS_PLAN, PHASE, PLAN_SECRET, REVIEW_PLAN, TOKENS  # pylint: disable=import-error
from test_secrets import Wiretap, new_token, scan_everything  # pylint: disable=import-error
from tfesim.plan_changes import SECRET_MARKER  # pylint: disable=import-error

# REVIEW_PLAN as the modules report it: plan order, no-ops left out, names and actions only.
EXPECTED_CHANGES = [
    ("module.network.aws_vpc.main", "module.network", "aws_vpc", "main", "update", None, False),
    ("module.db.aws_db_instance.main", "module.db", "aws_db_instance", "main", "replace",
     "replace_because_cannot_update", False),
    ("module.app.aws_instance.web[0]", "module.app", "aws_instance", "web", "create", None, False),
    ("aws_lb.front", None, "aws_lb", "front", "replace", "replace_by_request", False),
    ("module.app.aws_instance.web[1]", "module.app", "aws_instance", "web", "create", None, False),
    ("aws_s3_bucket.logs", None, "aws_s3_bucket", "logs", "delete", "delete_because_no_resource_config", False),
    ("aws_security_group.app", None, "aws_security_group", "app", "update", None, False),
    ("data.aws_ami.ubuntu", None, "aws_ami", "ubuntu", "read", "read_because_config_unknown", False),
    ("aws_iam_role.ci", None, "aws_iam_role", "ci", "import", None, True),
]
EXPECTED_COUNTS = {"create": 2, "update": 2, "delete": 1, "replace": 2, "read": 1, "import": 1}
# What TFE itself counts for REVIEW_PLAN: a replacement is one addition and one destruction.
EXPECTED_SUMMARY = {"resource_additions": 4, "resource_changes": 2, "resource_destructions": 3, "resource_imports": 1}
PROTECT = [
    {"address": "module.db.*"},  # delete and replace: REVIEW_PLAN replaces it (delete, then create)
    {"address": "aws_lb.front", "actions": ["replace"]},  # replaced too (create, then delete)
    {"address": "aws_security_group.*", "actions": ["delete"]},  # only updated: allowed
]
# What PROTECT stops in REVIEW_PLAN.
PROTECTED = [{"address": "module.db.aws_db_instance.main", "action": "replace", "protection": "module.db.*"},
             {"address": "aws_lb.front", "action": "replace", "protection": "aws_lb.front"}]
BLOB = "/_archivist/"


def expected_changes() -> List[Dict[str, Any]]:
    keys = ("address", "module_address", "type", "name", "action", "action_reason", "importing")
    return [dict(zip(keys, row), actions=[row[4]]) for row in EXPECTED_CHANGES]


def add_workspace(sim, name: str, **knobs: Any) -> None:
    knobs.setdefault("phase_seconds", PHASE)
    sim.add_workspace("acme", name, knobs=knobs)


def task(name: str, module: str, check: bool = False, token: str = "", **args: Any) -> Dict[str, Any]:
    """A task that may fail, registered as ``name`` in snake case; ``token`` names an environment
    variable holding the token to use instead of TFE_TOKEN."""
    if token:
        args["tfe_token"] = "{{ lookup('ansible.builtin.env', '" + token + "') }}"
    entry = {"name": name, "tfe.runs." + module: args, "ignore_errors": True, "register": re.sub(r"\W", "_", name)}
    if check:
        entry["check_mode"] = True
    return entry


def plan(name: str, workspace: str, **args: Any) -> Dict[str, Any]:
    return task(name, "tfe_run", organization="acme", workspace=workspace, message=name, wait_for="plan", **args)


def run_of(name: str) -> str:
    return "{{ " + re.sub(r"\W", "_", name) + ".run.id }}"


def posts(sim, run_id: str) -> List[str]:
    """The actions POSTed to the run, by name (``apply``, ``discard`` ...)."""
    prefix = "/api/v2/runs/{0}/actions/".format(run_id)
    return [e["path"][len(prefix):] for e in sim.request_log if e["method"] == "POST" and e["path"].startswith(prefix)]


def status_of(sim, run_id: str) -> Dict[str, Any]:
    return [r for r in sim.runs() if r["id"] == run_id][0]


def json_plan_holds_the_secret(sim, run_id: str) -> bool:
    """Read the run's JSON plan the way the module does (so the scan below has something to find)."""
    headers = {"Authorization": "Bearer " + TOKENS["user"]}
    run = requests.get("{0}/api/v2/runs/{1}".format(sim.url, run_id), headers=headers, timeout=10).json()["data"]
    plan_id = run["relationships"]["plan"]["data"]["id"]
    redirect = requests.get("{0}/api/v2/plans/{1}/json-output".format(sim.url, plan_id), headers=headers, timeout=10,
                            allow_redirects=False)
    document = requests.get(redirect.headers["Location"], timeout=10).text  # the blob, without the token
    return redirect.status_code == 307 and PLAN_SECRET in document and '"db_password"' in document


def failed(played, name: str, *words: str) -> Dict[str, Any]:
    result = played.task(name)
    assert result.failed and all(w in result["msg"] for w in words), (name, words, result.result)
    return result.result


def ok(played, name: str) -> Dict[str, Any]:
    result = played.task(name)
    assert not result.failed, (name, result.result)
    return result.result


# ------------------------------------------------------------------------------ changes and gates


def test_changes_and_gates_at_vvvv(ansible, sim, record_property):
    for name in ("review", "review-discard"):
        add_workspace(sim, name, plan_changes=REVIEW_PLAN)
    add_workspace(sim, "harmless", plan_changes=HARMLESS_PLAN)
    wiretap = Wiretap.install(sim)
    played = ansible.playbook([
        plan("plan review", "review", plan_log_lines=-1),
        task("gate check", "tfe_run_apply", check=True, run_id=run_of("plan review"), protect=PROTECT),
        task("gate", "tfe_run_apply", run_id=run_of("plan review"), protect=PROTECT, comment="reviewed"),
        plan("plan discard", "review-discard"),
        task("gate discard", "tfe_run_apply", run_id=run_of("plan discard"), protect=PROTECT,
             discard_protected=True, comment="protected"),
        plan("plan harmless", "harmless"),
        task("harmless check", "tfe_run_apply", check=True, run_id=run_of("plan harmless"),
             protect=PROTECT + [{"address": "*", "actions": ["delete"]}]),
        task("harmless", "tfe_run_apply", run_id=run_of("plan harmless"),
             protect=PROTECT + [{"address": "*", "actions": ["delete"]}]),
    ], args=["-vvvv"])
    assert played.rc == 0, played.output  # every failure is ignored: the play itself must succeed

    # The changes, exactly, and the counts, both TFE's and per action.
    review = ok(played, "plan review")
    assert review["plan"]["changes"] == expected_changes(), review["plan"]
    assert review["plan"]["change_counts"] == EXPECTED_COUNTS and review["plan"]["changes_unavailable"] is None
    assert {k: review["plan"][k] for k in EXPECTED_SUMMARY} == EXPECTED_SUMMARY
    assert review["plan"]["output_changes"] == [{"name": "endpoint", "action": "create", "actions": ["create"]}]
    assert review["plan"]["log"][-1] == "Plan: 1 to import, 4 to add, 2 to change, 3 to destroy."
    assert "  # module.db.aws_db_instance.main must be replaced" in review["plan"]["log"]
    run_id = review["run"]["id"]

    # Check mode judges the gate as the real task does, and neither sends anything.
    for name in ("gate check", "gate"):
        gate = failed(played, name, "Run {0} was not applied: its plan would replace module.db.aws_db_instance.main "
                                    "(protected by 'module.db.*'); replace aws_lb.front (protected by 'aws_lb.front')"
                                    ". It waits for confirmation".format(run_id))
        assert gate["protected_changes"] == PROTECTED and gate["changed"] is False
        assert gate["plan"]["changes"] == expected_changes()
    assert posts(sim, run_id) == [] and status_of(sim, run_id)["is_confirmable"] is True
    assert status_of(sim, run_id)["status"] == "planned"

    discard = failed(played, "gate discard", "would replace module.db.aws_db_instance.main", "It was discarded.")
    assert discard["changed"] is True and discard["action"] == "discard"
    assert discard["protected_changes"] == PROTECTED and discard["run"]["status"] == "discarded"
    assert posts(sim, discard["run"]["id"]) == ["discard"]

    harmless_id = ok(played, "plan harmless")["run"]["id"]
    check = ok(played, "harmless check")
    assert check["changed"] is True and check["decision"] == "confirm" and check["protected_changes"] == []
    applied = ok(played, "harmless")
    assert applied["changed"] is True and applied["run"]["status"] == "applied" and applied["protected_changes"] == []
    assert posts(sim, harmless_id) == ["apply"]  # once: the check sent nothing

    # The JSON plans were read with the token, their blobs (and the logs) without it.
    json_reads = [e for e in sim.request_log if e["path"].endswith("/json-output")]
    blobs = [e for e in sim.request_log if e["path"].startswith(BLOB)]
    assert len(json_reads) >= 6 and all(e["status"] == 307 and e["authorization"] for e in json_reads)
    assert len(blobs) > len(json_reads) and not any(e["authorization"] for e in blobs)
    assert json_plan_holds_the_secret(sim, run_id)  # the scan below looks for something that was there

    scan = scan_everything(sim, wiretap, lambda s: s.run_output("ansible-playbook -vvvv", played))
    assert ("a value of a JSON plan", SECRET_MARKER) in scan.needles
    scan.report("plan review, {0} task results".format(len(played.results)), record_property)


# ------------------------------------------------------------------------------ without the JSON plan


def test_without_the_json_plan_the_changes_are_unavailable_and_gates_fail_closed(ansible, sim):
    add_workspace(sim, "review", plan_changes=REVIEW_PLAN)
    add_workspace(sim, "legacy", plan_changes=REVIEW_PLAN, terraform_version="0.11.14")
    reader = sim.add_token("reader", "user", organizations=["acme"], token=new_token(), workspace_admin=False)
    played = ansible.playbook([
        plan("plan without admin access", "review", token="READER_TOKEN"),
        task("gate without admin access", "tfe_run_apply", token="READER_TOKEN",
             run_id=run_of("plan without admin access"), protect=PROTECT),
        plan("plan on Terraform 0.11", "legacy"),
        task("gate on Terraform 0.11", "tfe_run_apply", run_id=run_of("plan on Terraform 0.11"),
             protect=[{"address": "nothing.matches"}]),
    ], env={"READER_TOKEN": reader})
    assert played.rc == 0, played.output

    no_admin = "the token has no admin access to the workspace"
    legacy = "older than 0.12"
    for name, reason in (("plan without admin access", no_admin), ("plan on Terraform 0.11", legacy)):
        queued = ok(played, name)
        assert queued["plan"]["changes"] is None and reason in queued["plan"]["changes_unavailable"], queued["plan"]
        assert {k: queued["plan"][k] for k in EXPECTED_SUMMARY} == EXPECTED_SUMMARY  # TFE's counts stay
        assert queued["run"]["actions"]["is_confirmable"] is True
    for name, reason in (("gate without admin access", no_admin), ("gate on Terraform 0.11", legacy)):
        gate = failed(played, name, "was not applied: its protections cannot be judged without the plan's "
                                    "resource changes, and ", reason)
        assert gate["changed"] is False and gate["plan"]["changes"] is None
        assert posts(sim, gate["run"]["id"]) == [] and status_of(sim, gate["run"]["id"])["is_confirmable"]
    answers = [(e["token_role"], e["status"]) for e in sim.request_log if e["path"].endswith("/json-output")]
    assert set(answers) == {("reader", 403), ("user", 422)}, answers
    assert not [e for e in sim.request_log if e["path"].startswith(BLOB)]


# ------------------------------------------------------------------------------ the plan's log


def test_plan_log_lines_without_colours_whole_and_capped(ansible, sim):
    add_workspace(sim, "review", plan_changes=REVIEW_PLAN)
    add_workspace(sim, "long-log", log_lines=5000)
    add_workspace(sim, "huge-log", log_lines=20000)
    played = ansible.playbook([
        plan("last lines", "review", plan_log_lines=3, plan_changes=False),
        task("same run, whole log", "tfe_run_apply", check=True, run_id=run_of("last lines"), plan_log_lines=-1),
        plan("long log, whole", "long-log", plan_log_lines=-1),
        task("long log, last 100", "tfe_run_apply", check=True, run_id=run_of("long log, whole"), plan_log_lines=100),
        plan("huge log, whole", "huge-log", plan_log_lines=-1),
    ])
    assert played.rc == 0, played.output
    logs = {r.task: r["plan"] for r in played.results if r.action.startswith("tfe.runs.")}
    assert not [line for plan_ in logs.values() for line in plan_["log"] if re.search("[\x1b\x02\x03]", line)]
    assert all(plan_["log_unavailable"] is None for plan_ in logs.values())

    last = logs["last lines"]
    assert len(last["log"]) == 3
    assert last["log"][-1] == "Plan: 1 to import, 4 to add, 2 to change, 3 to destroy." and last["log_truncated"]
    assert "changes" not in last  # plan_changes=false reads no JSON plan
    whole = logs["same run, whole log"]
    assert whole["log"][0].startswith("Terraform v") and whole["log"][-3:] == last["log"]
    assert whole["log_truncated"] is False and "  ~ resource \"aws_vpc\" \"main\" {" in whole["log"]
    assert "(sensitive value)" in " ".join(whole["log"]) and PLAN_SECRET not in " ".join(whole["log"])

    long_whole = logs["long log, whole"]
    fillers = [line for line in long_whole["log"] if line.startswith("null_resource.filler[")]
    assert len(fillers) == 5000 and long_whole["log_truncated"] is False
    assert long_whole["log"][-1] == "Plan: 1 to add, 0 to change, 0 to destroy."
    assert logs["long log, last 100"]["log"] == long_whole["log"][-100:]
    assert logs["long log, last 100"]["log_truncated"] is True

    huge = logs["huge log, whole"]  # about 1.5 MB: cut at the 1 MiB cap
    assert huge["log_truncated"] is True and huge["log"][0].startswith("Terraform v")
    assert 10000 < len(huge["log"]) < 20000
    assert len("\n".join(huge["log"]).encode("utf-8")) <= 1024 * 1024
    # Read in 64 KiB chunks (the CLI's limit and offset) up to the cap, never with the token.
    chunks: Dict[str, List[int]] = {}
    for entry in sim.request_log:
        if entry["path"].startswith(BLOB) and "limit" in entry["query"]:
            assert not entry["authorization"] and entry["query"]["limit"] == "65536", entry
            chunks.setdefault(entry["path"], []).append(int(entry["query"]["offset"]))
    short, long_, huge_ = sorted(chunks.values(), key=len)  # the short and the long log were read twice
    once = long_[:len(long_) // 2]
    assert short == [0, 0] and long_ == once * 2 and once == [65536 * i for i in range(len(once))] and len(once) > 2
    assert huge_ == [65536 * i for i in range(16)]  # 16 chunks: 1 MiB
