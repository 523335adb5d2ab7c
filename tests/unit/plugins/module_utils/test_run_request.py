# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Queueing a run: payload, validation, reuse decisions and the no-duplicate recovery."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from ansible_collections.tfe.runs.plugins.module_utils._budget import RateLimiter
from ansible_collections.tfe.runs.plugins.module_utils._client import RetryPolicy, TfeClient
from ansible_collections.tfe.runs.plugins.module_utils._errors import TfeHttpError
from ansible_collections.tfe.runs.plugins.module_utils._run_request import (
    AmbiguousCreateError, RunRequest, create_run, default_message, find_reusable_run)
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
DATE = {"Date": format_datetime(NOW, usegmt=True)}


def api_run(run_id, status="pending", created="2026-11-23T12:00:01.000Z", **attributes):
    base = {"message": "deploy 42", "is-destroy": False, "plan-only": False, "refresh-only": False,
            "save-plan": False, "target-addrs": None, "replace-addrs": None, "created-at": created, "status": status}
    base.update(attributes)
    return {"id": run_id, "type": "runs", "attributes": base}


def request(**attributes):
    attributes.setdefault("message", "deploy 42")
    return RunRequest("ws-AAAAAAAAAAAAAAAA", attributes)


def test_payload_sends_only_what_was_set_and_renders_variables():
    run_request = RunRequest("ws-AAAAAAAAAAAAAAAA", {"message": "m", "is-destroy": True},
                             {"count": 2, "name": "web"}, "cv-BBBBBBBBBBBBBBBB")
    assert run_request.payload() == {"data": {
        "type": "runs",
        "attributes": {"message": "m", "is-destroy": True,
                       "variables": [{"key": "count", "value": "2"}, {"key": "name", "value": '"web"'}]},
        "relationships": {
            "workspace": {"data": {"type": "workspaces", "id": "ws-AAAAAAAAAAAAAAAA"}},
            "configuration-version": {"data": {"type": "configuration-versions", "id": "cv-BBBBBBBBBBBBBBBB"}}}}}
    assert run_request.sent_attributes() == {"message": "m", "is_destroy": True, "variables": ["count", "name"]}


@pytest.mark.parametrize("attributes, problem", [
    ({"is-destroy": True, "refresh-only": True}, "is_destroy and refresh_only"),
    ({"terraform-version": "1.9.0"}, "terraform_version is only valid with plan_only"),
    ({"terraform-version": "1.9.0", "plan-only": False}, "terraform_version is only valid with plan_only"),
    ({"save-plan": True, "plan-only": True}, "save_plan and plan_only"),
    ({"refresh-only": True, "refresh": False}, "refresh_only needs refresh"),
    ({"refresh-only": True, "replace-addrs": ["a.b"]}, "replace_addrs cannot be used with refresh_only"),
    ({"plan-only": True, "auto-apply": True}, "auto_apply has no meaning for plan_only"),
    ({"save-plan": True, "auto-apply": True}, "saved plans are never auto-applied"),
    ({"target-addrs": ["a.b", " "]}, "target_addrs cannot hold an empty entry"),
    ({"invoke-action-addrs": [""]}, "invoke_action_addrs cannot hold an empty entry"),
    ({"policy-paths": ["policies/", ""]}, "policy_paths cannot hold an empty entry"),
])
def test_impossible_combinations_are_named(attributes, problem):
    assert any(problem in text for text in request(**attributes).problems())


def test_sound_combinations_have_no_problem():
    assert request(**{"plan-only": True, "terraform-version": "1.9.0", "target-addrs": ["a.b"]}).problems() == []
    assert request(**{"refresh-only": True, "refresh": True}).problems() == []


def test_default_messages_are_unique():
    assert default_message() != default_message()
    assert default_message().startswith("Queued by tfe.runs.tfe_run [")


@pytest.mark.parametrize("run_attributes, matches", [
    ({}, True),
    ({"target-addrs": []}, True),
    ({"message": "deploy 43"}, False),
    ({"message": "deploy 42 again"}, False),
    ({"is-destroy": True}, False),
    ({"plan-only": True}, False),
    ({"save-plan": True}, False),
    ({"target-addrs": ["module.x"]}, False),
    ({"invoke-action-addrs": ["action.x.y"]}, False),
    ({"policy-paths": ["policies/"]}, False),
])
def test_matching_is_exact_on_message_and_flags(run_attributes, matches):
    assert request().matches(api_run("run-1", **run_attributes)) is matches


def test_new_attributes_are_sent_and_reported_by_their_option_names():
    run_request = request(**{"invoke-action-addrs": ["action.aws_lambda_invoke.notify"], "policy-paths": ["p/"]})
    assert run_request.problems() == []
    sent = run_request.payload()["data"]["attributes"]
    assert sent["invoke-action-addrs"] == ["action.aws_lambda_invoke.notify"] and sent["policy-paths"] == ["p/"]
    assert run_request.sent_attributes()["invoke_action_addrs"] == ["action.aws_lambda_invoke.notify"]
    assert run_request.matches(api_run("run-1", **{"invoke-action-addrs": ["action.aws_lambda_invoke.notify"],
                                                   "policy-paths": ["p/"]}))


def test_target_order_does_not_matter():
    assert request(**{"target-addrs": ["b", "a"]}).matches(api_run("run-1", **{"target-addrs": ["a", "b"]}))


# --- against a real local server -------------------------------------------------------------------


def client_for(server):
    return TfeClient(server.url, "tok-request-tests-Qw9Lp2Xz", retry=RetryPolicy(max_retries=0),
                     limiter=RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000))


def runs_list(*runs):
    return Reply(body={"data": list(runs), "meta": {"pagination": {"current-page": 1, "next-page": None}}},
                 headers=DATE)


@pytest.mark.parametrize("mode, listed, expected", [
    ("active", [api_run("run-new", "planning")], "run-new"),
    ("active", [api_run("run-done", "applied")], None),
    ("any", [api_run("run-done", "applied")], "run-done"),
    ("any", [api_run("run-bad", "errored"), api_run("run-old", "planned_and_finished")], "run-old"),
    ("any", [api_run("run-x", "canceled"), api_run("run-y", "discarded")], None),
    ("active", [api_run("run-other", "planning", message="something else")], None),
])
def test_reuse_decisions(server, mode, listed, expected):
    server.queue(runs_list(*listed))
    found = find_reusable_run(client_for(server), request(), mode)
    assert (found or {}).get("id") == expected
    seen = server.requests[0]
    assert seen.path == "/api/v2/workspaces/ws-AAAAAAAAAAAAAAAA/runs"
    assert seen.query["search[basic]"] == "deploy 42"
    assert "plan_only" in seen.query["filter[operation]"]


def make_client_with_date(server):
    client = client_for(server)
    client.last_response_date = NOW
    return client


def no_sleep(seconds):
    pass


def test_created_then_503_adopts_the_one_new_matching_run(server):
    server.queue(Reply(status=503, body={"errors": [{"status": "503", "title": "unavailable"}]}),
                 runs_list(api_run("run-mine", created="2026-11-23T12:00:01.000Z"),
                           api_run("run-older", created="2026-11-23T11:00:00.000Z")))
    outcome = create_run(make_client_with_date(server), request(), sleep=no_sleep)
    assert outcome.recovered and outcome.run["id"] == "run-mine"
    assert [r.method for r in server.requests] == ["POST", "GET"]


def test_a_dropped_connection_after_sending_is_recovered_not_repeated(server):
    server.queue(Reply(drop=True), runs_list(), runs_list(api_run("run-mine")))
    outcome = create_run(make_client_with_date(server), request(), sleep=no_sleep)
    assert outcome.recovered and outcome.run["id"] == "run-mine"
    assert [r.method for r in server.requests].count("POST") == 1


class VirtualClock:
    def __init__(self):
        self.now = 0.0

    def sleep(self, seconds):
        self.now += seconds

    def __call__(self):
        return self.now


def methods(server):
    return [r.method for r in server.requests]


def test_no_run_after_a_window_of_answered_searches_means_none_was_created_so_post_again(server):
    server.queue(Reply(status=502))
    clock = VirtualClock()
    server.default = lambda seen: (Reply(status=201, body={"data": api_run("run-second")}) if seen.method == "POST"
                                   else runs_list())
    outcome = create_run(make_client_with_date(server), request(), sleep=clock.sleep, clock=clock)
    assert outcome.run["id"] == "run-second" and outcome.posts == 2 and not outcome.recovered
    assert methods(server).count("POST") == 2 and 4 <= methods(server).count("GET") <= 7
    assert methods(server)[-1] == "POST"  # the second POST came only after the whole window of searches


def test_when_every_post_fails_and_creates_nothing_the_error_is_plain(server):
    server.default = lambda seen: Reply(status=503) if seen.method == "POST" else runs_list()
    clock = VirtualClock()
    with pytest.raises(TfeHttpError) as caught:
        create_run(make_client_with_date(server), request(), sleep=clock.sleep, clock=clock)
    assert not isinstance(caught.value, AmbiguousCreateError) and caught.value.status == 503
    assert methods(server).count("POST") == 3


def test_when_the_search_keeps_failing_the_outcome_is_unknown_and_nothing_is_sent_again(server):
    server.default = lambda seen: Reply(status=500)
    clock = VirtualClock()
    with pytest.raises(AmbiguousCreateError) as caught:
        create_run(make_client_with_date(server), request(), sleep=clock.sleep, clock=clock)
    assert caught.value.candidate_ids == [] and "unknown" in str(caught.value)
    assert methods(server).count("POST") == 1


def test_several_candidates_are_listed_and_none_adopted(server):
    server.queue(Reply(status=504), runs_list(api_run("run-a"), api_run("run-b")))
    with pytest.raises(AmbiguousCreateError) as caught:
        create_run(make_client_with_date(server), request(), sleep=no_sleep)
    assert caught.value.candidate_ids == ["run-a", "run-b"]


def test_a_201_without_a_usable_body_is_recovered(server):
    server.queue(Reply(status=201, raw=b'{"data": {"id": "run-mi'), runs_list(api_run("run-mine")))
    outcome = create_run(make_client_with_date(server), request(), sleep=no_sleep)
    assert outcome.recovered and outcome.run["id"] == "run-mine"


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_definite_refusals_are_raised_without_looking_for_runs(server, status):
    server.queue(Reply(status=status, body={"errors": [{"status": str(status), "title": "no"}]}))
    with pytest.raises(TfeHttpError) as caught:
        create_run(make_client_with_date(server), request(), sleep=no_sleep)
    assert caught.value.status == status and len(server.requests) == 1


def test_created_run_is_returned_as_is(server):
    server.queue(Reply(status=201, body={"data": api_run("run-new")}))
    outcome = create_run(make_client_with_date(server), request(), sleep=no_sleep)
    assert outcome.run["id"] == "run-new" and not outcome.recovered
    assert server.requests[0].path == "/api/v2/runs"
