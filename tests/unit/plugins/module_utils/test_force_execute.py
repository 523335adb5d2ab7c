# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""force_execute sends its POST only when the contract's three conditions hold, against a real local
server: the run pending, its workspace locked by another run, that run discardable."""

from __future__ import annotations

import pytest

from ansible_collections.tfe.runs.plugins.module_utils._budget import RateLimiter
from ansible_collections.tfe.runs.plugins.module_utils._client import RetryPolicy, TfeClient
from ansible_collections.tfe.runs.plugins.module_utils._errors import TfeHttpError
from ansible_collections.tfe.runs.plugins.module_utils._force_execute import force_execute
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

WS = "ws-AAAAAAAAAAAAAAAA"


def client_for(server, retries=0):
    return TfeClient(server.url, "tok-force-Lk3Pq8Zr2Vw", retry=RetryPolicy(max_retries=retries, backoff_base=0.01),
                     limiter=RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000))


def run(run_id, status, discardable=False):
    return {"id": run_id, "type": "runs",
            "attributes": {"status": status, "actions": {"is-discardable": discardable}}}


def workspace(holder=None, relationship="locked-by"):
    relationships = {relationship: {"data": holder}}
    return Reply(body={"data": {"id": WS, "type": "workspaces", "relationships": relationships}})


def run_reply(run_id, status, discardable=False):
    return Reply(body={"data": run(run_id, status, discardable)})


def posted(server):
    return [r.path for r in server.requests if r.method == "POST"]


def test_a_pending_run_behind_a_discardable_one_is_started_and_the_holder_named(server):
    server.queue(workspace({"type": "runs", "id": "run-A"}), run_reply("run-A", "planned", True),
                 Reply(status=202, raw=b""), run_reply("run-A", "discarded"))
    done = force_execute(client_for(server), run("run-B", "pending"), WS, check_mode=False)
    assert done.report() == {"executed": True, "discarded_run_id": "run-A", "discarded_run_status": "discarded",
                             "reason": None}
    assert posted(server) == ["/api/v2/runs/run-B/actions/force-execute"]


def test_check_mode_reads_and_names_the_holder_but_sends_nothing(server):
    server.queue(workspace({"type": "runs", "id": "run-A"}), run_reply("run-A", "policy_override", True))
    done = force_execute(client_for(server), None, WS, check_mode=True)  # the run check mode would queue
    assert (done.executed, done.discarded_run_id, done.discarded_run_status) == (True, "run-A", "policy_override")
    assert posted(server) == []


@pytest.mark.parametrize("status", ["plan_queued", "planning", "planned", "applied", "discarded"])
def test_a_run_that_no_longer_waits_is_left_alone_without_a_request(server, status):
    done = force_execute(client_for(server), run("run-B", status), WS, check_mode=False)
    assert not done.executed and not done.warn and status in done.reason
    assert server.requests == []


@pytest.mark.parametrize("holder", [None, {"type": "runs", "id": "run-B"}])
def test_no_other_holder_means_nothing_to_do(server, holder):
    server.queue(workspace(holder))
    done = force_execute(client_for(server), run("run-B", "pending"), WS, check_mode=False)
    assert not done.executed and not done.warn and "no other run holds" in done.reason
    assert posted(server) == []


def test_an_older_release_naming_only_the_current_run_is_understood(server):
    server.queue(workspace({"type": "runs", "id": "run-A"}, relationship="current-run"),
                 run_reply("run-A", "cost_estimated", True), Reply(status=202, raw=b""), run_reply("run-A", "discarded"))
    assert force_execute(client_for(server), run("run-B", "pending"), WS, check_mode=False).executed


def test_a_holder_that_cannot_be_discarded_is_a_warning_not_a_request(server):
    server.queue(workspace({"type": "runs", "id": "run-A"}), run_reply("run-A", "applying"))
    done = force_execute(client_for(server), run("run-B", "pending"), WS, check_mode=False)
    assert not done.executed and done.warn and "run-A" in done.reason and "applying" in done.reason
    assert posted(server) == []


def test_a_user_lock_is_a_warning(server):
    server.queue(workspace({"type": "users", "id": "user-Z"}))
    done = force_execute(client_for(server), run("run-B", "pending"), WS, check_mode=False)
    assert not done.executed and done.warn and "users user-Z" in done.reason
    assert len(server.requests) == 1


def test_refused_while_still_pending_is_an_error(server):
    server.queue(workspace({"type": "runs", "id": "run-A"}), run_reply("run-A", "planned", True),
                 Reply(status=409, body={"errors": [{"status": "409", "title": "not discardable"}]}),
                 run_reply("run-B", "pending"))
    with pytest.raises(TfeHttpError) as raised:
        force_execute(client_for(server), run("run-B", "pending"), WS, check_mode=False)
    assert raised.value.status == 409


def test_refused_because_the_run_started_meanwhile_is_no_change(server):
    server.queue(workspace({"type": "runs", "id": "run-A"}), run_reply("run-A", "planned", True),
                 Reply(status=403, body={"errors": [{"status": 403, "title": "Run is not pending."}]}),
                 run_reply("run-B", "planning"), run_reply("run-A", "applied"))
    done = force_execute(client_for(server), run("run-B", "pending"), WS, check_mode=False)
    assert not done.executed and "started meanwhile (planning)" in done.reason
    assert done.discarded_run_status == "applied"


def test_a_lost_answer_then_403_to_the_repeat_counts_as_ours(server):
    server.queue(workspace({"type": "runs", "id": "run-A"}), run_reply("run-A", "planned", True),
                 Reply(drop=True), Reply(status=403, body={"errors": [{"status": "403", "title": "Run is not pending."}]}),
                 run_reply("run-B", "plan_queued"), run_reply("run-A", "discarded"))
    done = force_execute(client_for(server, retries=1), run("run-B", "pending"), WS, check_mode=False)
    assert done.executed and done.reason is None and done.discarded_run_status == "discarded"
