"""Contract sections 5.3, 7.1 and 7.2: the workspace run list, its filters and search,
pagination meta and links, the page-size clamp, and the 30-per-minute limit knob."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from conftest import error_of

LIST = "/api/v2/workspaces/ws-Manual0000000001/runs"
ALL_OPERATIONS = "plan_only,plan_and_apply,save_plan,refresh_only,destroy,empty_apply,action_only"


def ids(response):
    """The run IDs of a list answer."""
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def test_5_3_plan_only_hidden_unless_filter_operation_asks(sim, api):
    """Contract 5.3: plan-only runs are excluded by default and listed when filter[operation] names them."""
    normal = sim.create_runs("acme/manual", status="applied")[0]
    speculative = sim.create_runs("acme/manual", status="planned_and_finished", attributes={"plan-only": True})[0]
    assert ids(api.get(LIST)) == [normal]
    assert ids(api.get(LIST, params={"filter[operation]": "plan_only"})) == [speculative]
    assert ids(api.get(LIST, params={"filter[operation]": ALL_OPERATIONS})) == [speculative, normal]


def test_5_3_operation_names(sim, api):
    """Contract 5.3: destroy, save_plan and refresh_only runs carry their own operation names."""
    destroy = sim.create_runs("acme/manual", status="applied", attributes={"is-destroy": True})[0]
    saved = sim.create_runs("acme/manual", status="planned_and_saved", attributes={"save-plan": True})[0]
    refresh = sim.create_runs("acme/manual", status="applied", attributes={"refresh-only": True})[0]
    assert ids(api.get(LIST, params={"filter[operation]": "destroy"})) == [destroy]
    assert ids(api.get(LIST, params={"filter[operation]": "save_plan"})) == [saved]
    assert ids(api.get(LIST, params={"filter[operation]": "refresh_only"})) == [refresh]
    assert ids(api.get(LIST, params={"filter[operation]": "plan_and_apply"})) == []


def test_5_3_filter_status_status_group_and_search(sim, api):
    """Contract 5.3: filter[status] (comma list), filter[status_group] and search[basic] (id or message)."""
    applied = sim.create_runs("acme/manual", status="applied", created_at="2025-01-01T00:00:00Z",
                              attributes={"message": "Nightly deploy"})[0]
    errored = sim.create_runs("acme/manual", status="errored", created_at="2025-01-02T00:00:00Z")[0]
    planned = sim.create_runs("acme/manual", status="planned", created_at="2025-01-03T00:00:00Z")[0]
    assert ids(api.get(LIST, params={"filter[status]": "applied,errored"})) == [errored, applied]
    assert ids(api.get(LIST, params={"filter[status_group]": "final"})) == [errored, applied]
    assert ids(api.get(LIST, params={"filter[status_group]": "non_final"})) == [planned]
    assert ids(api.get(LIST, params={"filter[status_group]": "discardable"})) == [planned]
    assert ids(api.get(LIST, params={"search[basic]": "nightly"})) == [applied]
    assert ids(api.get(LIST, params={"search[basic]": errored})) == [errored]
    assert ids(api.get(LIST, params={"filter[status]": "no_such_status"})) == []


def test_7_1_pagination_meta_and_links(sim, api):
    """Contract 5.3/7.1: newest first, meta.pagination with totals and absolute links that keep the filters."""
    created = sim.create_runs("acme/manual", status="applied", count=45)
    response = api.get(LIST, params={"page[size]": "20", "page[number]": "2", "filter[status]": "applied"})
    body = response.json()
    assert [item["id"] for item in body["data"]] == list(reversed(created))[20:40]
    assert body["meta"]["pagination"] == {"current-page": 2, "page-size": 20, "prev-page": 1, "next-page": 3,
                                          "total-pages": 3, "total-count": 45}
    links = body["links"]
    assert links["self"].startswith(sim.url + LIST)
    for name, page in (("first", "1"), ("prev", "1"), ("next", "3"), ("last", "3")):
        query = parse_qs(urlsplit(links[name]).query)
        assert query["page[number]"] == [page] and query["filter[status]"] == ["applied"]
    first = api.get(LIST).json()
    assert len(first["data"]) == 20 and first["meta"]["pagination"]["prev-page"] is None
    last = api.get(links["last"].replace(sim.url, "")).json()
    assert len(last["data"]) == 5 and last["meta"]["pagination"]["next-page"] is None and last["links"]["next"] is None


def test_7_1_page_size_clamped_and_page_past_end(sim, api):
    """Contract 7.1: page[size] above 100 is clamped to 100; a page past the end is 200 with empty data."""
    sim.create_runs("acme/manual", status="applied", count=120)
    body = api.get(LIST, params={"page[size]": "500"}).json()
    assert len(body["data"]) == 100 and body["meta"]["pagination"]["page-size"] == 100
    assert body["meta"]["pagination"]["total-pages"] == 2
    past = api.get(LIST, params={"page[number]": "999"})
    assert past.status_code == 200 and past.json()["data"] == []
    assert past.json()["meta"]["pagination"]["current-page"] == 999


def test_5_3_include_plan(sim, api):
    """Contract 5.2/5.3: include=plan adds the plans to included."""
    run_id = sim.create_runs("acme/manual", status="applied")[0]
    body = api.get(LIST, params={"include": "plan"}).json()
    assert [item["type"] for item in body["included"]] == ["plans"]
    assert body["included"][0]["id"] == api.run(run_id)["relationships"]["plan"]["data"]["id"]


def test_7_2_run_list_rate_limit_knob(sim, api):
    """Contract 7.2: with the knob at 30, the 31st list request in a minute is 429 with X-RateLimit-Reset;
    with rate_limit_clock simulator the window is on the simulator clock, so advancing it a minute lets
    requests through again (the default wall clock is in test_rate_limits.py)."""
    for attempt in range(40):
        assert api.get(LIST).status_code == 200  # off by default
    sim.set_installation(run_list_rate_limit_per_minute=30, rate_limit_clock="simulator")
    for attempt in range(30):
        assert api.get(LIST).status_code == 200
    limited = api.get(LIST)
    assert limited.status_code == 429
    assert error_of(limited)["title"] == "Too many requests"
    assert limited.headers["X-RateLimit-Limit"] == "30"
    assert 0 < float(limited.headers["X-RateLimit-Reset"]) <= 60
    assert api.get("/api/v2/workspaces/ws-Manual0000000001").status_code == 200  # other endpoints unaffected
    sim.advance_clock(61)
    assert api.get(LIST).status_code == 200
