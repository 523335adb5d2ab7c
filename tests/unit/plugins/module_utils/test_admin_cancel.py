# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Admin cancel: route detection across TFE generations, outcomes, and never a POST in check mode."""

from __future__ import annotations

import random

from ansible_collections.tfe.runs.plugins.module_utils._admin_cancel import admin_cancel_runs
from ansible_collections.tfe.runs.plugins.module_utils._budget import RateLimiter
from ansible_collections.tfe.runs.plugins.module_utils._client import RetryPolicy, TfeClient
from ansible_collections.tfe.runs.plugins.module_utils._waiting import Waiter
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply


class Installation:
    """A minimal admin API: runs by ID, and the cancel routes this installation has."""

    def __init__(self, statuses, routes=("force-cancel", "cancel")):
        self.statuses = dict(statuses)
        self.routes = routes

    def __call__(self, seen):
        if seen.method == "GET" and seen.path == "/api/v2/admin/runs":
            wanted = seen.query.get("q", "")
            data = [{"id": run_id, "type": "runs", "attributes": {"status": status}}
                    for run_id, status in self.statuses.items() if wanted in run_id]
            return Reply(body={"data": data, "meta": {"pagination": {"current-page": 1, "total-pages": 1}}})
        parts = seen.path.split("/")
        if seen.method == "POST" and len(parts) == 8 and parts[-1] in self.routes:
            run_id = parts[5]
            if self.statuses.get(run_id) in ("applied", "errored", "canceled"):
                return Reply(status=409, body={"errors": [{"status": "409", "title": "transition not allowed"}]})
            self.statuses[run_id] = "canceled" if parts[-1] == "force-cancel" else "errored"
            return Reply(body={"data": {"id": run_id, "attributes": {"status": self.statuses[run_id]}}})
        return Reply(status=404, body={"errors": [{"status": "404", "title": "not found"}]})


def cancel(server, *run_ids, **kwargs):
    """admin_cancel_runs on a virtual clock; the outcome."""
    client = TfeClient(server.url, "tok-admin-cancel-Rt5Wq8Zp1", retry=RetryPolicy(max_retries=0),
                       limiter=RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000))
    clock = [0.0]

    def sleep(seconds):
        clock[0] += seconds

    waiter = Waiter(clock=lambda: clock[0], sleep=sleep, rng=random.Random(2))
    return admin_cancel_runs(client, list(run_ids), waiter=waiter, **kwargs)


def entry_of(server, run_id, **kwargs):
    return cancel(server, run_id, **kwargs).result["runs"][0]


def posts(server):
    return [r.path for r in server.requests if r.method == "POST"]


def test_current_installation_uses_force_cancel_with_the_comment(server):
    server.default = Installation({"run-a1": "planning"})
    entry = entry_of(server, "run-a1", comment="stuck")
    assert (entry["outcome"], entry["endpoint"], entry["previous_status"], entry["status"]) == \
        ("canceled", "force_cancel", "planning", "canceled")
    assert posts(server) == ["/api/v2/admin/runs/run-a1/actions/force-cancel"]
    assert [r.body for r in server.requests if r.method == "POST"] == [b'{"comment": "stuck"}']


def test_2018_installation_is_detected_once_and_the_comment_dropped_with_a_warning(server):
    server.default = Installation({"run-a1": "planning", "run-b2": "pending"}, routes=("cancel",))
    outcome = cancel(server, "run-a1", "run-b2", comment="stuck")
    first, second = outcome.result["runs"]
    assert first["endpoint"] == second["endpoint"] == "cancel" and outcome.result["endpoint"] == "cancel"
    assert first["status"] == "errored" and first["outcome"] == "canceled"
    assert posts(server) == ["/api/v2/admin/runs/run-a1/actions/force-cancel", "/api/v2/admin/runs/run-a1/actions/cancel",
                             "/api/v2/admin/runs/run-b2/actions/cancel"]
    assert outcome.warnings and "comment" in outcome.warnings[0] and outcome.changed and not outcome.failed


def test_final_runs_unknown_runs_and_check_mode_send_nothing(server):
    server.default = Installation({"run-done": "applied", "run-live": "planning", "run-live2": "planning"})
    outcome = cancel(server, "run-done", "run-nope", "run-live", check_mode=True)
    assert [entry["outcome"] for entry in outcome.result["runs"]] == ["already_final", "not_found", "canceled"]
    assert posts(server) == []
    assert outcome.failed and "run-nope: not_found" in outcome.failure.message


def test_exact_match_on_the_fuzzy_search(server):
    server.default = Installation({"run-live2": "planning"})
    assert entry_of(server, "run-live")["outcome"] == "not_found"


def test_a_route_missing_on_a_known_generation_is_a_failed_outcome_not_a_crash(server):
    server.default = Installation({"run-a1": "planning"}, routes=("cancel",))
    entry = entry_of(server, "run-a1", endpoint="force_cancel")
    assert entry["outcome"] == "failed" and "404" in entry["reason"]


def test_a_non_admin_token_is_raised_for_the_whole_task(server):
    server.default = lambda seen: Reply(status=404, body={"errors": [{"status": "404", "title": "not found"}]})
    outcome = cancel(server, "run-a1", "run-b2")
    assert outcome.failure.error.status == 404 and "runs" not in outcome.result
    assert len(server.requests) == 1  # the second run was not tried: it would fail the same way


def test_a_run_that_never_ends_fails_after_the_timeout(server):
    installation = Installation({"run-a1": "planning"})

    def ignore_cancel(seen):
        answer = installation(seen)
        installation.statuses["run-a1"] = "planning"
        return Reply(body=None) if seen.method == "POST" else answer  # acknowledged, and nothing happens

    server.default = ignore_cancel
    entry = entry_of(server, "run-a1", wait_timeout=30)
    assert entry["outcome"] == "failed" and "still planning" in entry["reason"]


def test_a_cancel_whose_answer_was_lost_is_ours_not_someone_elses(server):
    installation = Installation({"run-a1": "planning"})
    lost = []

    def lose_the_first_answer(seen):
        answer = installation(seen)
        if seen.method == "POST" and not lost:
            lost.append(seen.path)
            return Reply(drop=True)  # TFE ended the run, the answer never arrived
        return answer

    server.default = lose_the_first_answer
    client = TfeClient(server.url, "tok-admin-cancel-Rt5Wq8Zp1", sleep=lambda seconds: None, clock=lambda: 0.0,
                       limiter=RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000))
    outcome = admin_cancel_runs(client, ["run-a1"], waiter=Waiter(clock=lambda: 0.0, sleep=lambda seconds: None))
    entry = outcome.result["runs"][0]
    assert (entry["outcome"], entry["endpoint"], entry["status"]) == ("canceled", "force_cancel", "canceled")
    assert len(posts(server)) == 2  # the repeat was answered 409, and the run read again


def test_the_answer_of_the_cancel_is_used_when_the_listing_hides_the_run_afterwards(server):
    """Defect: the cancel answered 200 with the run (force_canceled), the listing then hid it, and the
    module reported a failure. The answer is the run's state; nothing more needs reading."""
    installation = Installation({"run-a1": "planning"})

    def hide_final_runs(seen):
        answer = installation(seen)
        if seen.method == "POST":
            installation.statuses["run-a1"] = "force_canceled"
            return Reply(body={"data": {"id": "run-a1", "attributes": {"status": "force_canceled"}}})
        if seen.method == "GET" and installation.statuses["run-a1"] == "force_canceled":
            return Reply(body={"data": [], "meta": {"pagination": {"current-page": 1, "total-pages": 1}}})
        return answer

    server.default = hide_final_runs
    outcome = cancel(server, "run-a1")
    entry = outcome.result["runs"][0]
    assert not outcome.failed and outcome.changed
    assert (entry["outcome"], entry["status"]) == ("canceled", "force_canceled")
    assert [r.method for r in server.requests] == ["GET", "POST"]


def test_a_run_the_listing_no_longer_shows_is_canceled_but_unconfirmed(server):
    installation = Installation({"run-a1": "planning"})

    def empty_answer_then_hidden(seen):
        answer = installation(seen)
        if seen.method == "POST":
            installation.statuses["run-a1"] = "canceled"
            return Reply(body=None)  # no document at all
        if installation.statuses["run-a1"] == "canceled":
            return Reply(body={"data": [], "meta": {"pagination": {"current-page": 1, "total-pages": 1}}})
        return answer

    server.default = empty_answer_then_hidden
    outcome = cancel(server, "run-a1")
    entry = outcome.result["runs"][0]
    assert not outcome.failed and outcome.changed
    assert entry["outcome"] == "canceled" and entry["confirmed"] is False and "unconfirmed" in entry["reason"]
