"""Contract sections 5.2 (includes), 5.5/5.6 (plans and applies) and 1.7 (token-free log blobs)."""
from __future__ import annotations

import pytest
import requests
from conftest import error_of

STX, ETX = "\x02", "\x03"


def test_5_5_plan_and_apply_by_id_and_via_run(sim, api):
    """Contract 5.5/5.6: /plans/:id equals /runs/:id/plan, /applies/:id equals /runs/:id/apply; counts from knobs."""
    sim.set_workspace_knobs("ws-AutoApply0000001", resource_additions=3, resource_changes=2,
                            resource_destructions=1, resource_imports=4)
    run_id = api.new_run("ws-AutoApply0000001")
    sim.advance_clock(60)
    run = api.run(run_id)
    plan_id = run["relationships"]["plan"]["data"]["id"]
    apply_id = run["relationships"]["apply"]["data"]["id"]
    plan = api.get("/api/v2/plans/" + plan_id).json()["data"]
    assert plan == api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]
    assert plan["type"] == "plans" and plan["attributes"]["status"] == "finished"
    assert (plan["attributes"]["resource-additions"], plan["attributes"]["resource-changes"],
            plan["attributes"]["resource-destructions"], plan["attributes"]["resource-imports"]) == (3, 2, 1, 4)
    apply_ = api.get("/api/v2/applies/" + apply_id).json()["data"]
    assert apply_ == api.get("/api/v2/runs/%s/apply" % run_id).json()["data"]
    assert apply_["attributes"]["status"] == "finished" and apply_["attributes"]["resource-additions"] == 3
    assert set(apply_["attributes"]["status-timestamps"]) >= {"queued-at", "started-at", "finished-at"}
    assert api.get("/api/v2/plans/plan-DoesNotExist0001").status_code == 404


def test_1_7_log_served_without_token_with_stx_etx(sim, api):
    """Contract 1.7/5.6: log-read-url is on the simulator, needs no token, starts with STX and ends with ETX when done."""
    run_id = api.new_run("ws-AutoApply0000001")
    sim.advance_clock(2)
    url = api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]["attributes"]["log-read-url"]
    assert url.startswith(sim.url + "/_archivist/v1/object/")
    sim.clear_request_log()
    partial = requests.get(url, timeout=10)
    assert partial.status_code == 200 and partial.headers["Content-Type"] == "text/plain"
    assert partial.text.startswith(STX) and not partial.text.endswith(ETX)
    sim.advance_clock(60)
    full = requests.get(url, timeout=10).text
    assert full.startswith(STX) and full.endswith(ETX) and "1 to add" in full
    assert requests.get(url, headers={"Authorization": "Bearer wrong-token-0123456789abcdef"}, timeout=10).text == full
    log = sim.request_log
    assert [entry["authorization"] for entry in log] == [False, False, True]
    apply_url = api.get("/api/v2/runs/%s/apply" % run_id).json()["data"]["attributes"]["log-read-url"]
    assert "Apply complete!" in requests.get(apply_url, timeout=10).text


def test_5_6_log_limit_and_offset(sim, api):
    """Contract 5.6: ?limit=&offset= (bytes) window the log, as go-tfe's log reader reads it."""
    run_id = api.new_run("ws-AutoApply0000001")
    sim.advance_clock(60)
    url = api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]["attributes"]["log-read-url"]
    full = requests.get(url, timeout=10).text
    chunks, offset = [], 0
    while True:
        chunk = requests.get(url, params={"limit": 7, "offset": offset}, timeout=10).text
        if not chunk:
            break
        assert len(chunk) <= 7
        chunks.append(chunk)
        offset += len(chunk)
    assert "".join(chunks) == full


def test_1_7_unknown_blob_is_404(sim):
    """Contract 1.7: an unknown secret is not found."""
    response = requests.get(sim.url + "/_archivist/v1/object/not-a-secret", timeout=10)
    assert response.status_code == 404


@pytest.mark.parametrize("include, types", [
    ("plan", {"plans"}), ("apply", {"applies"}), ("workspace", {"workspaces"}), ("created_by", {"users"}),
    ("cost_estimate", {"cost-estimates"}), ("configuration_version", {"configuration-versions"}),
    ("task_stages", set()), ("plan,apply,workspace", {"plans", "applies", "workspaces"}),
])
def test_5_2_get_run_includes(api, include, types):
    """Contract 5.2: include adds the related resources to the top-level included array."""
    run_id = api.new_run("ws-CostPass00000001")
    body = api.get("/api/v2/runs/" + run_id, params={"include": include}).json()
    assert {item["type"] for item in body.get("included", [])} == types


def test_5_2_unknown_include_is_400(api):
    """Contract 2/5.2: an unsupported include -> 400 whose message contains "include parameter"."""
    run_id = api.new_run("ws-Manual0000000001")
    response = api.get("/api/v2/runs/" + run_id, params={"include": "workpsace"})
    assert response.status_code == 400
    assert "include parameter" in error_of(response)["detail"]


def test_workspace_document(api):
    """Workspaces by ID and by organization + name give the same document with organization and current-run."""
    by_id = api.get("/api/v2/workspaces/ws-AutoApply0000001").json()["data"]
    by_name = api.get("/api/v2/organizations/ACME/workspaces/auto").json()["data"]
    assert by_id == by_name
    assert by_id["attributes"]["name"] == "auto" and by_id["attributes"]["auto-apply"] is True
    assert by_id["relationships"]["organization"]["data"] == {"id": "acme", "type": "organizations"}
    assert by_id["relationships"]["current-run"]["data"] is None
    assert by_id["attributes"]["locked"] is False
