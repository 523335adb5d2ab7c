"""Installation knobs for a server that deviates from the contract (README "Installation knobs"):
each is off by default, where the contract holds (contract 5.9, 6, 7.1), and when on does exactly
what its row says, so a client can be proven not to rely on the contract's promise."""
from __future__ import annotations

import pytest
import requests
from conftest import SEED, Api, error_of
from tfesim import SeedError, Simulator
from tfesim.__main__ import _apply_flags, parse_args

MANUAL = "ws-Manual0000000001"
STUCK = "ws-Stuck00000000001"
LIST = "/api/v2/workspaces/%s/runs" % MANUAL
ORG_LIST = "/api/v2/organizations/acme/runs"
ADMIN_LIST = "/api/v2/admin/runs"
DEVIATIONS = {
    "paging": "honoured", "ignore_include": False, "ignore_status_filter": False, "admin_list_hides_final": False,
    "run_action_answer": "empty_202", "admin_cancel_answer": "document", "pending_force_cancelable": False,
}


def control(sim, method, path, body=None):
    """Call a /_sim/ endpoint (no token) and return the response."""
    return requests.request(method, sim.url + "/_sim/" + path, json=body, timeout=10)


def error_detail(response):
    """The detail of a /_sim/ 422 (a JSON:API error document)."""
    return response.json()["errors"][0]["detail"]


def planning_run(sim, api):
    """A run in acme/stuck, hung in planning (a normal cancel is acknowledged, force-cancel then ends it)."""
    run_id = api.new_run(STUCK)
    sim.advance_clock(5)
    assert api.status(run_id) == "planning"
    return run_id


# -- knob plumbing ---------------------------------------------------------------------------

def test_deviation_knobs_default_to_the_contract(sim):
    """Every deviation knob is off by default."""
    knobs = sim.installation()
    assert {name: knobs[name] for name in DEVIATIONS} == DEVIATIONS


@pytest.mark.parametrize("knob, value", [
    ("paging", "sometimes"), ("paging", True), ("run_action_answer", "document_201"),
    ("admin_cancel_answer", "nothing"), ("ignore_include", "yes"), ("pending_force_cancelable", 1),
    ("ignore_status_filter", None), ("admin_list_hides_final", "true"),
])
def test_bad_deviation_values_are_422(sim, knob, value):
    """PATCH /_sim/installation refuses a value outside the knob's type or choices, naming the knob."""
    response = control(sim, "PATCH", "installation", {knob: value})
    assert response.status_code == 422
    assert knob in error_detail(response)
    assert sim.installation()[knob] == DEVIATIONS[knob]  # all or nothing


def test_deviations_from_seed_control_and_command_line():
    """The same knobs through the seed's installation section, PATCH /_sim/installation and --installation."""
    seed = dict(SEED, installation={"paging": "ignored_everything", "ignore_include": True})
    with Simulator(seed=seed) as sim:
        assert (sim.installation()["paging"], sim.installation()["ignore_include"]) == ("ignored_everything", True)
        answer = control(sim, "PATCH", "installation", {"run_action_answer": "document_200",
                                                        "admin_cancel_answer": "empty"}).json()
        assert (answer["run_action_answer"], answer["admin_cancel_answer"]) == ("document_200", "empty")
    with pytest.raises(SeedError, match="seed installation: paging must be one of"):
        Simulator(seed=dict(SEED, installation={"paging": "never"}))
    args = parse_args(["--empty", "--installation", "paging=ignored_first_page", "--installation",
                       "pending_force_cancelable=true", "--installation", "ignore_status_filter=true"])
    cli = Simulator(seed={})
    _apply_flags(cli, args)
    assert {name: cli.installation()[name] for name in ("paging", "pending_force_cancelable", "ignore_status_filter")} \
        == {"paging": "ignored_first_page", "pending_force_cancelable": True, "ignore_status_filter": True}


# -- paging (contract 7.1) -------------------------------------------------------------------

def _history(sim, count=45):
    """``count`` applied runs in acme/manual, newest last; returns their IDs newest first (the list order)."""
    return list(reversed(sim.create_runs("acme/manual", status="applied", count=count)))


def test_paging_honoured_by_default(sim, api):
    """Default: page[size] and page[number] pick the page, meta.pagination and links are there."""
    ids = _history(sim)
    body = api.get(LIST, params={"page[number]": "2", "page[size]": "5"}).json()
    assert [item["id"] for item in body["data"]] == ids[5:10]
    assert body["meta"]["pagination"]["total-count"] == 45
    assert body["links"]["next"] is not None


@pytest.mark.parametrize("mode, expected", [("ignored_first_page", 20), ("ignored_everything", 45)])
@pytest.mark.parametrize("page", [{}, {"page[number]": "2", "page[size]": "5"}, {"page[number]": "9"}])
def test_paging_ignored_on_the_workspace_list(sim, api, mode, expected, page):
    """Ignored: whatever page is asked, the first 20 (or every) run, no meta.pagination, only a self link."""
    ids = _history(sim)
    sim.set_installation(paging=mode)
    body = api.get(LIST, params=page).json()
    assert [item["id"] for item in body["data"]] == ids[:expected]
    assert "pagination" not in body["meta"]
    assert set(body["links"]) == {"self"}


@pytest.mark.parametrize("mode, expected", [("ignored_first_page", 20), ("ignored_everything", 46)])
def test_paging_ignored_on_the_admin_list_keeps_status_counts(sim, api, mode, expected):
    """The admin list ignores paging the same way and still carries meta.status-counts."""
    _history(sim)
    sim.create_runs("acme/nochanges", status="errored")
    sim.set_installation(paging=mode)
    body = api.get(ADMIN_LIST, params={"page[number]": "3", "page[size]": "10"}).json()
    assert len(body["data"]) == expected
    assert "pagination" not in body["meta"]
    assert body["meta"]["status-counts"]["applied"] == 45 and body["meta"]["status-counts"]["errored"] == 1
    assert not {"first", "prev", "next", "last"} & set(body["links"])


def test_paging_ignored_on_every_list(sim, api):
    """Every list built on the shared pagination follows the knob (the organization run list, the policy checks)."""
    ids = _history(sim, 30)
    run_id = api.new_run("ws-CostPass00000001")
    sim.set_installation(paging="ignored_everything")
    body = api.get("/api/v2/runs/%s/policy-checks" % run_id, params={"page[number]": "2"}).json()
    assert len(body["data"]) == 1 and "pagination" not in body["meta"]
    org = api.get(ORG_LIST, params={"page[number]": "2", "page[size]": "5"}).json()
    assert [item["id"] for item in org["data"]] == [run_id] + ids
    assert "pagination" not in org["meta"] and set(org["links"]) == {"self"}


def test_paging_is_per_simulator(sim, api):
    """Two simulators in one process keep their own paging knob (each request carries its installation)."""
    _history(sim, 25)
    with Simulator(seed=SEED) as other:
        other.create_runs("acme/manual", status="applied", count=25)
        other.set_installation(paging="ignored_everything")
        assert len(Api(other).get(LIST).json()["data"]) == 25
        assert len(api.get(LIST).json()["data"]) == 20
        assert "pagination" in api.get(LIST).json()["meta"]


# -- ignore_include (contract 2, 5.2) ----------------------------------------------------------

def test_ignore_include(sim, api):
    """No included array on any endpoint (run, both run lists, admin list), relationships kept,
    and an unknown include name is no longer a 400: the parameter is not looked at."""
    run_id = api.new_run(MANUAL)
    assert "included" in api.get("/api/v2/runs/" + run_id, params={"include": "plan"}).json()
    sim.set_installation(ignore_include=True)
    for path in ("/api/v2/runs/" + run_id, LIST, ORG_LIST):
        body = api.get(path, params={"include": "plan,workspace,created_by"}).json()
        assert "included" not in body
    data = api.get("/api/v2/runs/" + run_id, params={"include": "plan"}).json()["data"]
    assert data["relationships"]["plan"]["data"]["type"] == "plans"
    assert "included" not in api.get(ADMIN_LIST, params={"include": "workspace.organization"}).json()
    assert api.get("/api/v2/runs/" + run_id, params={"include": "no_such_thing"}).status_code == 200


# -- admin_list_hides_final (contract 6.1) ---------------------------------------------------

def test_admin_list_hides_final(sim, api):
    """Finished runs vanish from GET /admin/runs (data, totals, counts) but GET /runs/:id still shows them."""
    applied = sim.create_runs("acme/manual", status="applied", count=3)
    errored = sim.create_runs("acme/nochanges", status="errored")[0]
    pending = api.new_run("ws-AutoApply0000001")
    assert api.get(ADMIN_LIST).json()["meta"]["pagination"]["total-count"] == 5
    sim.set_installation(admin_list_hides_final=True)
    body = api.get(ADMIN_LIST).json()
    assert [item["id"] for item in body["data"]] == [pending]
    assert body["meta"]["pagination"]["total-count"] == 1
    assert body["meta"]["status-counts"]["applied"] == 0
    assert api.get(ADMIN_LIST, params={"filter[status]": "applied,errored"}).json()["data"] == []
    assert api.status(applied[0]) == "applied" and api.status(errored) == "errored"
    sim.advance_clock(30)  # the pending run finishes: it drops out of the listing too
    assert api.status(pending) == "applied"
    assert api.get(ADMIN_LIST).json()["data"] == []


# -- run_action_answer (contract 5.9) ---------------------------------------------------------

def test_run_actions_answer_202_empty_by_default(sim, api):
    """The contract: 202 with no body."""
    response = api.action(api.new_run(MANUAL), "discard")
    assert (response.status_code, response.content) == (202, b"")


def test_run_action_answer_document_200(sim, api):
    """document_200: every run action answers 200 with the run document as GET /runs/:id shows it right after."""
    sim.set_installation(run_action_answer="document_200")
    paused = api.new_run(MANUAL)
    sim.advance_clock(5)
    applied = api.action(paused, "apply")
    assert applied.status_code == 200
    assert applied.json()["data"]["attributes"]["status"] == "confirmed"
    assert applied.json() == api.get("/api/v2/runs/" + paused).json()

    locker = api.new_run("ws-SoftFail00000001")
    waiting = api.new_run("ws-SoftFail00000001")
    sim.advance_clock(10)  # the locker waits in policy_override, discardable
    executed = api.action(waiting, "force-execute")
    assert executed.status_code == 200 and executed.json()["data"]["id"] == waiting
    assert api.status(locker) == "discarded"

    queued = api.new_run(MANUAL)
    refused = api.action(queued, "apply")  # still pending: refusals stay errors
    assert refused.status_code == 409 and error_of(refused)["title"] == "transition not allowed"
    assert api.action(queued, "discard").json()["data"]["attributes"]["status"] == "discarded"

    hung = planning_run(sim, api)
    canceled = api.action(hung, "cancel")
    assert canceled.status_code == 200
    assert "force-cancel-available-at" in canceled.json()["data"]["attributes"]
    sim.advance_clock(10)
    forced = api.action(hung, "force-cancel")
    assert (forced.status_code, forced.json()["data"]["attributes"]["status"]) == (200, "canceled")


# -- admin_cancel_answer (contract 6.1, 6.2) --------------------------------------------------

@pytest.mark.parametrize("route, final_status", [("force-cancel", "canceled"), ("cancel", "errored")])
def test_admin_cancel_answer(sim, api, route, final_status):
    """Default: 200 + run document (the contract); empty: 200 with an empty body, the run still ends."""
    path = "/api/v2/admin/runs/%s/actions/" + route
    first = planning_run(sim, api)
    documented = api.post(path % first)
    assert documented.status_code == 200 and documented.json()["data"]["id"] == first
    sim.set_installation(admin_cancel_answer="empty")
    second = api.new_run(STUCK)  # pending behind nothing: the first run has ended
    empty = api.post(path % second)
    assert (empty.status_code, empty.content) == (200, b"")
    assert api.status(second) == final_status


# -- pending_force_cancelable (contract 5.9, 10) ---------------------------------------------

def test_pending_force_cancelable_off_by_default(sim, api):
    """The contract: is-force-cancelable only after a cancel and its cool-off."""
    assert api.run(api.new_run(MANUAL))["attributes"]["actions"]["is-force-cancelable"] is False


def test_pending_force_cancelable_claims_but_refuses(sim, api):
    """A pending run claims is-force-cancelable without any cancel (no force-cancel-available-at, no
    canceled-at), yet force-cancel answers 409; a normal cancel still ends it canceled at once."""
    sim.set_installation(pending_force_cancelable=True)
    run_id = api.new_run(MANUAL)
    attributes = api.run(run_id)["attributes"]
    assert attributes["status"] == "pending"
    assert attributes["actions"]["is-force-cancelable"] is True
    assert "force-cancel-available-at" not in attributes and attributes["canceled-at"] is None
    refused = api.action(run_id, "force-cancel")
    assert refused.status_code == 409 and error_of(refused)["title"] == "transition not allowed"
    assert api.action(run_id, "cancel").status_code == 202
    attributes = api.run(run_id)["attributes"]
    assert attributes["status"] == "canceled" and attributes["actions"]["is-force-cancelable"] is False


def test_pending_force_cancelable_after_a_real_cancel(sim, api):
    """Any unfinished run nobody cancelled claims it; once a cancel is sent the real rule applies
    (false during the cool-off, then true, and force-cancel works)."""
    sim.set_installation(pending_force_cancelable=True)
    run_id = planning_run(sim, api)
    assert api.run(run_id)["attributes"]["actions"]["is-force-cancelable"] is True
    assert api.action(run_id, "force-cancel").status_code == 409
    assert api.action(run_id, "cancel").status_code == 202
    assert api.run(run_id)["attributes"]["actions"]["is-force-cancelable"] is False
    sim.advance_clock(10)
    assert api.run(run_id)["attributes"]["actions"]["is-force-cancelable"] is True
    assert api.action(run_id, "force-cancel").status_code == 202
    assert api.run(run_id)["attributes"]["actions"]["is-force-cancelable"] is False
    finished = sim.create_runs("acme/manual", status="applied")[0]
    assert api.run(finished)["attributes"]["actions"]["is-force-cancelable"] is False


# -- ignore_status_filter (contract 5.3, 6.1) ------------------------------------------------

def test_status_filters_honoured_by_default(sim, api):
    """The contract: filter[status] and filter[status_group] narrow both lists."""
    sim.create_runs("acme/manual", status="applied", count=2)
    sim.create_runs("acme/manual", status="errored")
    assert len(api.get(LIST, params={"filter[status]": "errored"}).json()["data"]) == 1
    assert len(api.get(LIST, params={"filter[status_group]": "non_final"}).json()["data"]) == 0
    assert len(api.get(ADMIN_LIST, params={"filter[status]": "applied"}).json()["data"]) == 2


def test_ignore_status_filter(sim, api):
    """ignore_status_filter: the run lists (workspace, organization) and the admin list answer runs of every
    status whatever filter[status]/[status_group] say; the other filters still apply."""
    sim.create_runs("acme/manual", status="applied", count=2)
    sim.create_runs("acme/manual", status="errored")
    sim.create_runs("acme/manual", status="applied", attributes={"plan-only": True})
    sim.set_installation(ignore_status_filter=True)
    for path in (LIST, ORG_LIST):
        for params in ({"filter[status]": "errored"}, {"filter[status_group]": "non_final"},
                       {"filter[status]": "pending", "filter[status_group]": "discardable"}):
            statuses = [item["attributes"]["status"] for item in api.get(path, params=params).json()["data"]]
            assert sorted(statuses) == ["applied", "applied", "errored"]  # plan-only still hidden by filter[operation]
    admin = api.get(ADMIN_LIST, params={"filter[status]": "pending"}).json()
    assert len(admin["data"]) == 4
