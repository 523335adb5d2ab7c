# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2 (the runs domain): statuses, the waiter on a fake clock, lookups and result shapes."""

from __future__ import annotations

import random

import pytest

from ansible_collections.tfe.runs.plugins.module_utils import _logs, _statuses, _timestamps
from ansible_collections.tfe.runs.plugins.module_utils._budget import RateLimiter
from ansible_collections.tfe.runs.plugins.module_utils._client import TfeClient
from ansible_collections.tfe.runs.plugins.module_utils._results import (
    phase_durations, phase_summary, run_result, snake_keys, workspace_summary)
from ansible_collections.tfe.runs.plugins.module_utils._runs import get_run, get_workspace
from ansible_collections.tfe.runs.plugins.module_utils._statuses import (
    is_final, is_final_success, plan_settled, status_info)
from ansible_collections.tfe.runs.plugins.module_utils._waiting import PollSchedule, Waiter
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

# The contract's complete status vocabulary (reference section 4.1), written out independently of
# the module_utils table so that a status dropped from the table fails here.
CONTRACT_STATUSES = {
    # status: (final, human_gate, apply_phase)
    "pending": (None, False, False),
    "fetching": (None, False, False),
    "fetching_completed": (None, False, False),
    "pre_plan_running": (None, False, False),
    "pre_plan_completed": (None, False, False),
    "pre_plan_awaiting_decision": (None, True, False),
    "queuing": (None, False, False),
    "plan_queued": (None, False, False),
    "planning": (None, False, False),
    "planned": (None, False, False),
    "tf_policy_checked": (None, False, False),
    "tf_policy_override": (None, True, False),
    "post_plan_running": (None, False, False),
    "post_plan_completed": (None, False, False),
    "post_plan_awaiting_decision": (None, True, False),
    "cost_estimating": (None, False, False),
    "cost_estimated": (None, False, False),
    "policy_checking": (None, False, False),
    "policy_override": (None, True, False),
    "policy_soft_failed": ("failure", False, False),
    "policy_checked": (None, False, False),
    "confirmed": (None, False, True),
    "planned_and_saved": (None, True, False),
    "pre_apply_running": (None, False, True),
    "pre_apply_completed": (None, False, True),
    "queuing_apply": (None, False, True),
    "apply_queued": (None, False, True),
    "applying": (None, False, True),
    "post_apply_running": (None, False, True),
    "post_apply_completed": (None, False, True),
    "applied": ("success", False, True),
    "planned_and_finished": ("success", False, False),
    "discarded": ("failure", False, False),
    "errored": ("failure", False, False),
    "canceled": ("failure", False, False),
    "force_canceled": ("failure", False, False),
    "assessing": (None, False, False),
    "assessed": ("success", False, False),
}


def run(status, confirmable=False, **attributes):
    attributes.update({"status": status, "actions": {"is-confirmable": confirmable}})
    return {"id": "run-abcdefghijklmnop", "type": "runs", "attributes": attributes}


@pytest.mark.parametrize("status", sorted(CONTRACT_STATUSES))
def test_every_contract_status_is_classified(status):
    final, gate, apply_phase = CONTRACT_STATUSES[status]
    info = status_info(status)
    assert status in _statuses.STATUSES
    assert (info.final, info.human_gate, info.apply_phase) == (final, gate, apply_phase)


def test_table_has_no_status_outside_the_contract():
    assert set(_statuses.STATUSES) == set(CONTRACT_STATUSES)


def test_unknown_statuses_are_still_moving_except_awaiting_decisions():
    assert status_info("some_new_status").final is None
    assert not status_info("some_new_status").human_gate
    assert status_info("pre_apply_awaiting_decision").human_gate


def test_confirmation_is_read_from_actions_not_guessed_from_status():
    assert not plan_settled(run("cost_estimated", confirmable=False))
    assert plan_settled(run("cost_estimated", confirmable=True))
    assert plan_settled(run("policy_override"))
    assert plan_settled(run("apply_queued"))
    assert plan_settled(run("errored"))
    assert not plan_settled(run("planning"))
    assert is_final(run("force_canceled")) and not is_final_success(run("force_canceled"))
    assert is_final_success(run("planned_and_finished"))


# --- the waiter on a fake clock -------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def scripted_run(clock, timeline):
    """A fetch() whose run status follows ``timeline``: [(from_second, status), ...]."""
    def fetch():
        status = [s for start, s in timeline if clock.now >= start][-1]
        return run(status)
    return fetch


def waiter(clock):
    return Waiter(clock=clock, sleep=clock.sleep, rng=random.Random(3))


def test_a_20_second_run_is_seen_final_within_about_two_seconds():
    clock = FakeClock()
    outcome = waiter(clock).wait(scripted_run(clock, [(0, "planning"), (20, "applied")]), is_final, deadline=3600)
    assert outcome.value["attributes"]["status"] == "applied"
    assert not outcome.timed_out
    assert 20 <= outcome.elapsed <= 22.2  # at most a tenth of the wait (plus jitter) late
    assert outcome.polls <= 20


def test_a_long_quiet_run_is_polled_ever_more_slowly_up_to_the_cap():
    clock = FakeClock()
    outcome = waiter(clock).wait(scripted_run(clock, [(0, "applying"), (300, "applied")]), is_final, deadline=3600)
    assert 300 <= outcome.elapsed <= 311
    assert max(clock.sleeps) <= 11.0
    assert outcome.polls < 62  # a fixed 5-second poller spends 61
    assert all(s <= 1.1 for s in clock.sleeps[:9])


def test_status_changes_do_not_reset_the_interval():
    # They say nothing about when the run ends; resetting to 1 s made long runs cost twice as much.
    clock = FakeClock()
    timeline = [(0, "planning"), (120, "planned"), (125, "apply_queued"), (130, "applying"), (400, "applied")]
    waiter(clock).wait(scripted_run(clock, timeline), is_final, deadline=3600)
    stamps, total = [], 0.0
    for pause in clock.sleeps:
        total += pause
        stamps.append((total, pause))
    assert min(pause for at, pause in stamps if at >= 100) >= 9.0


def test_the_deadline_is_never_overslept_and_reports_a_timeout():
    clock = FakeClock()
    outcome = waiter(clock).wait(scripted_run(clock, [(0, "planning")]), is_final, deadline=45)
    assert outcome.timed_out
    assert clock.now == pytest.approx(45)
    assert outcome.value["attributes"]["status"] == "planning"


def test_first_value_saves_a_request_and_done_values_return_at_once():
    clock = FakeClock()
    calls = []
    outcome = waiter(clock).wait(lambda: calls.append(1), is_final, deadline=10, first=run("applied"))
    assert outcome.polls == 0 and calls == [] and clock.sleeps == []


def test_schedule_defaults_match_the_documented_policy():
    schedule = PollSchedule()
    assert [schedule.next_interval(waited) for waited in (0, 9, 20, 55, 100, 3000)] == [1, 1, 2, 5.5, 10, 10]


# --- lookups against a real local server ------------------------------------------------------------


def client_for(server):
    return TfeClient(server.url, "tok-runs-tests-7Hq2LmX9", limiter=RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000))


def test_workspace_by_name_is_looked_up_with_encoded_segments(server):
    server.queue(Reply(body={"data": {"id": "ws-1", "type": "workspaces", "attributes": {"name": "net prod"},
                                      "relationships": {"organization": {"data": {"id": "acme", "type": "organizations"}}}}}))
    workspace = get_workspace(client_for(server), organization="acme", name="net prod")
    assert server.requests[0].path == "/api/v2/organizations/acme/workspaces/net%20prod"
    assert workspace_summary(workspace) == {"id": "ws-1", "name": "net prod", "organization": "acme"}


def test_workspace_lookup_needs_an_id_or_both_names(server):
    with pytest.raises(ValueError):
        get_workspace(client_for(server), organization="acme")


def test_get_run_splits_included_plan_apply_and_workspace(server):
    server.queue(Reply(body={
        "data": {"id": "run-1", "type": "runs", "attributes": {"status": "planned"}, "relationships": {
            "plan": {"data": {"id": "plan-1", "type": "plans"}},
            "apply": {"data": {"id": "apply-1", "type": "applies"}},
            "workspace": {"data": {"id": "ws-1", "type": "workspaces"}}}},
        "included": [
            {"id": "plan-1", "type": "plans", "attributes": {"status": "finished", "resource-additions": 2}},
            {"id": "apply-1", "type": "applies", "attributes": {"status": "pending"}},
            {"id": "ws-1", "type": "workspaces", "attributes": {"name": "web"}}]}))
    view = get_run(client_for(server), "run-1")
    assert server.requests[0].query == {"include": "plan,apply,workspace"}
    assert view.status == "planned"
    assert view.plan["id"] == "plan-1" and view.apply["id"] == "apply-1" and view.workspace["id"] == "ws-1"


def test_log_tail_drops_framing_and_colours_and_never_fails_the_task(server):
    server.queue(Reply(raw=b"\x02Plan: 1 to add\n\x1b[31mError: boom\x1b[0m\n\x03", headers={"Content-Type": "text/plain"}))
    plan = {"attributes": {"log-read-url": server.url + "/_archivist/v1/object/s3cr3t"}}
    assert _logs.log_tail(client_for(server), plan, lines=1) == ["Error: boom"]
    server.queue(Reply(status=404))
    assert _logs.log_tail(client_for(server), plan) == []


# --- result shapes ------------------------------------------------------------------------------------


def test_snake_keys_is_recursive():
    assert snake_keys({"status-timestamps": {"planned-at": 1}, "a-b": [{"c-d": 2}]}) == \
        {"status_timestamps": {"planned_at": 1}, "a_b": [{"c_d": 2}]}


def test_run_result_has_id_web_url_and_hides_variable_values():
    workspace = {"id": "ws-1", "attributes": {"name": "web"},
                 "relationships": {"organization": {"data": {"id": "acme"}}}}
    result = run_result(run("applied", variables=[{"key": "password", "value": '"hunter2"'}]), workspace,
                        "https://tfe.example.com")
    assert result["id"] == "run-abcdefghijklmnop"
    assert result["web_url"] == "https://tfe.example.com/app/acme/workspaces/web/runs/run-abcdefghijklmnop"
    assert result["actions"] == {"is_confirmable": False}
    assert result["variables"] == ["password"]
    assert "hunter2" not in repr(result)


def test_phase_summary_never_contains_the_log_url():
    plan = {"id": "plan-1", "attributes": {"status": "finished", "log-read-url": "https://archivist/v1/object/s",
                                           "resource-additions": 1, "resource-changes": 0,
                                           "resource-destructions": 2, "resource-imports": 0, "has-changes": True,
                                           "status-timestamps": {"finished-at": "2026-01-01T00:00:00+00:00"}}}
    summary = phase_summary(plan)
    assert summary == {"id": "plan-1", "status": "finished", "resource_additions": 1, "resource_changes": 0,
                       "resource_destructions": 2, "resource_imports": 0, "has_changes": True,
                       "status_timestamps": {"finished_at": "2026-01-01T00:00:00+00:00"}}
    assert phase_summary(None) is None


@pytest.mark.parametrize("text, second, micro", [
    ("2021-05-24T07:38:04.171Z", 4, 171000),
    ("2021-05-24T07:38:04+00:00", 4, 0),
    ("2021-05-24T07:38:04.1234567+00:00", 4, 123456),
    ("2021-05-24T07:38:04", 4, 0),
])
def test_parse_timestamp_accepts_what_tfe_writes(text, second, micro):
    parsed = _timestamps.parse_timestamp(text)
    assert (parsed.second, parsed.microsecond, parsed.utcoffset().total_seconds()) == (second, micro, 0)


def test_parse_timestamp_of_garbage_is_none():
    assert _timestamps.parse_timestamp("yesterday") is None and _timestamps.parse_timestamp(None) is None


def test_phase_durations_of_an_applied_run():
    stamps = {"plan-queueable-at": "2026-01-01T00:00:00+00:00", "planning-at": "2026-01-01T00:00:05+00:00",
              "planned-at": "2026-01-01T00:00:35+00:00", "applying-at": "2026-01-01T00:01:00+00:00",
              "applied-at": "2026-01-01T00:02:30+00:00"}
    assert phase_durations(run("applied", **{"status-timestamps": stamps})) == \
        {"queued": 5.0, "plan": 30.0, "apply": 90.0, "total": 150.0}


def test_phase_durations_of_an_errored_plan_end_at_the_error():
    stamps = {"plan-queueable-at": "2026-01-01T00:00:00Z", "planning-at": "2026-01-01T00:00:02Z",
              "errored-at": "2026-01-01T00:00:12Z"}
    assert phase_durations(run("errored", **{"status-timestamps": stamps})) == \
        {"queued": 2.0, "plan": 10.0, "total": 12.0}


def test_phase_durations_of_a_pending_run_are_empty():
    assert phase_durations(run("pending", **{"status-timestamps": {}})) == {}
