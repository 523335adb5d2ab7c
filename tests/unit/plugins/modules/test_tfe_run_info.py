# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tfe_run_info through main(), against a scripted run list on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.tfe.runs.plugins.modules import tfe_run_info
from ansible_collections.tfe.runs.tests.unit.module_runner import run_module
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

TOKEN = "tok-user-Hq2Vb7Nz4Lx9Wc3Rt6Km8Pj1"
NOW = datetime.now(timezone.utc)
WORKSPACE = {"id": "ws-net", "type": "workspaces", "attributes": {"name": "network"},
             "relationships": {"organization": {"data": {"id": "acme", "type": "organizations"}}}}
STATUSES = ("applied", "planning", "errored", "pending")


def make_run(number, status=None):
    created = (NOW - timedelta(minutes=10 * number)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"id": "run-%04d" % number, "type": "runs",
            "attributes": {"status": status or STATUSES[number % len(STATUSES)], "created-at": created,
                           "message": "run %d" % number, "source": "tfe-api"},
            "relationships": {"workspace": {"data": {"id": "ws-net", "type": "workspaces"}}}}


class RunLists:
    """Workspace and organization run lists, a workspace by name and one run; ``honour_status`` off ignores
    filter[status]; the organization list has no totals and includes the workspace only when asked."""

    def __init__(self, count, honour_status=True):
        self.runs = [make_run(n) for n in range(count)]
        self.honour_status = honour_status

    def __call__(self, seen):
        if seen.path in ("/api/v2/organizations/acme/workspaces/network", "/api/v2/workspaces/ws-net"):
            return Reply(body={"data": WORKSPACE})
        if seen.path == "/api/v2/runs/run-0001":
            return Reply(body={"data": self.runs[1]})
        if seen.path not in ("/api/v2/workspaces/ws-net/runs", "/api/v2/organizations/acme/runs"):
            return Reply(status=404, body={"errors": [{"status": "404", "title": "not found"}]})
        runs = self.runs
        wanted = seen.query.get("filter[status]")
        if wanted and self.honour_status:
            runs = [run for run in runs if run["attributes"]["status"] in wanted.split(",")]
        number, size = int(seen.query.get("page[number]", "1")), int(seen.query.get("page[size]", "20"))
        pagination = {"current-page": number, "page-size": size,
                      "next-page": number + 1 if number * size < len(runs) else None}
        document = {"data": runs[(number - 1) * size:number * size], "meta": {"pagination": pagination}}
        if "workspaces" in seen.path:
            pagination.update({"total-count": len(runs), "total-pages": max(1, -(-len(runs) // size))})
        elif seen.query.get("include") == "workspace":
            document["included"] = [WORKSPACE]
        return Reply(body=document)


def run(server, **args):
    args.setdefault("tfe_address", server.url)
    args.setdefault("tfe_token", TOKEN)
    return run_module(tfe_run_info.main, args)


def list_requests(server):
    return [request for request in server.requests if request.path.endswith("/runs")]


def test_a_workspace_by_name_lists_its_runs_with_every_operation_and_the_filters_sent(server):
    server.default = RunLists(250)
    result = run(server, organization="acme", workspace="network", status=["Planning"], source=["tfe-api"],
                 search="deploy", user="alice", commit="abc123", limit=500)
    assert "failed" not in result and result["changed"] is False
    assert [r["status"] for r in result["runs"]] == ["planning"] * 63
    assert result["total_count"] == 63 and result["truncated"] is False and result["pages_fetched"] == 1
    assert result["runs"][0]["workspace"] == {"id": "ws-net", "name": "network", "organization": "acme"}
    query = list_requests(server)[0].query
    assert query["filter[operation]"] == ",".join(tfe_run_info.OPERATIONS)
    assert (query["filter[status]"], query["filter[source]"], query["search[basic]"], query["search[user]"],
            query["search[commit]"]) == ("planning", "tfe-api", "deploy", "alice", "abc123")


def test_limit_reads_only_the_pages_it_needs_and_says_it_truncated(server):
    server.default = RunLists(250)
    result = run(server, workspace_id="ws-net", limit=120)
    assert len(result["runs"]) == 120 and result["truncated"] is True and result["total_count"] == 250
    assert len(list_requests(server)) == 2


def test_limit_zero_counts_in_one_request(server):
    server.default = RunLists(250)
    result = run(server, workspace_id="ws-net", limit=0)
    assert result["runs"] == [] and result["total_count"] == 250 and result["status_counts"] is None
    assert [request.query["page[size]"] for request in list_requests(server)] == ["1"]


def test_a_server_that_ignores_the_status_filter_is_filtered_here_with_a_warning(server):
    server.default = RunLists(40, honour_status=False)
    result = run(server, workspace_id="ws-net", status=["errored"], fields=["message"])
    assert [r["id"] for r in result["runs"]] == ["run-%04d" % n for n in range(2, 40, 4)]
    assert result["total_count"] == 10
    # Plain strings before ansible-core 2.19, structured since.
    assert "ignored the status filter" in json.dumps(result["warnings"])
    assert set(result["runs"][0]) == {"id", "status", "workspace", "message"}


def test_created_after_stops_paging_once_a_page_is_older(server):
    server.default = RunLists(500)
    result = run(server, workspace_id="ws-net", created_after="115m", page_size=5, limit=1000)
    assert [r["id"] for r in result["runs"]] == ["run-%04d" % n for n in range(12)]
    assert len(list_requests(server)) == 4 and result["truncated"] is False and result["total_count"] == 12


def test_an_organization_listing_has_no_totals_and_its_workspaces_named(server):
    server.default = RunLists(30)
    result = run(server, organization="acme", workspace_names=["network"], fields=["created_at", "status_timestamps"])
    assert len(result["runs"]) == 30 and result["total_count"] is None
    assert result["runs"][0]["workspace"]["name"] == "network"
    assert "status_timestamps" in json.dumps(result.get("warnings", []))
    query = list_requests(server)[0].query
    assert query["filter[workspace_names]"] == "network" and query["include"] == "workspace"


def test_one_run_by_id_in_the_shape_of_the_other_modules(server):
    server.default = RunLists(3)
    result = run(server, run_id="run-0001")
    assert result["run"]["id"] == "run-0001" and result["workspace"]["name"] == "network"
    assert set(result) >= {"run", "workspace", "plan", "apply", "phase_durations"}


def test_a_run_that_does_not_exist_fails_clearly(server):
    server.default = RunLists(3)
    result = run(server, run_id="run-missing")
    assert result["failed"] is True and result["status_code"] == 404
    assert result["msg"].startswith("Failed to read run run-missing:") and "no access" in result["msg"]


@pytest.mark.parametrize("args, message", [
    ({"workspace": "network"}, "organization"),
    ({"run_id": "run-1", "status": ["planning"]}, "mutually exclusive"),
    ({"workspace_id": "ws-net", "workspace_names": ["a"]}, "mutually exclusive"),
    ({"workspace_id": "ws-net", "status": ["stuck"]}, "unknown run status 'stuck'"),
    ({"workspace_id": "ws-net", "page_size": 101}, "page_size must be between 1 and 100"),
    ({"workspace_id": "ws-net", "limit": -1}, "limit must be 0"),
    ({"workspace_id": "ws-net", "created_after": "1h", "created_before": "2h"}, "later than created_before"),
    ({"workspace_id": "ws-net", "fields": ["a b"]}, "invalid field name"),
    ({}, "one of the following is required"),
    ({"workspace": "network", "status": ["planning"]}, "required by 'workspace': organization"),
])
def test_bad_input_fails_before_any_request(server, args, message):
    result = run(server, **args)
    assert result["failed"] is True and message in result["msg"]
    assert server.requests == []
