# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tfe_admin_run_info through main(), fed arguments the way ansible-core feeds them."""

from __future__ import annotations

import json

import pytest
import yaml

from ansible_collections.tfe.runs.plugins.modules import tfe_admin_run_info
from ansible_collections.tfe.runs.tests.unit.module_runner import run_module
from ansible_collections.tfe.runs.tests.unit.plugins.modules.admin_runs_api import (
    AdminRunsApi, make_runs, too_many_requests)
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

TOKEN = "tok-site-admin-Pz6Vb3Nq9Lx2Wc8Rt5Km1Hj4"
ENVIRONMENT = ("TFE_ADDRESS", "TFE_HOSTNAME", "TFE_TOKEN", "TF_TOKEN_127_0_0_1")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


def run(server, **args):
    args.setdefault("tfe_address", server.url)
    args.setdefault("tfe_token", TOKEN)
    return run_module(tfe_admin_run_info.main, args)


def test_lists_every_run_with_its_workspace_counts_and_paging_facts(server):
    server.default = AdminRunsApi(make_runs(7))
    result = run(server, page_size=3)
    assert result["changed"] is False and "failed" not in result
    assert [r["id"] for r in result["runs"]] == ["run-%05d" % n for n in range(7)]
    assert result["runs"][1] == {
        "id": "run-00001", "status": "planning", "has_changes": False, "created_at": "2025-06-02T11:59:00.000Z",
        "status_timestamps": {"plan_queueable_at": "2025-06-02T11:59:00.000Z"},
        "web_url": server.url + "/app/globex/workspaces/ws1/runs/run-00001",
        "workspace": {"id": "ws-globex-ws1", "name": "ws1", "organization": "globex"}}
    assert result["status_counts"]["policy_checked"] == 1 and result["status_counts"]["total"] == 7
    assert result["total_count"] == 7 and result["pages_fetched"] == 3 and result["truncated"] is False
    assert TOKEN not in json.dumps(result)


def test_filters_reach_the_api(server):
    server.default = AdminRunsApi(make_runs(10))
    result = run(server, query="acme", status=["planning", "Pending"], created_after="2025-06-01T00:00:00",
                 created_before="2025-06-02T12:00:00+00:00")
    query = server.requests[0].query
    assert query["q"] == "acme" and query["filter[status]"] == "planning,pending"
    assert query["filter[from]"] == "2025-06-01T00:00:00Z" and query["filter[to]"] == "2025-06-02T12:00:00Z"
    assert query["include"] == "workspace,workspace.organization"
    assert {r["status"] for r in result["runs"]} <= {"planning", "pending"}
    assert all(r["workspace"]["organization"] == "acme" for r in result["runs"])


def test_check_mode_reads_and_returns_the_same(server):
    server.default = AdminRunsApi(make_runs(3))
    result = run(server, _ansible_check_mode=True)
    assert result["changed"] is False and len(result["runs"]) == 3


def test_limit_zero_returns_only_the_counts_in_one_request(server):
    server.default = AdminRunsApi(make_runs(250))
    result = run(server, limit=0)
    assert result["runs"] == [] and result["total_count"] == 250 and result["truncated"] is True
    assert result["status_counts"]["total"] == 250 and result["pages_fetched"] == 1
    assert len(server.requests) == 1


def test_limit_returns_the_first_runs_and_says_more_exist(server):
    server.default = AdminRunsApi(make_runs(250))
    result = run(server, limit=120)
    assert [r["id"] for r in result["runs"]] == ["run-%05d" % n for n in range(120)]
    assert result["truncated"] is True and result["total_count"] == 250 and result["pages_fetched"] == 2


def test_a_429_mid_listing_is_absorbed(server):
    api = AdminRunsApi(make_runs(250))
    api.intercept = lambda number, attempt: too_many_requests() if number == 2 and attempt == 1 else None
    server.default = api
    result = run(server)
    assert "failed" not in result and len(result["runs"]) == 250 and result["pages_fetched"] == 3
    assert len({r["id"] for r in result["runs"]}) == 250
    assert len(server.requests) == 4


def test_run_id_returns_a_one_element_list(server):
    server.default = AdminRunsApi(make_runs(30))
    result = run(server, run_id="run-00002")
    assert [r["id"] for r in result["runs"]] == ["run-00002"] and result["total_count"] == 1
    assert result["runs"][0]["workspace"]["organization"] == "acme"


def test_non_admin_token_or_hcp_terraform_gets_a_clear_message(server):
    server.default = lambda seen: Reply(status=404, body={"errors": [{"status": "404", "title": "not found",
                                                                      "detail": "Client is not an administrator."}]})
    result = run(server)
    assert result["failed"] and result["status_code"] == 404 and result["changed"] is False
    assert "site administrator" in result["msg"] and "HCP Terraform" in result["msg"]
    assert result["msg"].startswith("Failed to list the runs of the installation: GET /api/v2/admin/runs: 404")
    assert "Traceback" not in json.dumps(result) and TOKEN not in json.dumps(result)


def test_undocumented_filter_status_warns(server):
    server.default = AdminRunsApi(make_runs(3))
    result = run(server, status="fetching")
    warnings = json.dumps(result["warnings"])  # plain strings before ansible-core 2.19, structured since
    assert "does not document filter[status] for fetching" in warnings and result["runs"] == []


@pytest.mark.parametrize("args, expected", [
    ({"status": ["planning", "bogus"]}, "unknown run status 'bogus'; valid statuses are: pending, fetching"),
    ({"created_after": "last tuesday"}, "created_after 'last tuesday' is neither an ISO 8601 time"),
    ({"created_before": "2h", "created_after": "1h"}, "is later than created_before"),
    ({"page_size": 0}, "page_size must be between 1 and 100"),
    ({"page_size": 101}, "page_size must be between 1 and 100"),
    ({"limit": -1}, "limit must be 0"),
    ({"run_id": "run-1", "query": "acme"}, "mutually exclusive"),
])
def test_bad_input_fails_before_any_request(server, args, expected):
    result = run(server, **args)
    assert result["failed"] and expected in result["msg"]
    assert server.requests == []


def test_documented_options_match_the_argument_spec():
    documented = yaml.safe_load(tfe_admin_run_info.DOCUMENTATION)["options"]
    assert set(documented) == set(tfe_admin_run_info.ARGUMENT_SPEC)
    for name, spec in tfe_admin_run_info.ARGUMENT_SPEC.items():
        assert documented[name]["type"] == spec["type"]
        assert documented[name].get("default") == spec.get("default")
        assert documented[name].get("elements") == spec.get("elements")
    for block in (tfe_admin_run_info.EXAMPLES, tfe_admin_run_info.RETURN):
        assert yaml.safe_load(block)
