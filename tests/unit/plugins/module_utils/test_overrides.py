# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which gate a run waits at, what passing it takes, and the override itself, against a real local server."""

from __future__ import annotations

import json

import pytest

from ansible_collections.tfe.runs.plugins.module_utils._budget import RateLimiter
from ansible_collections.tfe.runs.plugins.module_utils._client import RetryPolicy, TfeClient
from ansible_collections.tfe.runs.plugins.module_utils._errors import TfeHttpError
from ansible_collections.tfe.runs.plugins.module_utils._overrides import find_gate, pass_gate
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply


def client_for(server):
    return TfeClient(server.url, "tok-override-Xp4Lm9Qz2Rw", retry=RetryPolicy(max_retries=0),
                     limiter=RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000))


def run(status):
    return {"id": "run-1", "type": "runs", "attributes": {"status": status}}


def listing(*items):
    return Reply(body={"data": list(items), "meta": {"pagination": {"current-page": 1, "next-page": None}}})


def stage(stage_id, name, overridable=True, evaluations=(), results=()):
    return {"id": stage_id, "type": "task-stages",
            "attributes": {"stage": name, "status": "awaiting_override", "actions": {"is-overridable": overridable}},
            "relationships": {"policy-evaluations": {"data": [{"id": e, "type": "policy-evaluations"} for e in evaluations]},
                              "task-results": {"data": [{"id": r, "type": "task-results"} for r in results]}}}


def check(check_id, overridable=True):
    attributes = {"status": "soft_failed", "actions": {"is-overridable": overridable}}
    return {"id": check_id, "type": "policy-checks", "attributes": attributes}


def test_a_policy_check_is_a_policy_gate(server):
    server.queue(listing(check("polchk-1")))
    gate = find_gate(client_for(server), run("policy_override"))
    assert (gate.kinds, gate.kind_of_resource, gate.resource_id, gate.stage, gate.overridable) == (
        {"policy"}, "policy-checks", "polchk-1", None, True)
    assert server.requests[0].path == "/api/v2/runs/run-1/policy-checks"


@pytest.mark.parametrize("evaluations, results, kinds, held", [
    ((), ("taskrs-1",), {"run_tasks"}, "run tasks"),
    ((), (), {"run_tasks"}, "run tasks"),  # a stage that names nothing is a run task's
    (("poleval-1",), (), {"policy"}, "a policy evaluation"),
    (("poleval-1",), ("taskrs-1",), {"policy", "run_tasks"}, "a policy evaluation and run tasks"),
])
def test_a_task_stage_is_what_it_holds(server, evaluations, results, kinds, held):
    server.queue(listing(stage("ts-0", "pre_plan"), stage("ts-1", "post_plan", evaluations=evaluations,
                                                          results=results)))
    gate = find_gate(client_for(server), run("post_plan_awaiting_decision"))
    assert (gate.kinds, gate.resource_id, gate.stage) == (kinds, "ts-1", "post_plan")
    assert gate.describe() == "the post_plan task stage ts-1 ({0})".format(held)


@pytest.mark.parametrize("relationships", [
    None, [], "policy-evaluations", {"policy-evaluations": None}, {"policy-evaluations": {"data": None}},
    {"policy-evaluations": {"data": {"id": "poleval-1"}}},  # to-one where to-many belongs
    {"policy-evaluations": {"data": [None, "poleval-1", {"type": "policy-evaluations"}]}},
])
def test_a_task_stage_whose_relationships_are_not_json_api_is_a_run_tasks_gate(server, relationships):
    odd = dict(stage("ts-1", "post_plan"), relationships=relationships)
    server.queue(listing(odd))
    assert find_gate(client_for(server), run("post_plan_awaiting_decision")).kinds == {"run_tasks"}


def test_a_gate_the_server_does_not_offer_is_not_overridable(server):
    server.queue(listing(stage("ts-1", "post_plan", overridable=False)))
    assert find_gate(client_for(server), run("post_plan_awaiting_decision")).overridable is False


@pytest.mark.parametrize("status, replies", [("planned", []), ("policy_override", [listing()]),
                                             ("pre_apply_awaiting_decision", [listing(stage("ts-1", "post_plan"))])])
def test_no_gate_found_is_none(server, status, replies):
    server.queue(*replies)
    assert find_gate(client_for(server), run(status)) is None


def test_a_task_stage_override_carries_the_comment_and_a_policy_check_none(server):
    client = client_for(server)
    server.queue(listing(stage("ts-1", "pre_plan")), Reply(body={}), listing(check("polchk-1")), Reply(body={}))
    assert pass_gate(client, find_gate(client, run("pre_plan_awaiting_decision")), "CAB 1")
    assert pass_gate(client, find_gate(client, run("policy_override")), "CAB 1")
    stage_post, check_post = [r for r in server.requests if r.method == "POST"]
    assert stage_post.path == "/api/v2/task-stages/ts-1/actions/override"
    assert json.loads(stage_post.body) == {"comment": "CAB 1"}
    assert check_post.path == "/api/v2/policy-checks/polchk-1/actions/override" and check_post.body in (b"", b"{}")


def test_409_means_someone_passed_it_first_and_other_errors_stand(server):
    client = client_for(server)
    server.queue(listing(check("polchk-1")), Reply(status=409, body={"errors": [{"status": "409"}]}))
    assert pass_gate(client, find_gate(client, run("policy_override")), "CAB 1") is False
    server.queue(listing(check("polchk-1")), Reply(status=403, body={"errors": [{"status": 403}]}))
    with pytest.raises(TfeHttpError):
        pass_gate(client, find_gate(client, run("policy_override")), "CAB 1")
