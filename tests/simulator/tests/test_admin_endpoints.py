"""Contract section 6: the admin runs listing and both admin cancel generations with their off switches."""
from __future__ import annotations

import pytest
from conftest import error_of

ADMIN = "/api/v2/admin/runs"


@pytest.fixture(name="history")
def fixture_history(sim):
    """Runs across two organizations at known times."""
    return {
        "applied": sim.create_runs("acme/manual", status="applied", count=3, created_at="2025-01-01T00:00:00Z",
                                   spacing_seconds=86400),
        "planning": sim.create_runs("acme/stuck", status="planning", created_at="2025-02-01T00:00:00Z"),
        "pending": sim.create_runs("globex/secret", status="pending", created_at="2025-03-01T00:00:00Z",
                                   stuck=True),
        "errored": sim.create_runs("globex/secret", status="errored", created_at="2025-04-01T00:00:00Z"),
    }


def test_6_1_item_shape_order_and_meta(api, history):
    """Contract 6.1: reduced attributes, workspace relationship, links.self, newest first, pagination and status-counts."""
    body = api.get(ADMIN).json()
    items = body["data"]
    assert [item["id"] for item in items] == (history["errored"] + history["pending"] + history["planning"]
                                              + list(reversed(history["applied"])))
    assert set(items[0]["attributes"]) == {"status", "status-timestamps", "has-changes", "created-at"}
    assert items[0]["relationships"]["workspace"]["data"] == {"id": "ws-GlobexSecret0001", "type": "workspaces"}
    assert items[0]["links"]["self"] == "/api/v2/runs/" + items[0]["id"]
    assert body["meta"]["pagination"]["total-count"] == 6
    counts = body["meta"]["status-counts"]
    assert counts["applied"] == 3 and counts["planning"] == 1 and counts["pending"] == 1 and counts["errored"] == 1
    assert counts["total"] == 6
    assert "policy-checking" in counts and "policy_checking" not in counts


def test_6_1_filter_status_comma_list(api, history):
    """Contract 6.1: filter[status] takes a comma list; an unknown value yields an empty set, not an error."""
    body = api.get(ADMIN, params={"filter[status]": "pending,planning"}).json()
    assert {item["id"] for item in body["data"]} == set(history["pending"] + history["planning"])
    assert body["meta"]["pagination"]["total-count"] == 2
    unknown = api.get(ADMIN, params={"filter[status]": "bogus"})
    assert unknown.status_code == 200 and unknown.json()["data"] == []


@pytest.mark.parametrize("q, expected", [
    ("globex", ["errored", "pending"]),            # organization name
    ("INFRA@GLOBEX", ["errored", "pending"]),       # organization email, case-insensitive
    ("stuck", ["planning"]),                        # workspace name
])
def test_6_1_q_fuzzy_search(api, history, q, expected):
    """Contract 6.1: q matches run ID, workspace name, organization name or email (substring, any case)."""
    found = {item["id"] for item in api.get(ADMIN, params={"q": q}).json()["data"]}
    assert found == {run_id for key in expected for run_id in history[key]}


def test_6_1_q_run_id_narrows_to_one(api, history):
    """Contract 6.1 [OBS]: q=<run-id> narrows the list to that run."""
    run_id = history["applied"][1]
    assert [item["id"] for item in api.get(ADMIN, params={"q": run_id}).json()["data"]] == [run_id]


def test_6_1_filter_from_to(sim, api, history):
    """Contract 6.1: filter[from]/filter[to] (RFC 3339) bound created-at; the admin_date_filters knob off ignores them."""
    params = {"filter[from]": "2025-01-02T00:00:00Z", "filter[to]": "2025-02-15T00:00:00+00:00"}
    found = [item["id"] for item in api.get(ADMIN, params=params).json()["data"]]
    assert found == history["planning"] + list(reversed(history["applied"][1:]))
    assert api.get(ADMIN, params={"filter[from]": "yesterday"}).status_code == 400
    sim.set_installation(admin_date_filters=False)
    assert api.get(ADMIN, params=params).json()["meta"]["pagination"]["total-count"] == 6


def test_6_1_includes(api, history):
    """Contract 6.1: include=workspace fills workspaces; workspace.organization adds organizations; unknown -> 400."""
    body = api.get(ADMIN, params={"include": "workspace"}).json()
    assert {item["type"] for item in body["included"]} == {"workspaces"}
    names = {item["attributes"]["name"] for item in body["included"]}
    assert names == {"manual", "stuck", "secret"}
    body = api.get(ADMIN, params={"include": "workspace.organization"}).json()
    orgs = {item["id"]: item["attributes"] for item in body["included"] if item["type"] == "organizations"}
    assert set(orgs) == {"acme", "globex"} and orgs["globex"]["email"] == "infra@globex.example"
    bad = api.get(ADMIN, params={"include": "workpsace"})
    assert bad.status_code == 400
    assert "include parameter" in error_of(bad)["detail"]
    assert history


def test_6_1_page_size_clamp_and_page_past_end(sim, api):
    """Contract 6.1/7.1: page[size] clamps at 100; page 999 is 200 with empty data and current-page 999."""
    sim.create_runs("acme/manual", status="applied", count=150)
    body = api.get(ADMIN, params={"page[size]": "1000"}).json()
    assert len(body["data"]) == 100
    assert body["meta"]["pagination"]["total-pages"] == 2 and body["meta"]["pagination"]["total-count"] == 150
    past = api.get(ADMIN, params={"page[number]": "999", "page[size]": "100"})
    assert past.status_code == 200 and past.json()["data"] == []
    assert past.json()["meta"]["pagination"]["current-page"] == 999


@pytest.mark.parametrize("final_status", ["canceled", "force_canceled"])
def test_6_1_admin_force_cancel(sim, api, history, final_status):
    """Contract 6.1: force-cancel -> 200 with the run document, the run ends canceled (or force_canceled by knob)."""
    sim.set_installation(force_cancel_status=final_status)
    run_id = history["planning"][0]
    response = api.post("%s/%s/actions/force-cancel" % (ADMIN, run_id), {"comment": "stuck for a month"})
    assert response.status_code == 200
    assert response.json()["data"]["id"] == run_id
    assert response.json()["data"]["attributes"]["status"] == final_status
    assert api.status(run_id) == final_status
    pending = history["pending"][0]
    assert api.post("%s/%s/actions/force-cancel" % (ADMIN, pending)).status_code == 200


def test_6_2_admin_cancel_2018_ends_errored(api, history):
    """Contract 6.2: the 201807 cancel route -> 200 with the run document; the run ends errored."""
    run_id = history["planning"][0]
    response = api.post("%s/%s/actions/cancel" % (ADMIN, run_id))
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["status"] == "errored"


def test_6_admin_cancel_of_missing_run_is_404(api):
    """Contract 6.1/6.2: unknown run -> 404."""
    for action in ("force-cancel", "cancel"):
        assert api.post("%s/run-DoesNotExist0001/actions/%s" % (ADMIN, action)).status_code == 404


@pytest.mark.parametrize("knob, action", [("admin_force_cancel_route", "force-cancel"),
                                          ("admin_cancel_route", "cancel")])
def test_6_3_routes_switch_off_like_unknown_routes(sim, api, history, knob, action):
    """Contract 6.3: an installation knob removes either generation; it then answers 404 like a route that never existed,
    and the run is untouched."""
    sim.set_installation(**{knob: False})
    run_id = history["planning"][0]
    response = api.post("%s/%s/actions/%s" % (ADMIN, run_id, action))
    assert response.status_code == 404
    error_of(response)
    assert api.status(run_id) == "planning"
    other = "cancel" if action == "force-cancel" else "force-cancel"
    assert api.post("%s/%s/actions/%s" % (ADMIN, run_id, other)).status_code == 200
