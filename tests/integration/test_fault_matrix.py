# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fault matrix: every fault the simulator can inject, against every module it applies to.

Each cell is one real ansible-playbook run of one module task against a fresh simulator with the
fault armed. Whatever the fault, every cell holds the same promises (``assert_promises``): the task
succeeds with the right result or fails with a clear message, there is no traceback, no run is
ever queued twice, and the number of API requests stays bounded. The table of cells and what each
one showed is in docs/reliability.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import pytest

# A module's requests when nothing goes wrong are far below this; faults add their own (each fired
# fault is one more answer to retry) and the recovery of an ambiguous POST /runs adds its searches.
CLEAN_BUDGET = 25
RECOVERY_SEARCHES = 8  # a 10 s window searched every 2 s, per ambiguous POST
HISTORY = 450  # runs listed by tfe_admin_run_info: five pages


@dataclass
class Target:
    """One module, the state it acts on, and what its success looks like."""
    module: str
    role: str  # "user" or "admin": the token the task runs with
    setup: Callable[[Any], Dict[str, Any]]  # sim -> task arguments
    succeeded: Callable[[Any, Any, Dict[str, Any]], None]  # (result, sim, args) -> asserts the right result
    writes: bool = True
    # GETs let through before a fault acts: the first read gets the task going, except where it is the
    # only read (admin cancel uses the cancel's answer instead of reading the run again).
    reads_before_fault: int = 1


def runs_in(sim, workspace):
    return [run for run in sim.runs() if run["workspace_name"] == workspace]


def queue_run(sim):
    return {"organization": "acme", "workspace": "auto", "message": "fault matrix"}


def run_applied(result, sim, args):
    assert result["changed"] is True and result["run"]["status"] == "applied"
    assert [run["status"] for run in runs_in(sim, "auto")] == ["applied"]


def planned_run(workspace):
    def setup(sim):
        return {"run_id": sim.create_runs("acme/" + workspace, status="planned", stuck=False)[0]}
    return setup


def confirmed(result, sim, args):
    assert result["changed"] is True and result["run"]["status"] == "applied"
    assert sim.runs(workspace="acme/manual")[0]["status"] == "applied"


def discarded(result, sim, args):
    assert result["changed"] is True and result["action"] == "discard"
    assert result["run"]["status"] == "discarded"


def history(sim):
    sim.create_runs("acme/auto", status="applied", count=HISTORY)
    return {}


def listed(result, sim, args):
    ids = [run["id"] for run in result["runs"]]
    total = len(sim.runs())
    assert result["changed"] is False and result["total_count"] == total == len(ids) == len(set(ids))
    assert result["pages_fetched"] == math.ceil(total / 100)


def stuck_run(sim):
    return {"run_id": sim.create_runs("acme/stuck", status="planning")[0]}


def force_canceled(result, sim, args):
    assert result["changed"] is True and result["run"]["outcome"] == "canceled"
    assert result["run"]["status"] in ("canceled", "force_canceled")


TARGETS = {
    "tfe_run": Target("tfe_run", "user", queue_run, run_applied),
    "tfe_run_apply": Target("tfe_run_apply", "user", planned_run("manual"), confirmed),
    "tfe_run_cancel": Target("tfe_run_cancel", "user", planned_run("deny"), discarded),
    "tfe_admin_run_info": Target("tfe_admin_run_info", "admin", history, listed, writes=False),
    "tfe_admin_run_cancel": Target("tfe_admin_run_cancel", "admin", stuck_run, force_canceled, reads_before_fault=0),
}


@dataclass
class Fault:
    """A transient fault: ``reads`` of the module's GETs after its first, then ``writes`` of its POSTs."""
    name: str
    kind: str
    params: Dict[str, Any] = field(default_factory=dict)
    reads: int = 2
    writes: int = 1
    write_params: Dict[str, Any] = field(default_factory=dict)
    task_args: Dict[str, Any] = field(default_factory=dict)
    only: Optional[List[str]] = None  # the modules whose writes it applies to, when not all

    def arm(self, sim, target: Target) -> None:
        if self.reads:
            sim.add_fault(self.kind, method="GET", skip=target.reads_before_fault, count=self.reads, **self.params)
        if self.writes and target.writes and (self.only is None or target.module in self.only):
            sim.add_fault(self.kind, method="POST", count=self.writes, **dict(self.params, **self.write_params))


TRANSIENT = [
    Fault("429 with X-RateLimit-Reset only", "rate_limit", {"hint": "reset", "seconds": 1}, reads=3, writes=2),
    Fault("429 with Retry-After only", "rate_limit", {"hint": "retry_after", "seconds": 1}, reads=3, writes=2),
    Fault("429 with no hint", "rate_limit", {"hint": "none"}, reads=3, writes=2),
    Fault("502 burst", "server_error", {"status": 502}, reads=3),
    Fault("503 burst", "server_error", {"status": 503}, reads=3),
    Fault("504 burst", "server_error", {"status": 504}, reads=3),
    Fault("dropped connections", "drop", reads=2),
    # The write's answer is lost after TFE took it: the run exists, the action was done.
    Fault("answer lost after processing", "drop", {"after": True}, reads=1),
    Fault("server slower than timeout", "slow", {"seconds": 4}, reads=1, task_args={"timeout": 2}),
    Fault("truncated body", "bad_body", {"body": "truncated"}),
    # An empty 202 is the normal answer of an action, so an empty body only matters where a document
    # is due: reads, and the POST that creates the run.
    Fault("empty body", "bad_body", {"body": "empty"}, only=["tfe_run"]),
    Fault("HTML body", "bad_body", {"body": "html"}),
]


def play(ansible_for, sim, target: Target, args: Dict[str, Any]):
    """Run one task of ``target`` and return (its result, the whole ansible-playbook run)."""
    ansible = ansible_for(target.role)
    played = ansible.playbook([{"name": "cell", "tfe.runs." + target.module: args, "ignore_errors": True}])
    return played.task("cell"), played


def assert_promises(result, played, sim, target: Target, extra_requests: int = 0) -> None:
    """What holds in every cell, whatever the fault."""
    text = played.stdout + played.stderr + str(result.result)
    assert "Traceback" not in text and "module_stderr" not in result.result, played.output
    if result.failed:
        assert isinstance(result.get("msg"), str) and len(result["msg"]) > 20, result.result
    assert len(runs_in(sim, "auto")) <= (HISTORY + 1 if target.module.startswith("tfe_admin") else 1)
    fired = sum(fault["fired"] for fault in sim.faults())
    requests = [entry for entry in sim.request_log if entry["path"].startswith("/api/")]
    pages = math.ceil(HISTORY / 100) if target.module == "tfe_admin_run_info" else 0
    bound = CLEAN_BUDGET + pages + fired + extra_requests + (RECOVERY_SEARCHES * 3 if target.module == "tfe_run" else 0)
    assert len(requests) <= bound, "{0} requests for {1}: {2}".format(len(requests), target.module, requests)


@pytest.fixture
def ansible_for(ansible, admin_ansible):
    return {"user": ansible, "admin": admin_ansible}.get


CELLS = [(fault, name) for fault in TRANSIENT for name in TARGETS]


@pytest.mark.parametrize("fault, module", CELLS, ids=["{0} / {1}".format(f.name, m) for f, m in CELLS])
def test_transient_fault_is_survived(ansible_for, sim, fault: Fault, module: str):
    target = TARGETS[module]
    args = dict(target.setup(sim), **fault.task_args)
    fault.arm(sim, target)
    result, played = play(ansible_for, sim, target, args)
    assert not result.failed, "{0}\n{1}".format(result.result, sim.faults())
    target.succeeded(result, sim, args)
    assert any(f["fired"] for f in sim.faults()), "the fault never fired: the cell proved nothing"
    assert_promises(result, played, sim, target)


def test_control_row_without_faults(ansible_for, sim):
    """The matrix's baseline: each module succeeds with no fault, well within the clean budget."""
    for target in TARGETS.values():
        sim.clear_request_log()
        args = target.setup(sim)
        result, played = play(ansible_for, sim, target, args)
        assert not result.failed, played.output
        target.succeeded(result, sim, args)
        assert_promises(result, played, sim, target)


def test_created_then_503_adopts_the_run_instead_of_queueing_another(ansible_for, sim):
    target = TARGETS["tfe_run"]
    sim.add_fault("created_then_503")
    result, played = play(ansible_for, sim, target, queue_run(sim))
    assert not result.failed and result["recovered"] is True, played.output
    run_applied(result, sim, {})
    assert len([e for e in sim.request_log if e["method"] == "POST" and e["path"] == "/api/v2/runs"]) == 1
    assert_promises(result, played, sim, target)


# --- someone else acts on the run while the module works ----------------------------------------


def _someone_cancels_the_new_run(sim, args):
    # The run must still be going at the module's second read, however late a busy machine sends it.
    sim.set_workspace_knobs("acme/auto", durations={"applying": 600})
    sim.add_fault("someone_else", workspace="acme/auto", status="canceled", skip=1)


def _someone_cancels_during_the_apply(sim, args):
    sim.add_fault("someone_else", run=args["run_id"], status="canceled", skip=1)


def _someone_discards_first(sim, args):
    sim.add_fault("someone_else", run=args["run_id"], status="discarded")


def _someone_cancels_first(sim, args):
    sim.add_fault("someone_else", run=args["run_id"], status="canceled", in_seconds=0)


def _fails_saying(*words):
    def check(result, sim, args):
        assert result.failed and all(word in result["msg"] for word in words), result.result
        assert result["changed"] is True  # the module had queued or confirmed the run: that stays true
    return check


def _nothing_left_to_do(result, sim, args):
    assert not result.failed and result["changed"] is False, result.result


SOMEONE_ELSE = {
    "tfe_run": (_someone_cancels_the_new_run, _fails_saying("ended canceled")),
    "tfe_run_apply": (_someone_cancels_during_the_apply, _fails_saying("canceled")),
    "tfe_run_cancel": (_someone_discards_first, _nothing_left_to_do),
    "tfe_admin_run_cancel": (_someone_cancels_first, _nothing_left_to_do),
}


@pytest.mark.parametrize("module", sorted(SOMEONE_ELSE))
def test_someone_else_acts_on_the_run(ansible_for, sim, module):
    target = TARGETS[module]
    arm, check = SOMEONE_ELSE[module]
    args = target.setup(sim)
    arm(sim, args)
    result, played = play(ansible_for, sim, target, args)
    assert sim.faults()[0]["fired"], sim.faults()
    check(result, sim, args)
    assert_promises(result, played, sim, target)


# --- the token is revoked while the module works ------------------------------------------------

# How many of the role's requests pass before the revocation: past the POST for the writers, so the
# 401 comes while they wait; past the first page for the listing.
REVOKE_AFTER = {"tfe_run": 3, "tfe_run_apply": 2, "tfe_run_cancel": 2, "tfe_admin_run_info": 1,
                "tfe_admin_run_cancel": 1}


@pytest.mark.parametrize("module", sorted(REVOKE_AFTER))
def test_token_revoked_midway_fails_clearly_and_stops(ansible_for, sim, module):
    target = TARGETS[module]
    args = target.setup(sim)
    sim.add_fault("revoke_token", role=target.role, skip=REVOKE_AFTER[module])
    result, played = play(ansible_for, sim, target, args)
    assert result.failed, played.output
    assert "401" in result["msg"] and "token" in result["msg"].lower(), result["msg"]
    refused = [e for e in sim.request_log if e["status"] == 401]
    # A 401 is never retried: one refused request, except for the listing, whose other pages were
    # already on their way (at most one per worker, 4) when the first 401 came back.
    if module == "tfe_admin_run_info":
        assert 1 <= len(refused) <= 4, refused
    else:
        assert len(refused) == 1, refused
    assert_promises(result, played, sim, target)


# --- a server that deviates from the contract ---------------------------------------------------

# Installation knobs of the simulator that make it behave as real installations, proxies and old
# releases have been seen to: each module must stay correct (or fail clearly) and never loop.
DEVIATIONS = {
    "paging ignored, first page only": {"paging": "ignored_first_page"},
    "paging ignored, everything at once": {"paging": "ignored_everything"},
    "include ignored": {"ignore_include": True},
    "admin list hides final runs": {"admin_list_hides_final": True},
    "admin cancel answers an empty 200, list hides final runs": {"admin_cancel_answer": "empty",
                                                                 "admin_list_hides_final": True},
    "run actions answer 200 with the run": {"run_action_answer": "document_200"},
    "pending runs shown force-cancelable": {"pending_force_cancelable": True},
    "status filter ignored": {"ignore_status_filter": True},
}


def listed_first_page_only(result, sim, args):
    """A server that always sends the same 20 runs and no pagination: what it served, flagged incomplete."""
    assert result["changed"] is False and len(result["runs"]) == 20 and result["truncated"] is True
    assert any("incomplete" in warning for warning in result.get("warnings", [])), result.result


def listed_at_once(result, sim, args):
    """Everything on page 1, page 2 the same again: the whole list, two pages read, and a warning."""
    assert result["changed"] is False and len({run["id"] for run in result["runs"]}) == HISTORY
    assert result["pages_fetched"] == 2 and any("page[number]" in w for w in result.get("warnings", []))


def listed_nothing_final(result, sim, args):
    assert result["changed"] is False and result["runs"] == []  # every history run is final, hence hidden


def with_summaries(check):
    def checked(result, sim, args):
        check(result, sim, args)
        assert result["plan"] and result["plan"]["id"] and result["workspace"]["name"], result.result
    return checked


def canceled_unconfirmed(result, sim, args):
    assert result["changed"] is True and result["run"]["outcome"] == "canceled", result.result
    assert sim.runs(workspace="acme/stuck")[0]["status"] in ("canceled", "force_canceled")


EXPECTED = {
    ("paging ignored, first page only", "tfe_admin_run_info"): listed_first_page_only,
    ("paging ignored, everything at once", "tfe_admin_run_info"): listed_at_once,
    ("include ignored", "tfe_run"): with_summaries(run_applied),
    ("include ignored", "tfe_run_apply"): with_summaries(confirmed),
    ("admin list hides final runs", "tfe_admin_run_info"): listed_nothing_final,
    ("admin cancel answers an empty 200, list hides final runs", "tfe_admin_run_info"): listed_nothing_final,
    ("admin cancel answers an empty 200, list hides final runs", "tfe_admin_run_cancel"): canceled_unconfirmed,
}
DEVIATION_CELLS = [(name, module) for name in DEVIATIONS for module in TARGETS]


@pytest.mark.parametrize("deviation, module", DEVIATION_CELLS, ids=["{0} / {1}".format(d, m) for d, m in DEVIATION_CELLS])
def test_deviating_server(ansible_for, sim, deviation: str, module: str):
    target = TARGETS[module]
    args = target.setup(sim)
    sim.set_installation(**DEVIATIONS[deviation])
    result, played = play(ansible_for, sim, target, args)
    assert not result.failed, "{0}\n{1}".format(result.result, played.output)
    EXPECTED.get((deviation, module), target.succeeded)(result, sim, args)
    # Fetching what include= should have brought costs one request per missing resource.
    assert_promises(result, played, sim, target, extra_requests=3)


def test_a_pending_run_shown_force_cancelable_is_stopped_with_force(ansible_for, sim):
    """A server showing is-force-cancelable on a run nobody canceled: the run is still stopped the normal way."""
    sim.set_installation(pending_force_cancelable=True)
    target = TARGETS["tfe_run_cancel"]
    run_id = sim.create_runs("acme/queue", status="pending", stuck=True)[0]
    result, played = play(ansible_for, sim, target, {"run_id": run_id, "force": True, "wait_timeout": 60})
    assert not result.failed, played.output
    assert result["changed"] is True and result["action"] in ("discard", "cancel")
    assert result["run"]["status"] in ("discarded", "canceled")
    assert_promises(result, played, sim, target)


def test_an_ignored_status_filter_is_applied_on_the_client(ansible_for, sim):
    sim.set_installation(ignore_status_filter=True)
    target = TARGETS["tfe_admin_run_info"]
    history(sim)
    planning = sim.create_runs("acme/stuck", status="planning")
    result, played = play(ansible_for, sim, target, {"status": ["planning"]})
    assert not result.failed, played.output
    assert [run["id"] for run in result["runs"]] == planning and result["total_count"] == 1
    assert any("status filter" in warning for warning in result.get("warnings", [])), result.result
    assert_promises(result, played, sim, target)
