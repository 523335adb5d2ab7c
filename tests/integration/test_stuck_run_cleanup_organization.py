# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The stuck_run_cleanup role in organization mode, as an organization owner on HCP Terraform runs it: a world
with no site administrator at all (HCP Terraform has no admin API), the runs found through tfe_run_info's
organization listing and stopped with tfe_run_cancel (a cancel, then a force-cancel after the cool-off)."""

from __future__ import annotations

import secrets
import time
from typing import Any, Dict, Iterator, List

import pytest

from harness import Ansible  # pylint: disable=import-error
from test_roles import between, changed_tasks, include, mark, posts, role_task  # pylint: disable=import-error

from tfesim import Simulator  # pylint: disable=import-error

TOKENS = {role: "{0}.atlasv1.{1}".format(secrets.token_hex(7), secrets.token_hex(40)) for role in ("owner", "org")}
ORGANIZATIONS = ["hcp", "hcp-labs"]
# A hanging run can be force-canceled one second after its cancel, so three force-cancels take seconds.
COOLOFF = {"force_cancel_cooloff_seconds": 1, "phase_seconds": 0.3}


def world() -> Dict[str, Any]:
    def ws(name: str, **knobs: Any) -> Dict[str, Any]:
        return dict(name=name, **dict(COOLOFF, **knobs))

    return {
        "organizations": [
            {"name": "hcp", "email": "ops@hcp.example", "workspaces": [
                ws("stuck"), ws("auto", auto_apply=True), ws("apply", auto_apply=True), ws("manual"),
                ws("policy", policy="soft_fail"),
                ws("fresh"), ws("queue")]},
            {"name": "hcp-labs", "email": "labs@hcp.example", "workspaces": [ws("stuck")]},
            {"name": "elsewhere", "email": "it@elsewhere.example", "workspaces": [ws("stuck")]},
        ],
        # No site_admin token: the owner's user token, and an organization token that can list but not act.
        "tokens": [
            {"role": "owner", "kind": "user", "organizations": ["hcp", "hcp-labs", "elsewhere"],
             "token": TOKENS["owner"]},
            {"role": "org", "kind": "organization", "organizations": ["hcp"], "token": TOKENS["org"]},
        ],
    }


@pytest.fixture
def owner_sim() -> Iterator[Simulator]:
    with Simulator(seed=world()) as simulator:
        # The real run-list limit, which the role must stay within (one page per organization here).
        simulator.set_installation(run_list_rate_limit_per_minute=30)
        yield simulator


def seed(sim: Simulator) -> Dict[str, List[str]]:
    """Runs stuck for hours, runs waiting for a person, runs in their status for a moment, runs elsewhere."""
    hours_ago = time.time() - 5 * 3600
    runs = {
        "labs": sim.create_runs("hcp-labs/stuck", status="planning", created_at=hours_ago - 3600),
        "applying": sim.create_runs("hcp/apply", status="applying", created_at=hours_ago - 1800),
        "stuck": sim.create_runs("hcp/stuck", status="planning", count=3, created_at=hours_ago),
        # Stuck in planned on an auto-apply workspace: not waiting for confirmation (actions.is_confirmable false).
        "auto": sim.create_runs("hcp/auto", status="planned", created_at=hours_ago + 1800),
        "confirmable": sim.create_runs("hcp/manual", status="planned", created_at=hours_ago),
        "override": sim.create_runs("hcp/policy", status="policy_override", created_at=hours_ago),
        "fresh": sim.create_runs("hcp/fresh", status="planning"),
        "elsewhere": sim.create_runs("elsewhere/stuck", status="planning", created_at=hours_ago),
    }
    # Created hours ago but in planning for a moment only: the age counts from the status timestamp.
    runs["recent"] = sim.create_runs("hcp/queue", status="pending", created_at=hours_ago, stuck=True)
    sim.set_run_status(runs["recent"][0], "planning", stuck=True)
    return runs


def organization_mode(**role_vars: Any) -> Dict[str, Any]:
    role_vars = dict({"stuck_run_cleanup_mode": "organization", "stuck_run_cleanup_organizations": ORGANIZATIONS,
                      "stuck_run_cleanup_older_than": "2h"}, **role_vars)
    return include("stuck_run_cleanup", **role_vars)


def outcomes(result: Dict[str, Any]) -> Dict[str, str]:
    return {run["id"]: run["outcome"] for run in result["runs"]}


def org_listings(log: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [e for e in log if e["method"] == "GET" and e["path"].startswith("/api/v2/organizations/")
            and e["path"].endswith("/runs")]


def test_organization_mode_dry_runs_then_stops_at_most_max(owner_sim, collections_path, tmp_path):
    sim = owner_sim
    runs = seed(sim)
    owner = Ansible(collections_path, str(tmp_path), sim.url, TOKENS["owner"])
    stuck = runs["labs"] + runs["applying"] + runs["stuck"] + runs["auto"]  # oldest first
    gates = runs["confirmable"] + runs["override"]

    looked = owner.playbook([
        organization_mode(),
        mark("dry run", "stuck_run_cleanup_result"),
        organization_mode(stuck_run_cleanup_workspaces=["hcp/stuck"]),
        mark("one workspace", "stuck_run_cleanup_result"),
        organization_mode(stuck_run_cleanup_organizations=["hcp"], stuck_run_cleanup_list_limit=2),
        mark("cut", "stuck_run_cleanup_result"),
    ])
    assert looked.rc == 0, looked.output
    dry = looked.task("dry run")["stuck_run_cleanup_result"]
    assert sorted(outcomes(dry)) == sorted(stuck + gates), looked.output
    assert outcomes(dry) == dict(dict.fromkeys(stuck, "would_cancel"), **dict.fromkeys(gates, "skipped_human_gate"))
    assert [r["id"] for r in dry["runs"] if r["outcome"] == "would_cancel"] == stuck
    assert dry["counts"]["canceled"] == 0 and dry["changed"] is False
    assert {r["reason"] for r in dry["runs"] if r["id"] in gates} == {
        "waiting for confirmation", "at a human gate (policy_override)"}
    report = role_task(between(looked, None, "dry run"), "Show the stuck runs")["msg"]
    assert "dry run" in report[0] and len(report) == 1 + len(stuck + gates)
    assert not changed_tasks(looked.results)
    one = looked.task("one workspace")["stuck_run_cleanup_result"]
    assert [r["id"] for r in one["runs"]] == runs["stuck"]
    # hcp has more matching runs than the limit: the role says so, and reports what it read.
    cut = role_task(between(looked, "one workspace", "cut"),
                    "Report the organizations with more matching runs than stuck_run_cleanup_list_limit")
    assert cut["msg"].startswith("Only the newest 2 matching runs of hcp were read"), looked.output
    assert looked.task("cut")["stuck_run_cleanup_result"]["found"] == 2
    assert role_task(between(looked, None, "dry run"),
                     "Report the organizations with more matching runs than stuck_run_cleanup_list_limit").status == "skipped"

    # The dry runs only listed: one request per organization read, no run read, no action, no admin API.
    log = sim.request_log
    assert org_listings(log) == log, [(e["method"], e["path"]) for e in log]
    assert [e["path"] for e in log] == [
        "/api/v2/organizations/hcp/runs", "/api/v2/organizations/hcp-labs/runs",
        # stuck_run_cleanup_workspaces names no workspace of hcp-labs: only hcp is read, narrowed by name.
        "/api/v2/organizations/hcp/runs",
        "/api/v2/organizations/hcp/runs"]
    assert log[2]["query"].get("filter[workspace_names]") == "stuck"
    assert "filter[workspace_names]" not in log[0]["query"]

    cleaned = owner.playbook([organization_mode(stuck_run_cleanup_dry_run=False, stuck_run_cleanup_max=4),
                              mark("cleanup", "stuck_run_cleanup_result")])
    assert cleaned.rc == 0, cleaned.output
    cleanup = cleaned.task("cleanup")["stuck_run_cleanup_result"]
    stopped, left = stuck[:4], stuck[4:]
    assert cleanup["counts"] == {"canceled": 4, "over_max": 2, "skipped_human_gate": 2, "already_final": 0,
                                 "not_found": 0, "failed": 0, "would_cancel": 0}, cleaned.output
    assert outcomes(cleanup) == dict(dict.fromkeys(stopped, "canceled"), **dict.fromkeys(left, "over_max"),
                                     **dict.fromkeys(gates, "skipped_human_gate"))
    assert cleanup["changed"] is True
    assert changed_tasks(cleaned.results) == ["Cancel the stuck runs, force-canceling those that hang"]
    statuses = {r["id"]: r["status"] for r in sim.runs()}
    # The runs hang: each was canceled, then force-canceled after the cool-off.
    assert [statuses[i] for i in stopped] == ["canceled"] * 4
    assert [r["status"] for r in cleanup["runs"] if r["outcome"] == "canceled"] == ["canceled"] * 4
    assert {r["previous_status"] for r in cleanup["runs"] if r["outcome"] == "canceled"} == {"planning", "applying"}
    untouched = left + gates + runs["fresh"] + runs["recent"] + runs["elsewhere"]
    assert [statuses[i] for i in untouched] == [
        "planning", "planned", "planned", "policy_override", "planning", "planning", "planning"]
    assert len(posts(sim, "/actions/cancel")) == 4 and len(posts(sim, "/actions/force-cancel")) == 4

    log = sim.request_log
    assert not [e for e in log if e["path"].startswith("/api/v2/admin")], "the admin API was called"
    assert {e["token_role"] for e in log} == {"owner"}
    assert len(org_listings(log)) == 4 + 2 and sim.stats()["rate_limited"] == 0


def test_organization_mode_fails_last_and_needs_organizations(owner_sim, collections_path, tmp_path):
    sim = owner_sim
    runs = seed(sim)
    # An organization token lists the runs but may not act on them: each stop fails, every run is still tried.
    org = Ansible(collections_path, str(tmp_path), sim.url, TOKENS["org"])

    def rescued(role: Dict[str, Any], name: str) -> Dict[str, Any]:
        return {"name": name, "block": [role], "rescue": [mark(name + " rescued", "ansible_failed_result")]}

    played = org.playbook([
        rescued(include("stuck_run_cleanup", stuck_run_cleanup_mode="organization"), "no organizations"),
        mark("between", "ansible_failed_result"),
        rescued(organization_mode(stuck_run_cleanup_organizations=["hcp"], stuck_run_cleanup_workspaces=["stuck"],
                                  stuck_run_cleanup_dry_run=False), "organization token"),
        mark("failed", "stuck_run_cleanup_result"),
    ])
    assert played.rc == 0, played.output
    checked = role_task(between(played, None, "between"), "Check the arguments")
    assert checked.failed and "stuck_run_cleanup_organizations" in checked["msg"], played.output

    failed = played.task("failed")["stuck_run_cleanup_result"]
    assert failed["counts"]["failed"] == 3 and failed["changed"] is False, played.output
    assert [r["id"] for r in failed["runs"]] == runs["stuck"]
    assert all("Organization tokens cannot act on runs" in r["reason"] for r in failed["runs"]), failed["runs"]
    last = role_task(between(played, "between", "failed"), "Fail when a run could not be stopped")
    assert last.failed and "3 of the stuck runs could not be stopped" in last["msg"]
    assert all(run_id in last["msg"] for run_id in runs["stuck"])
    assert [r["status"] for r in sim.runs(workspace="hcp/stuck")] == ["planning"] * 3
    assert not [e for e in sim.request_log if e["path"].startswith("/api/v2/admin")]
