# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tfe_run_info, a normal user reading one run or listing runs, through ansible-playbook and ad-hoc
ansible against the simulator.

Every listing task runs with a token of its own (``Play``), so the simulator's request log tells
exactly which requests a task sent: the filters are checked both in the runs a task returned and in
the query parameters it sent, and "fails before any request" means no request at all with its token.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Set

import pytest

from conftest import TOKENS  # pylint: disable=import-error
from fleet_harness import LIMITS  # pylint: disable=import-error

MODULE = "tfe.runs.tfe_run_info"
RUN_LISTS = re.compile(r"^/api/v2/(workspaces/[^/]+|organizations/[^/]+)/runs$")
ALL_OPERATIONS = {"plan_only", "plan_and_apply", "save_plan", "refresh_only", "destroy", "empty_apply", "action_only"}
HOUR = 3600
DAY = 24 * HOUR
ALICE_SHA = "4f2a9c1e0b7d"

# The history of acme/manual, oldest batch first: (batch, status, count, age in seconds, create_runs extras).
MANUAL = (
    ("old", "applied", 3, 3 * DAY, {}),
    ("rotate", "errored", 2, 5 * HOUR, {"attributes": {"source": "tfe-ui", "message": "Rotate the keys"}}),
    ("plan_only", "planned_and_finished", 2, 4 * HOUR, {"attributes": {"plan-only": True}}),
    ("destroy", "applied", 1, 3 * HOUR, {"attributes": {"is-destroy": True}}),
    ("alice", "applied", 2, 2 * HOUR, {"created_by": "alice", "commit_sha": ALICE_SHA,
                                       "commit_message": "Add the cache"}),
    ("bob", "applied", 1, 90 * 60, {"created_by": "bob"}),
    ("planning", "planning", 1, HOUR, {}),  # stuck there: not final, not discardable
    ("planned", "planned", 1, 30 * 60, {}),  # stuck there: waiting for confirmation, discardable
)
MANUAL_BATCHES = tuple(batch[0] for batch in MANUAL)
MANUAL_FINAL = tuple(name for name in MANUAL_BATCHES if name not in ("planning", "planned"))


@dataclass
class History:
    """The seeded runs by batch; batches were created oldest first, each batch oldest first."""

    batches: Dict[str, List[str]]
    now: float

    def ids(self, *names: str) -> Set[str]:
        return {run_id for name in names for run_id in self.batches[name]}

    def newest_first(self, *names: str) -> List[str]:
        return [run_id for name in reversed(list(self.batches)) if name in names
                for run_id in reversed(self.batches[name])]

    @property
    def manual(self) -> List[str]:
        return self.newest_first(*MANUAL_BATCHES)


def seed_history(sim, auto_runs: int = 4) -> History:
    """13 runs of every kind in acme/manual, ``auto_runs`` in acme/auto, 2 in globex (out of the user's sight)."""
    now = time.time()
    batches = {}
    for name, status, count, age, extras in MANUAL:
        batches[name] = sim.create_runs("acme/manual", status=status, count=count, created_at=now - age, **extras)
    batches["auto"] = sim.create_runs("acme/auto", status="applied", count=auto_runs, created_at=now - 20 * 60 - auto_runs,
                                      spacing_seconds=1)
    batches["globex"] = sim.create_runs("globex/billing", status="applied", count=2, created_at=now - 10 * 60)
    return History(batches, now)


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Play:
    """One playbook of tfe_run_info tasks, each with a token of its own (a user of acme of its own):
    the request log then says which requests each task sent, and no task waits for another's share
    of the client-side run-list budget."""

    def __init__(self, sim) -> None:
        self.sim = sim
        self.tasks: List[Dict[str, Any]] = []
        self.roles: Dict[str, str] = {}
        self.played = None

    def add(self, name: str, check_mode: bool = False, **args: Any) -> "Play":
        role = "task{0}".format(len(self.tasks) + 1)
        self.roles[name] = role
        args["tfe_token"] = self.sim.add_token(role, "user", organizations=["acme"])
        task = {"name": name, MODULE: args, "ignore_errors": True}
        if check_mode:
            task["check_mode"] = True
        self.tasks.append(task)
        return self

    def run(self, ansible) -> "Play":
        self.played = ansible.playbook(self.tasks)
        return self

    def ok(self, name: str):
        """The result of a task that must have succeeded, as an info module does: unchanged."""
        result = self.played.task(name)
        assert not result.failed, "{0}: {1}".format(name, result.result)
        assert result["changed"] is False, result.result
        return result

    def refused(self, name: str):
        """The result of a task that must have failed with a message, not a traceback."""
        result = self.played.task(name)
        assert result.failed, "{0} should have failed: {1}".format(name, result.result)
        assert result.get("msg") and "Traceback" not in result["msg"], result.result
        assert "module_stderr" not in result.result and "Traceback" not in json.dumps(result.result), result.result
        # ansible-core 2.19+ adds this placeholder to every fail_json; a real traceback would replace it.
        assert result.get("exception", "(traceback unavailable)") == "(traceback unavailable)", result.result
        return result

    def requests(self, name: str) -> List[Dict[str, Any]]:
        role = self.roles[name]
        return [entry for entry in self.sim.request_log if entry["token_role"] == role]

    def list_requests(self, name: str) -> List[Dict[str, Any]]:
        return [entry for entry in self.requests(name) if RUN_LISTS.match(entry["path"])]

    def sent(self, name: str, parameter: str) -> List[Optional[str]]:
        """The value of ``parameter`` in each run-list request of the task (None where it was absent)."""
        sent = [entry["query"].get(parameter) for entry in self.list_requests(name)]
        assert sent, "{0} sent no run-list request".format(name)
        return sent

    def sent_set(self, name: str, parameter: str) -> Set[str]:
        """The comma list ``parameter`` of the task's run-list requests, as a set; the same in every request."""
        values = {frozenset((value or "").split(",")) for value in self.sent(name, parameter)}
        assert len(values) == 1, values
        return set(values.pop())


def ids(result) -> List[str]:
    return [run["id"] for run in result["runs"]]


def workspace_id(sim, name: str) -> str:
    return sim.workspace("acme/" + name)["id"]


def warned(result, word: str) -> bool:
    return any(word in warning.lower() for warning in result.get("warnings") or [])


# --- one run ----------------------------------------------------------------------------------


def test_one_run_with_its_workspace_plan_apply_and_durations(ansible, sim):
    history = seed_history(sim)
    run_id = history.newest_first("alice")[0]
    play = Play(sim).add("read", run_id=run_id).add("read in check mode", check_mode=True, run_id=run_id)
    play.add("missing", run_id="run-DoesNotExist0001").run(ansible)

    read = play.ok("read")
    run = read["run"]
    assert run["id"] == run_id and run["status"] == "applied" and run["plan_only"] is False
    assert run["web_url"] == "{0}/app/acme/workspaces/manual/runs/{1}".format(sim.url, run_id)
    assert run["status_timestamps"]["applied_at"] and run["actions"]["is_confirmable"] is False
    assert read["workspace"] == {"id": workspace_id(sim, "manual"), "name": "manual", "organization": "acme"}
    assert read["plan"]["id"].startswith("plan-") and read["plan"]["resource_additions"] == 1
    assert read["apply"]["id"].startswith("apply-") and read["apply"]["status"] == "finished"
    assert set(read["phase_durations"]) >= {"plan", "apply", "total"}
    check = play.ok("read in check mode")
    assert {key: check[key] for key in ("run", "workspace", "plan", "apply")} == \
        {key: read[key] for key in ("run", "workspace", "plan", "apply")}

    missing = play.refused("missing")
    assert missing["msg"].startswith("Failed to read run run-DoesNotExist0001:"), missing["msg"]
    assert "404" in missing["msg"] and "not exist" in missing["msg"] and "access" in missing["msg"], missing["msg"]
    assert missing["status_code"] == 404
    assert "Traceback" not in play.played.stdout + play.played.stderr


# --- listings and their filters ---------------------------------------------------------------


def test_a_workspace_by_name_or_id_lists_every_operation_newest_first(ansible, sim):
    history = seed_history(sim)
    play = Play(sim).add("by name", organization="acme", workspace="manual")
    play.add("by id", workspace_id=workspace_id(sim, "manual"))
    play.add("by name in check mode", check_mode=True, organization="acme", workspace="manual")
    play.add("destroy runs", organization="acme", workspace="manual", operation=["destroy"])
    play.add("plan-only runs", organization="acme", workspace="manual", operation=["plan_only"]).run(ansible)

    by_name = play.ok("by name")
    assert ids(by_name) == history.manual  # plan-only runs too, which the API hides by default
    assert by_name["total_count"] == 13 and by_name["truncated"] is False and by_name["pages_fetched"] == 1
    assert by_name["status_counts"] is None  # the simulator's workspace run list reports none
    assert play.sent_set("by name", "filter[operation]") == ALL_OPERATIONS
    first = by_name["runs"][0]
    assert first["workspace"] == {"id": workspace_id(sim, "manual"), "name": "manual", "organization": "acme"}
    assert first["web_url"] == "{0}/app/acme/workspaces/manual/runs/{1}".format(sim.url, first["id"])
    assert first["status"] == "planned" and first["actions"]["is_confirmable"] is True
    assert "status_timestamps" in first and "plan_only" in first
    assert play.ok("by id")["runs"] == by_name["runs"]
    assert play.ok("by name in check mode")["runs"] == by_name["runs"]

    assert ids(play.ok("destroy runs")) == history.newest_first("destroy")
    assert play.sent_set("destroy runs", "filter[operation]") == {"destroy"}
    assert ids(play.ok("plan-only runs")) == history.newest_first("plan_only")
    assert play.sent_set("plan-only runs", "filter[operation]") == {"plan_only"}


def test_status_and_status_group_filters(ansible, sim):
    history = seed_history(sim)
    cases = {
        "errored": ({"status": ["errored"]}, ("rotate",), ("filter[status]", {"errored"})),
        "two statuses": ({"status": ["planned", "planning"]}, ("planning", "planned"),
                         ("filter[status]", {"planned", "planning"})),
        "final": ({"status_group": "final"}, MANUAL_FINAL, ("filter[status_group]", {"final"})),
        "non final": ({"status_group": "non_final"}, ("planning", "planned"), ("filter[status_group]", {"non_final"})),
        "discardable": ({"status_group": "discardable"}, ("planned",), ("filter[status_group]", {"discardable"})),
    }
    assert_filter_cases(ansible, sim, history, cases)


def test_source_searches_and_creation_times(ansible, sim):
    history = seed_history(sim)
    cases = {
        "from the UI": ({"source": ["tfe-ui"]}, ("rotate",), ("filter[source]", {"tfe-ui"})),
        "message search": ({"search": "rotate the"}, ("rotate",), ("search[basic]", {"rotate the"})),
        "by bob": ({"user": "bob"}, ("bob",), ("search[user]", {"bob"})),
        "by commit": ({"commit": ALICE_SHA[:6]}, ("alice",), ("search[commit]", {ALICE_SHA[:6]})),
        "newer than two days": ({"created_after": "2d"}, MANUAL_BATCHES[1:], None),
        "older than two days": ({"created_before": "2d"}, ("old",), None),
        "between two times": ({"created_after": iso(history.now - 4 * DAY), "created_before": iso(history.now - 4.5 * HOUR)},
                              ("old", "rotate"), None),
    }
    assert_filter_cases(ansible, sim, history, cases)


def assert_filter_cases(ansible, sim, history, cases) -> None:
    """Each case lists acme/manual with its filter: exactly its batches come back, newest first,
    and (where the API has the filter; the run lists have none for dates) every run-list request
    carried the parameter."""
    play = Play(sim)
    for name, (args, _batches, _sent) in cases.items():
        play.add(name, organization="acme", workspace="manual", **args)
    play.run(ansible)
    for name, (_args, batches, sent) in cases.items():
        result = play.ok(name)
        assert ids(result) == history.newest_first(*batches), name
        if sent:
            parameter, value = sent
            assert play.sent_set(name, parameter) == value, name


def test_the_organization_lists_its_workspaces_runs(ansible, sim):
    history = seed_history(sim)
    play = Play(sim).add("acme", organization="acme")
    play.add("auto only", organization="acme", workspace_names=["auto"])
    play.add("errored in manual", organization="acme", workspace_names=["manual"], status=["errored"]).run(ansible)

    everything = play.ok("acme")
    assert set(ids(everything)) == history.ids(*MANUAL_BATCHES, "auto") and len(everything["runs"]) == 17
    assert everything["total_count"] is None and everything["truncated"] is False
    names = {run["id"]: run["workspace"]["name"] for run in everything["runs"]}
    assert {names[run_id] for run_id in history.ids("auto")} == {"auto"}
    assert {names[run_id] for run_id in history.ids(*MANUAL_BATCHES)} == {"manual"}
    assert all(run["workspace"]["organization"] == "acme" for run in everything["runs"])
    assert {entry["path"] for entry in play.list_requests("acme")} == {"/api/v2/organizations/acme/runs"}
    assert play.sent_set("acme", "filter[operation]") == ALL_OPERATIONS

    assert ids(play.ok("auto only")) == history.newest_first("auto")
    assert play.sent_set("auto only", "filter[workspace_names]") == {"auto"}
    assert ids(play.ok("errored in manual")) == history.newest_first("rotate")


# --- limit, pages and counts ------------------------------------------------------------------


@dataclass
class Expected:
    runs: int
    truncated: bool
    requests: int


def test_limit_reads_only_the_pages_it_needs(ansible, sim):
    history = seed_history(sim)
    manual = {"organization": "acme", "workspace": "manual"}
    cases = {
        "limit 5": ({"limit": 5}, Expected(5, True, 1)),
        "limit 5 in pages of 2": ({"limit": 5, "page_size": 2}, Expected(5, True, 3)),
        "limit 12 in pages of 5": ({"limit": 12, "page_size": 5}, Expected(12, True, 3)),
        "all 13 in pages of 5": ({"limit": 13, "page_size": 5}, Expected(13, False, 3)),
        "the default limit in pages of 3": ({"page_size": 3}, Expected(13, False, 5)),
    }
    play = Play(sim)
    for name, (args, _expected) in cases.items():
        play.add(name, **manual, **args)
    play.add("organization limit 5", organization="acme", limit=5).run(ansible)
    for name, (args, expected) in cases.items():
        result = play.ok(name)
        assert ids(result) == history.manual[:expected.runs], name
        assert (result["truncated"], result["pages_fetched"], len(play.list_requests(name))) == \
            (expected.truncated, expected.requests, expected.requests), name
        assert set(play.sent(name, "page[size]")) == {str(args.get("page_size", 100))}, name
    organization = play.ok("organization limit 5")
    assert len(organization["runs"]) == 5 and organization["truncated"] is True
    assert len(play.list_requests("organization limit 5")) == 1


def test_limit_zero_counts_in_one_request(ansible, sim):
    seed_history(sim)
    play = Play(sim).add("count", organization="acme", workspace="manual", limit=0)
    play.add("count errored", workspace_id=workspace_id(sim, "manual"), status=["errored"], limit=0)
    play.add("count none", organization="acme", workspace="manual", status=["canceled"], limit=0)
    play.add("count the organization", organization="acme", limit=0).run(ansible)
    for name, total in (("count", 13), ("count errored", 2), ("count none", 0), ("count the organization", None)):
        result = play.ok(name)
        assert result["runs"] == [] and result["total_count"] == total, name
        assert result["truncated"] is (total != 0), name  # runs matched but none is returned (acme has some)
        assert len(play.list_requests(name)) == 1 == result["pages_fetched"], name


def test_fields_project_each_run(ansible, sim):
    history = seed_history(sim)
    fields = ["created_at", "message", "source", "status_timestamps", "web_url", "force_cancel_available_at"]
    play = Play(sim).add("projected", organization="acme", workspace="manual", status=["errored"], fields=fields)
    play.add("projected organization", organization="acme", fields=["created_at"], limit=3).run(ansible)

    created = {run["id"]: run["created_at"] for run in sim.runs()}
    projected = play.ok("projected")
    assert ids(projected) == history.newest_first("rotate")
    for run in projected["runs"]:
        assert set(run) == {"id", "status", "workspace"} | set(fields), sorted(run)
        assert (run["status"], run["message"], run["source"]) == ("errored", "Rotate the keys", "tfe-ui")
        assert run["created_at"] == created[run["id"]] and run["status_timestamps"]["errored_at"]
        assert run["web_url"] == "{0}/app/acme/workspaces/manual/runs/{1}".format(sim.url, run["id"])
        assert run["force_cancel_available_at"] is None  # a field the run does not have
        assert run["workspace"] == {"id": workspace_id(sim, "manual"), "name": "manual", "organization": "acme"}
    for run in play.ok("projected organization")["runs"]:
        assert set(run) == {"id", "status", "workspace", "created_at"} and run["workspace"]["name"] == "auto"


# --- bad input --------------------------------------------------------------------------------


def test_bad_arguments_fail_before_any_request(ansible, sim):
    manual_id = workspace_id(sim, "manual")
    cases = {
        "unknown status": ({"organization": "acme", "workspace": "manual", "status": ["applied", "bogus_status"]},
                           ("bogus_status", "planned_and_finished")),
        "unknown status group": ({"organization": "acme", "status_group": "stuck"}, ("status_group",)),
        "unknown operation": ({"organization": "acme", "operation": ["apply_everything"]}, ("operation",)),
        "workspace names with a workspace": ({"organization": "acme", "workspace": "manual",
                                              "workspace_names": ["auto"]}, ("workspace_names",)),
        "workspace names with a workspace id": ({"workspace_id": manual_id, "workspace_names": ["auto"]},
                                                ("workspace_names",)),
        "run id with a listing": ({"run_id": "run-DoesNotExist0001", "workspace_id": manual_id}, ("run_id",)),
        "workspace id with an organization": ({"workspace_id": manual_id, "organization": "acme"}, ("workspace_id",)),
        "workspace without organization": ({"workspace": "manual"}, ("organization",)),
        "dates the wrong way round": ({"organization": "acme", "created_after": "1h", "created_before": "3d"},
                                      ("created_after",)),
        "page size above 100": ({"organization": "acme", "page_size": 101}, ("page_size",)),
        "nothing to read": ({}, ("run_id",)),
    }
    play = Play(sim)
    for name, (args, _words) in cases.items():
        play.add(name, **args)
    play.run(ansible)
    for name, (_args, words) in cases.items():
        refused = play.refused(name)
        assert all(word in refused["msg"] for word in words), (name, refused["msg"])
        assert play.requests(name) == [], name


# --- the way people try it, at scale, and against servers that deviate ------------------------


def test_adhoc_listing_with_the_token_in_the_environment(ansible, sim):
    history = seed_history(sim)
    adhoc = ansible.adhoc(MODULE, "organization=acme workspace=manual status=errored fields=created_at,source")
    assert adhoc.rc == 0, adhoc.output
    result = adhoc.results[0]
    assert [run["id"] for run in result["runs"]] == history.newest_first("rotate")
    assert {run["source"] for run in result["runs"]} == {"tfe-ui"}
    assert set(result["runs"][0]) == {"id", "status", "workspace", "created_at", "source"}
    assert TOKENS["user"] not in adhoc.stdout + adhoc.stderr


def test_thousands_of_runs_under_the_real_run_list_limit(ansible, sim):
    """2,500 runs are 25 pages of 100 from a list TFE allows 30 times a minute: every run once, no 429."""
    runs = sim.create_runs("acme/auto", status="applied", count=2500, created_at=time.time() - 2500 * 60)
    sim.set_installation(**LIMITS)
    play = Play(sim).add("everything", organization="acme", workspace="auto", limit=3000, fields=["created_at"])
    play.run(ansible)
    result = play.ok("everything")
    assert len(result["runs"]) == 2500 and set(ids(result)) == set(runs) and ids(result) == list(reversed(runs))
    assert result["total_count"] == 2500 and result["truncated"] is False and result["pages_fetched"] == 25
    listed = play.list_requests("everything")
    assert [entry["status"] for entry in listed] == [200] * 25, sorted({entry["status"] for entry in listed})
    assert sim.stats()["rate_limited"] == 0, sim.stats()


# What each deviation serves, whatever the page asked for: everything, or the 20 newest runs.
PAGING = {"ignored_everything": None, "ignored_first_page": 20}


@pytest.mark.parametrize("paging", sorted(PAGING))
def test_a_server_that_ignores_paging_ends_the_listing_with_a_warning(ansible, sim, paging):
    history = seed_history(sim, auto_runs=30)
    sim.set_installation(paging=paging)
    play = Play(sim).add("workspace", organization="acme", workspace="auto", page_size=10)
    play.add("organization", organization="acme", page_size=10).run(ansible)
    newest = {"workspace": history.newest_first("auto"), "organization": history.newest_first(*MANUAL_BATCHES, "auto")}
    for name, runs in newest.items():
        result = play.ok(name)
        assert ids(result) == runs[:PAGING[paging]], name
        # Page 2 brings nothing new: that ends the walk, with a word about it.
        assert result["pages_fetched"] == 2 == len(play.list_requests(name)), name
        assert warned(result, "incomplete"), (name, result.get("warnings"))
