"""Contract sections 5.3 and 5.4: the organization run list (every workspace's runs, newest first,
the last year by default, pagination without totals) and the filters and searches it shares
with the workspace run list (filter[source], filter[timeframe], filter[agent_pool_names],
search[user], search[commit], search[basic])."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import Api, error_of
from tfesim import Simulator

ORG_LIST = "/api/v2/organizations/acme/runs"
WS_LIST = "/api/v2/workspaces/ws-Manual0000000001/runs"
DAY = 86400


def ids(response):
    """The run IDs of a list answer."""
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def recent(days_ago: float) -> float:
    """An epoch time ``days_ago`` days before now (the simulator clock starts at the wall clock)."""
    return time.time() - days_ago * DAY


def test_5_4_lists_every_workspace_of_the_org_newest_first(sim, api):
    """Contract 5.4: runs of all the organization's workspaces, newest first; other organizations' runs never."""
    manual = sim.create_runs("acme/manual", status="applied", created_at=recent(3))[0]
    auto = sim.create_runs("acme/auto", status="applied", created_at=recent(2))[0]
    soft = sim.create_runs("acme/soft", status="policy_override", created_at=recent(1))[0]
    sim.create_runs("globex/secret", status="applied", created_at=recent(1))
    assert ids(api.get(ORG_LIST)) == [soft, auto, manual]
    assert ids(api.get("/api/v2/organizations/ACME/runs")) == [soft, auto, manual]  # names compare case-insensitively


def test_5_4_pagination_has_no_totals_and_no_first_or_last(sim, api):
    """Contract 5.4/7.1: meta.pagination holds current/next/prev page and size only; links self, prev, next."""
    created = sim.create_runs("acme/manual", status="applied", count=45, created_at=recent(10), spacing_seconds=600)
    body = api.get(ORG_LIST, params={"page[size]": "20", "page[number]": "2"}).json()
    assert [item["id"] for item in body["data"]] == list(reversed(created))[20:40]
    assert body["meta"]["pagination"] == {"current-page": 2, "page-size": 20, "prev-page": 1, "next-page": 3}
    assert set(body["links"]) == {"self", "prev", "next"}
    assert parse_qs(urlsplit(body["links"]["next"]).query)["page[number]"] == ["3"]
    last = api.get(ORG_LIST, params={"page[size]": "20", "page[number]": "3"}).json()
    assert len(last["data"]) == 5 and last["meta"]["pagination"]["next-page"] is None and last["links"]["next"] is None


def test_5_4_default_timeframe_is_the_last_year(sim, api):
    """Contract 5.4: without filter[timeframe] only runs of the last year; `year`, a year number, or nothing else."""
    old = sim.create_runs("acme/manual", status="applied", created_at="2020-06-01T00:00:00Z")[0]
    new = sim.create_runs("acme/manual", status="applied", created_at=recent(5))[0]
    assert ids(api.get(ORG_LIST)) == [new]
    assert ids(api.get(ORG_LIST, params={"filter[timeframe]": "year"})) == [new]
    assert ids(api.get(ORG_LIST, params={"filter[timeframe]": "2020"})) == [old]
    assert ids(api.get(ORG_LIST, params={"filter[timeframe]": "2019"})) == []
    assert ids(api.get(ORG_LIST, params={"filter[timeframe]": "forever"})) == []  # an unknown value is an empty set
    assert ids(api.get(ORG_LIST, params={"filter[timeframe]": "0000"})) == []
    # The workspace list has no default timeframe (contract 5.3) but honours the filter.
    assert ids(api.get(WS_LIST)) == [new, old]
    assert ids(api.get(WS_LIST, params={"filter[timeframe]": "2020"})) == [old]


def test_5_4_filter_workspace_names(sim, api):
    """Contract 5.4: filter[workspace_names] (comma list) narrows to those workspaces; unknown names match nothing."""
    manual = sim.create_runs("acme/manual", status="applied", created_at=recent(2))[0]
    auto = sim.create_runs("acme/auto", status="applied", created_at=recent(1))[0]
    sim.create_runs("acme/soft", status="applied", created_at=recent(1))
    assert ids(api.get(ORG_LIST, params={"filter[workspace_names]": "manual,auto"})) == [auto, manual]
    assert ids(api.get(ORG_LIST, params={"filter[workspace_names]": "nope"})) == []


@pytest.mark.parametrize("path", [ORG_LIST, WS_LIST])
def test_5_3_filters_shared_by_both_lists(sim, api, path):
    """Contract 5.3/5.4: filter[status], filter[status_group], filter[operation], filter[source] and
    filter[agent_pool_names] act the same on the workspace and the organization list."""
    applied = sim.create_runs("acme/manual", status="applied", created_at=recent(3),
                              attributes={"source": "tfe-ui"})[0]
    planned = sim.create_runs("acme/manual", status="planned", created_at=recent(2))[0]
    speculative = sim.create_runs("acme/manual", status="planned_and_finished", created_at=recent(1),
                                  attributes={"plan-only": True, "source": "tfe-configuration-version"})[0]
    assert ids(api.get(path)) == [planned, applied]  # plan-only hidden by default
    assert ids(api.get(path, params={"filter[operation]": "plan_only"})) == [speculative]
    assert ids(api.get(path, params={"filter[status]": "applied,planned"})) == [planned, applied]
    assert ids(api.get(path, params={"filter[status_group]": "final"})) == [applied]
    assert ids(api.get(path, params={"filter[status_group]": "discardable"})) == [planned]
    assert ids(api.get(path, params={"filter[source]": "tfe-ui"})) == [applied]
    assert ids(api.get(path, params={"filter[source]": "tfe-api,tfe-ui"})) == [planned, applied]
    assert ids(api.get(path, params={"filter[source]": "tfe-configuration-version",
                                     "filter[operation]": "plan_only"})) == [speculative]
    assert ids(api.get(path, params={"filter[agent_pool_names]": "pool-a"})) == []  # no run runs on an agent pool


@pytest.mark.parametrize("path", [ORG_LIST, WS_LIST])
def test_5_3_search_user_commit_and_basic(sim, api, path):
    """Contract 5.3: search[user] (creator or VCS sender), search[commit] (SHA prefix), search[basic]
    (ID, message, user or SHA); user and commit take priority over basic."""
    alice = sim.create_runs("acme/manual", status="applied", created_at=recent(3), created_by="alice",
                            commit_sha="4f2a9c1e0b7d", commit_message="Add the cache",
                            attributes={"message": "Deploy cache"})[0]
    bob = sim.create_runs("acme/manual", status="applied", created_at=recent(2), created_by="bob",
                          commit_sha="9e8d7c6b5a41", commit_message="Bump the version")[0]
    api_run = api.new_run("ws-Manual0000000001")  # created by the admin token's user, no commit
    assert ids(api.get(path, params={"search[user]": "alice"})) == [alice]
    assert ids(api.get(path, params={"search[user]": "BOB"})) == [bob]
    assert ids(api.get(path, params={"search[user]": "admin"})) == [api_run]
    assert ids(api.get(path, params={"search[commit]": "4f2a"})) == [alice]
    assert ids(api.get(path, params={"search[commit]": "2a9c"})) == []  # a prefix, not a substring
    assert ids(api.get(path, params={"search[user]": "alice", "search[commit]": "9e8d"})) == []
    assert ids(api.get(path, params={"search[basic]": "cache"})) == [alice]
    assert ids(api.get(path, params={"search[basic]": "9e8d7"})) == [bob]
    assert ids(api.get(path, params={"search[basic]": "bob"})) == [bob]
    assert ids(api.get(path, params={"search[basic]": bob})) == [bob]
    assert ids(api.get(path, params={"search[basic]": "cache", "search[user]": "bob"})) == [bob]


def test_5_4_created_by_and_ingress_attributes_includes(sim, api):
    """Contract 3.2/5.2: created-by names the seeded user; the configuration version carries the commit."""
    run_id = sim.create_runs("acme/manual", status="applied", created_at=recent(1), created_by="carol",
                             commit_sha="abc123def456", commit_message="Fix the DNS")[0]
    body = api.get(ORG_LIST, params={"include": "created_by,configuration_version.ingress_attributes"}).json()
    by_type = {item["type"]: item for item in body["included"]}
    assert by_type["users"]["attributes"]["username"] == "carol"
    assert by_type["configuration-versions"]["id"] == body["data"][0]["relationships"]["configuration-version"][
        "data"]["id"]
    ingress = by_type["ingress-attributes"]["attributes"]
    assert (ingress["commit-sha"], ingress["commit-message"], ingress["sender-username"]) == (
        "abc123def456", "Fix the DNS", "carol")
    assert body["data"][0]["id"] == run_id


def test_5_4_access(sim):
    """Contract 1.4/5.4: an organization the token cannot see, or that does not exist, is 404; the
    organization token may read its own organization's runs."""
    run_id = sim.create_runs("acme/manual", status="applied")[0]
    user, org = Api(sim, "user"), Api(sim, "org")
    assert user.get("/api/v2/organizations/globex/runs").status_code == 404
    assert error_of(user.get("/api/v2/organizations/nope/runs"))["status"] == "404"
    assert ids(org.get(ORG_LIST)) == [run_id]
    assert Api(sim, None).get(ORG_LIST).status_code == 401


def test_5_4_unknown_include_is_400(api):
    """Contract 2: an unknown include on the organization list is 400 like elsewhere."""
    response = api.get(ORG_LIST, params={"include": "nonsense"})
    assert response.status_code == 400 and "include parameter" in error_of(response)["detail"]


def test_seed_runs_take_creator_and_commit():
    """The seed's runs: entries take created_by, commit_sha and commit_message like create_runs."""
    seed = {"organizations": [{"name": "acme", "workspaces": [{"name": "w"}]}],
            "tokens": [{"role": "admin", "kind": "site_admin"}],
            "runs": [{"workspace": "acme/w", "status": "applied", "count": 2, "created_by": "dana",
                      "commit_sha": "c0ffee00", "commit_message": "Seeded"}]}
    with Simulator(seed=seed) as sim:
        api = Api(sim)
        found = ids(api.get("/api/v2/organizations/acme/runs", params={"search[commit]": "c0ffee"}))
        assert len(found) == 2
        assert ids(api.get("/api/v2/organizations/acme/runs", params={"search[user]": "dana"})) == found
