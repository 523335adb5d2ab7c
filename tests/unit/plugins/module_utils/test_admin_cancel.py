# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Admin cancel: route detection across TFE generations, outcomes, and never a POST in check mode."""

from __future__ import annotations

import random

import pytest

from ansible_collections.tfe.runs.plugins.module_utils._admin_cancel import AdminCanceller
from ansible_collections.tfe.runs.plugins.module_utils._api import RateLimiter, RetryPolicy, TfeClient, TfeHttpError
from ansible_collections.tfe.runs.plugins.module_utils._runs import Waiter
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
            return Reply(body={"data": {"id": run_id, "attributes": {"status": "errored"}}})
        return Reply(status=404, body={"errors": [{"status": "404", "title": "not found"}]})


def canceller(server, **kwargs):
    client = TfeClient(server.url, "tok-admin-cancel-Rt5Wq8Zp1", retry=RetryPolicy(max_retries=0),
                       limiter=RateLimiter(rate=1000, burst=1000))
    clock = [0.0]

    def sleep(seconds):
        clock[0] += seconds

    return AdminCanceller(client, waiter=Waiter(clock=lambda: clock[0], sleep=sleep, rng=random.Random(2)), **kwargs)


def posts(server):
    return [r.path for r in server.requests if r.method == "POST"]


def test_current_installation_uses_force_cancel_with_the_comment(server):
    server.default = Installation({"run-a1": "planning"})
    entry = canceller(server, comment="stuck").cancel("run-a1")
    assert (entry["outcome"], entry["endpoint"], entry["previous_status"], entry["status"]) == \
        ("canceled", "force_cancel", "planning", "canceled")
    assert posts(server) == ["/api/v2/admin/runs/run-a1/actions/force-cancel"]
    assert [r.body for r in server.requests if r.method == "POST"] == [b'{"comment": "stuck"}']


def test_2018_installation_is_detected_once_and_the_comment_dropped_with_a_warning(server):
    server.default = Installation({"run-a1": "planning", "run-b2": "pending"}, routes=("cancel",))
    admin = canceller(server, comment="stuck")
    first, second = admin.cancel("run-a1"), admin.cancel("run-b2")
    assert first["endpoint"] == second["endpoint"] == "cancel" and admin.detected == "cancel"
    assert first["status"] == "errored" and first["outcome"] == "canceled"
    assert posts(server) == ["/api/v2/admin/runs/run-a1/actions/force-cancel", "/api/v2/admin/runs/run-a1/actions/cancel",
                             "/api/v2/admin/runs/run-b2/actions/cancel"]
    assert admin.warnings and "comment" in admin.warnings[0]


def test_final_runs_unknown_runs_and_check_mode_send_nothing(server):
    server.default = Installation({"run-done": "applied", "run-live": "planning", "run-live2": "planning"})
    admin = canceller(server, check_mode=True)
    assert admin.cancel("run-done")["outcome"] == "already_final"
    assert admin.cancel("run-nope")["outcome"] == "not_found"
    assert admin.cancel("run-live")["outcome"] == "canceled"
    assert posts(server) == []


def test_exact_match_on_the_fuzzy_search(server):
    server.default = Installation({"run-live2": "planning"})
    assert canceller(server).cancel("run-live")["outcome"] == "not_found"


def test_a_route_missing_on_a_known_generation_is_a_failed_outcome_not_a_crash(server):
    server.default = Installation({"run-a1": "planning"}, routes=("cancel",))
    entry = canceller(server, endpoint="force_cancel").cancel("run-a1")
    assert entry["outcome"] == "failed" and "404" in entry["reason"]


def test_a_non_admin_token_is_raised_for_the_whole_task(server):
    server.default = lambda seen: Reply(status=404, body={"errors": [{"status": "404", "title": "not found"}]})
    with pytest.raises(TfeHttpError):
        canceller(server).cancel("run-a1")


def test_a_run_that_never_ends_fails_after_the_timeout(server):
    installation = Installation({"run-a1": "planning"})

    def ignore_cancel(seen):
        answer = installation(seen)
        installation.statuses["run-a1"] = "planning"
        return answer

    server.default = ignore_cancel
    entry = canceller(server, wait_timeout=30).cancel("run-a1")
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
    client = TfeClient(server.url, "tok-admin-cancel-Rt5Wq8Zp1", sleep=lambda seconds: None,
                       limiter=RateLimiter(rate=1000, burst=1000))
    admin = AdminCanceller(client, waiter=Waiter(clock=lambda: 0.0, sleep=lambda seconds: None))
    entry = admin.cancel("run-a1")
    assert (entry["outcome"], entry["endpoint"], entry["status"]) == ("canceled", "force_cancel", "canceled")
    assert len(posts(server)) == 2  # the repeat was answered 409, and the run read again
