# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tfe_run_apply, tfe_run_cancel and tfe_admin_run_cancel through main(), against a scripted TFE:
what each sends, what it returns, and the defects a second TFE implementation found."""

from __future__ import annotations

import json

import pytest

from ansible_collections.tfe.runs.plugins.modules import tfe_admin_run_cancel, tfe_run_apply, tfe_run_cancel
from ansible_collections.tfe.runs.tests.unit.module_runner import run_module
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

TOKEN = "tok-run-actions-unit-Qm7Wz2Kp9Lx4Rv"
NOT_FOUND = Reply(status=404, body={"errors": [{"status": "404", "title": "not found"}]})


def run_doc(status, actions="", run_id="run-1", included=True, **attributes):
    """A run document; ``actions`` letters: C confirmable, D discardable, X cancelable, F force-cancelable."""
    flags = {"is-confirmable": "C" in actions, "is-discardable": "D" in actions, "is-cancelable": "X" in actions,
             "is-force-cancelable": "F" in actions}
    attributes.update(status=status, actions=flags)
    run = {"id": run_id, "type": "runs", "attributes": attributes, "relationships": {
        "workspace": {"data": {"id": "ws-1", "type": "workspaces"}},
        "plan": {"data": {"id": "plan-1", "type": "plans"}}, "apply": {"data": {"id": "apply-1", "type": "applies"}}}}
    document = {"data": run}
    if included:
        document["included"] = [
            {"id": "ws-1", "type": "workspaces", "attributes": {"name": "web"},
             "relationships": {"organization": {"data": {"id": "acme", "type": "organizations"}}}},
            {"id": "plan-1", "type": "plans", "attributes": {"status": "finished", "resource-additions": 2}}]
    return Reply(body=document)


def call(main, server, **args):
    args.setdefault("tfe_address", server.url)
    args.setdefault("tfe_token", TOKEN)
    if main is tfe_run_apply.main:
        # The scripted replies are the run's reads and actions; the JSON plan is tested in test_plan_review.py.
        args.setdefault("plan_changes", False)
    return run_module(main, args)


def posts(server):
    return [r.path.rsplit("/", 1)[-1] for r in server.requests if r.method == "POST"]


# --- tfe_run_apply --------------------------------------------------------------------------------


def test_apply_confirms_once_and_reports_decision_and_action(server):
    server.queue(run_doc("planned", "CD"), Reply(status=202, raw=b""), run_doc("confirmed"), run_doc("applied"))
    result = call(tfe_run_apply.main, server, run_id="run-1", comment="go")
    assert result["changed"] is True and result["decision"] == "confirm" and result["action"] == "confirm"
    assert result["previous_status"] == "planned" and result["run"]["status"] == "applied"
    assert posts(server) == ["apply"] and json.loads(server.requests[1].body) == {"comment": "go"}
    assert result["plan"]["resource_additions"] == 2


def test_apply_of_an_applied_run_changes_nothing(server):
    server.queue(run_doc("applied"))
    result = call(tfe_run_apply.main, server, run_id="run-1")
    assert result["changed"] is False and result["decision"] == "already_applying" and result["action"] == "none"
    assert posts(server) == []


def test_apply_check_mode_predicts_and_sends_nothing(server):
    server.queue(run_doc("planning", "X"))
    result = call(tfe_run_apply.main, server, run_id="run-1", _ansible_check_mode=True)
    assert result["changed"] is True and result["decision"] == "still_planning" and result["action"] == "confirm"
    assert posts(server) == []
    server.queue(run_doc("planning", "X", **{"auto-apply": True}))
    result = call(tfe_run_apply.main, server, run_id="run-1", _ansible_check_mode=True)
    assert result["changed"] is False and result["action"] == "none"  # TFE applies it by itself


def test_apply_of_a_policy_override_names_the_check_and_the_next_step(server):
    document = run_doc("policy_override", "D")
    document.body["data"]["relationships"]["policy-checks"] = {"data": [{"id": "polchk-1", "type": "policy-checks"}]}
    server.queue(document)
    result = call(tfe_run_apply.main, server, run_id="run-1")
    assert result["failed"] and "polchk-1" in result["msg"] and "tfe.runs.tfe_run_cancel" in result["msg"]
    assert result["changed"] is False and posts(server) == []


def test_apply_fetches_plan_and_apply_when_the_server_ignores_include(server):
    """Defect: a server that ignores include= left plan and apply null; they are fetched once, at the end."""
    server.queue(run_doc("planned", "CD", included=False), Reply(status=202, raw=b""),
                 run_doc("applied", included=False),
                 Reply(body={"data": {"id": "plan-1", "type": "plans", "attributes": {"resource-additions": 5}}}),
                 Reply(body={"data": {"id": "apply-1", "type": "applies", "attributes": {"resource-additions": 5}}}),
                 Reply(body={"data": {"id": "ws-1", "type": "workspaces", "attributes": {"name": "web"}}}))
    result = call(tfe_run_apply.main, server, run_id="run-1", wait=True)
    assert not result.get("failed"), result
    assert result["plan"]["resource_additions"] == 5 and result["apply"]["resource_additions"] == 5
    assert result["workspace"]["name"] == "web"
    assert [r.path for r in server.requests if r.method == "GET"][-3:] == [
        "/api/v2/plans/plan-1", "/api/v2/applies/apply-1", "/api/v2/workspaces/ws-1"]


def test_apply_refuses_a_run_of_another_workspace(server):
    server.queue(run_doc("planned", "CD"))
    result = call(tfe_run_apply.main, server, run_id="run-1", workspace_id="ws-other")
    assert result["failed"] and "not ws-other" in result["msg"] and posts(server) == []


# --- tfe_run_cancel -------------------------------------------------------------------------------


def test_cancel_discards_a_waiting_run(server):
    server.queue(run_doc("planned", "CD"), Reply(status=202, raw=b""), run_doc("discarded"), run_doc("discarded"))
    result = call(tfe_run_cancel.main, server, run_id="run-1")
    assert result["changed"] is True and result["action"] == "discard" and result["decision"] == "discard"
    assert result["run"]["status"] == "discarded" and posts(server) == ["discard"]


def test_cancel_of_a_final_run_changes_nothing(server):
    server.queue(run_doc("errored"))
    result = call(tfe_run_cancel.main, server, run_id="run-1", force=True)
    assert result["changed"] is False and result["action"] == "none" and result["decision"] == "already_final"


def test_cancel_without_wait_never_waits_out_a_cool_off(server):
    """Defect: wait=false still polled a run in its force-cancel cool-off for the whole wait_timeout."""
    server.default = lambda seen: run_doc("planning", "", **{"force-cancel-available-at": "2099-01-01T00:00:00Z"})
    result = call(tfe_run_cancel.main, server, run_id="run-1", force=True, wait=False, wait_timeout=3600)
    assert result["changed"] is False and result["decision"] == "cancel_requested"
    assert len(server.requests) == 1 and posts(server) == []


def test_cancel_without_wait_never_force_cancels(server):
    """Defect: with wait=false a run that could be force-cancelled was force-cancelled anyway."""
    server.queue(run_doc("planning", "F", **{"force-cancel-available-at": "2020-01-01T00:00:00Z"}))
    result = call(tfe_run_cancel.main, server, run_id="run-1", force=True, wait=False)
    assert result["changed"] is False and posts(server) == []


def test_a_pending_run_shown_force_cancelable_is_discarded_first(server):
    """Defect: is-force-cancelable on a run nobody canceled made the module skip the normal stop."""
    server.queue(run_doc("pending", "DXF"), Reply(status=202, raw=b""), run_doc("discarded"), run_doc("discarded"))
    result = call(tfe_run_cancel.main, server, run_id="run-1", force=True)
    assert result["changed"] is True and result["action"] == "discard" and posts(server) == ["discard"]


def test_cancel_check_mode_predicts_the_action(server):
    server.queue(run_doc("applying", "X"))
    result = call(tfe_run_cancel.main, server, run_id="run-1", _ansible_check_mode=True)
    assert result["changed"] is True and result["action"] == "cancel" and posts(server) == []


def test_cancel_of_an_unknown_run_says_not_found_or_no_access(server):
    server.queue(NOT_FOUND)
    result = call(tfe_run_cancel.main, server, run_id="run-nope")
    assert result["failed"] and "no access" in result["msg"] and "Organization tokens" in result["msg"]


# --- tfe_admin_run_cancel -------------------------------------------------------------------------


def admin_list(*runs):
    data = [{"id": run_id, "type": "runs", "attributes": {"status": status},
             "relationships": {"workspace": {"data": {"id": "ws-1", "type": "workspaces"}}}} for run_id, status in runs]
    return Reply(body={"data": data, "included": [{"id": "ws-1", "type": "workspaces", "attributes": {"name": "web"}}],
                       "meta": {"pagination": {"current-page": 1, "total-pages": 1}}})


def test_admin_cancel_uses_the_answer_of_the_cancel(server):
    """Defect: the cancel's 200 answer (status force_canceled) was ignored, the listing hid the final run,
    and the module reported a successful cancel as failed after waiting out wait_timeout."""
    server.queue(admin_list(("run-1", "planning")),
                 Reply(body={"data": {"id": "run-1", "type": "runs", "attributes": {"status": "force_canceled"}}}))
    server.default = lambda seen: admin_list()
    result = call(tfe_admin_run_cancel.main, server, run_id="run-1")
    assert not result.get("failed"), result
    assert result["changed"] is True and result["run"]["outcome"] == "canceled"
    assert result["run"]["status"] == "force_canceled" and result["endpoint"] == "force_cancel"
    assert len(server.requests) == 2


def test_admin_cancel_of_a_final_run_changes_nothing(server):
    server.queue(admin_list(("run-1", "applied")))
    result = call(tfe_admin_run_cancel.main, server, run_ids=["run-1", "run-1"])
    assert result["changed"] is False and [e["outcome"] for e in result["runs"]] == ["already_final"]


def test_admin_cancel_as_a_normal_user_explains_the_admin_api(server):
    server.default = lambda seen: NOT_FOUND
    result = call(tfe_admin_run_cancel.main, server, run_id="run-1")
    assert result["failed"] and "site administrator" in result["msg"]


@pytest.mark.parametrize("main, args", [
    (tfe_run_apply.main, {"run_id": "run-1"}),
    (tfe_run_cancel.main, {"run_id": "run-1"}),
    (tfe_admin_run_cancel.main, {"run_id": "run-1"}),
])
def test_negative_wait_timeout_is_refused_before_any_request(server, main, args):
    result = call(main, server, wait_timeout=-1, **args)
    assert result["failed"] and "wait_timeout cannot be negative" in result["msg"] and server.requests == []


# --- tfe_run_apply's protective gates --------------------------------------------------------------

JSON_PLAN = {"resource_changes": [
    {"address": "module.db.aws_db_instance.main", "type": "aws_db_instance", "name": "main",
     "change": {"actions": ["delete", "create"], "before": {"password": "pw-Xq7"}}},
    {"address": "aws_s3_bucket.logs", "type": "aws_s3_bucket", "name": "logs", "change": {"actions": ["update"]}}]}


def json_plan_replies(server):
    return (Reply(status=307, headers={"Location": server.url + "/blob/plan"}),
            Reply(raw=json.dumps(JSON_PLAN).encode(), headers={"Content-Type": "application/json"}))


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_protected_replace_is_not_confirmed_and_named(server, check_mode):
    server.queue(run_doc("planned", "CD"), *json_plan_replies(server))
    result = call(tfe_run_apply.main, server, run_id="run-1", protect=[{"address": "module.db.*"}],
                  plan_changes=True, _ansible_check_mode=check_mode)
    assert result["failed"] is True and result["changed"] is False and posts(server) == []
    assert "replace module.db.aws_db_instance.main (protected by 'module.db.*')" in result["msg"]
    assert result["protected_changes"] == [
        {"address": "module.db.aws_db_instance.main", "action": "replace", "protection": "module.db.*"}]
    assert "pw-Xq7" not in json.dumps(result)
    assert "Authorization" not in server.requests[2].headers


def test_a_protected_run_is_discarded_when_asked(server):
    server.queue(run_doc("planned", "CD"), *json_plan_replies(server), Reply(status=202, raw=b""),
                 run_doc("discarded"))
    result = call(tfe_run_apply.main, server, run_id="run-1", protect=[{"address": "module.db.*"}],
                  discard_protected=True)
    assert result["failed"] is True and result["changed"] is True and result["action"] == "discard"
    assert posts(server) == ["discard"] and result["run"]["status"] == "discarded"


def test_an_unprotected_change_is_confirmed(server):
    server.queue(run_doc("planned", "CD"), *json_plan_replies(server), Reply(status=202, raw=b""),
                 run_doc("applied"))
    result = call(tfe_run_apply.main, server, run_id="run-1", wait=False,
                  protect=[{"address": "aws_s3_bucket.*", "actions": ["replace"]}])
    assert "failed" not in result and posts(server) == ["apply"] and result["protected_changes"] == []
    assert [c["action"] for c in result["plan"]["changes"]] == ["replace", "update"]


def test_a_gate_without_the_json_plan_fails_closed(server):
    server.queue(run_doc("planned", "CD"), Reply(status=403, body={"errors": [{"status": "403", "title": "no"}]}))
    result = call(tfe_run_apply.main, server, run_id="run-1", protect=[{"address": "*"}])
    assert result["failed"] is True and posts(server) == []
    assert "cannot be judged" in result["msg"] and "no admin access" in result["msg"]
