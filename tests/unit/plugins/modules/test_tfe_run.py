# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tfe_run through main(): refusals before any request, check mode, and what the result carries."""

from __future__ import annotations

import json

import pytest

from ansible_collections.tfe.runs.plugins.modules import tfe_run
from ansible_collections.tfe.runs.tests.unit.module_runner import run_module
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

TOKEN = "tok-tfe-run-unit-Jx4Vb8Nq2Lm6Pz"
WORKSPACE = {"data": {"id": "ws-AAAAAAAAAAAAAAAA", "type": "workspaces", "attributes": {"name": "web"},
                      "relationships": {"organization": {"data": {"id": "acme", "type": "organizations"}}}}}


def run(server, **args):
    args.setdefault("tfe_address", server.url)
    args.setdefault("tfe_token", TOKEN)
    # The scripted replies are the run's reads; the JSON plan is tested in test_plan_review.py.
    args.setdefault("plan_changes", False)
    return run_module(tfe_run.main, args)


@pytest.mark.parametrize("args, message", [
    ({"organization": "acme", "workspace": "web", "is_destroy": True, "refresh_only": True}, "is_destroy and refresh_only"),
    ({"workspace_id": "ws-1", "terraform_version": "1.9.0"}, "terraform_version is only valid with plan_only"),
    ({"workspace_id": "ws-1", "variables": {"ratio": float("nan")}}, "variables.ratio"),
    ({"workspace_id": "ws-1", "reuse": "any"}, "reuse=any needs a message"),
    ({"workspace_id": "ws-1", "organization": "acme"}, "mutually exclusive"),
    ({"organization": "acme"}, "workspace"),
    ({"workspace_id": "ws-1", "wait_for": "apply"}, "wait_for"),
])
def test_bad_input_fails_clearly_before_any_request(server, args, message):
    result = run(server, **args)
    assert result["failed"] and message in result["msg"]
    assert server.requests == []


def test_check_mode_resolves_the_workspace_and_queues_nothing(server):
    server.queue(Reply(body=WORKSPACE))
    result = run(server, organization="acme", workspace="web", run_message="m", plan_only=True,
                 variables={"password": "hunter2"}, _ansible_check_mode=True)
    assert result["changed"] is True and result["would_queue"] is True and result["run"] is None
    assert result["workspace"] == {"id": "ws-AAAAAAAAAAAAAAAA", "name": "web", "organization": "acme"}
    assert result["attributes"] == {"message": "m", "plan_only": True, "variables": ["password"]}
    assert [r.method for r in server.requests] == ["GET"]
    assert "hunter2" not in json.dumps(result)


def test_check_mode_with_reuse_reports_the_run_it_would_reuse(server):
    listed = {"id": "run-1", "type": "runs", "attributes": {"status": "planning", "message": "m"}}
    server.queue(Reply(body=WORKSPACE), Reply(body={"data": [listed]}))
    result = run(server, workspace_id="ws-AAAAAAAAAAAAAAAA", run_message="m", reuse="active", _ansible_check_mode=True)
    assert result["changed"] is False and result["would_queue"] is False and result["reused"] is True
    assert result["run"]["id"] == "run-1"
    assert result["run"]["web_url"].endswith("/app/acme/workspaces/web/runs/run-1")


def test_unknown_workspace_says_not_found_or_no_access(server):
    server.queue(Reply(status=404, body={"errors": [{"status": "404", "title": "not found"}]}))
    result = run(server, organization="acme", workspace="nope")
    assert result["failed"] and "workspace acme/nope" in result["msg"] and "no access" in result["msg"]


def test_queue_without_waiting_returns_the_new_run(server):
    created = {"id": "run-NEW", "type": "runs", "attributes": {"status": "pending", "message": "m"}}
    server.queue(Reply(body=WORKSPACE), Reply(status=201, body={"data": created}))
    result = run(server, workspace_id="ws-AAAAAAAAAAAAAAAA", run_message="m", wait=False, variables={"n": 3})
    assert result["changed"] is True and result["run"]["id"] == "run-NEW" and result["run"]["status"] == "pending"
    sent = json.loads(server.requests[1].body)
    assert sent["data"]["attributes"] == {"message": "m", "variables": [{"key": "n", "value": "3"}]}


def test_variable_values_are_hidden_but_do_not_mask_other_output(server):
    created = {"id": "run-3NEW3", "type": "runs", "attributes": {"status": "pending", "message": "build 3"}}
    server.queue(Reply(body=WORKSPACE), Reply(status=201, body={"data": created}))
    result = run(server, workspace_id="ws-AAAAAAAAAAAAAAAA", run_message="build 3", wait=False,
                 variables={"count": 3, "password": "hunter2"})
    text = json.dumps(result)
    assert "hunter2" not in text
    assert result["run"]["id"] == "run-3NEW3" and result["run"]["message"] == "build 3"
