"""Contract section 5.1 (POST /runs) and the run document of 3.1 / 3.2 and 8."""
from __future__ import annotations

import re

import pytest
from conftest import error_of

RUN_ID = re.compile(r"^run-[A-Za-z0-9]{16}$")
CREATED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
RFC3339_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def test_5_1_created_document(api):
    """Contract 5.1/3.1/3.2/8: 201, pending, only plan-queueable-at, source tfe-api, manual, cancelable, links.self."""
    response = api.create_run("ws-Manual0000000001", message="hello")
    assert response.status_code == 201
    data = response.json()["data"]
    attributes = data["attributes"]
    assert RUN_ID.match(data["id"])
    assert data["type"] == "runs"
    assert data["links"]["self"] == "/api/v2/runs/" + data["id"]
    assert attributes["status"] == "pending"
    assert list(attributes["status-timestamps"]) == ["plan-queueable-at"]
    assert RFC3339_OFFSET.match(attributes["status-timestamps"]["plan-queueable-at"])
    assert CREATED_AT.match(attributes["created-at"])
    assert attributes["has-changes"] is False
    assert attributes["source"] == "tfe-api" and attributes["trigger-reason"] == "manual"
    assert attributes["message"] == "hello"
    assert attributes["refresh"] is True and attributes["auto-apply"] is False
    assert attributes["actions"] == {"is-cancelable": True, "is-confirmable": False, "is-discardable": True,
                                     "is-force-cancelable": False}
    assert "force-cancel-available-at" not in attributes
    relationships = data["relationships"]
    assert relationships["workspace"]["data"] == {"id": "ws-Manual0000000001", "type": "workspaces"}
    assert re.match(r"^plan-[A-Za-z0-9]{16}$", relationships["plan"]["data"]["id"])
    assert re.match(r"^apply-[A-Za-z0-9]{16}$", relationships["apply"]["data"]["id"])
    assert relationships["configuration-version"]["data"]["type"] == "configuration-versions"
    assert relationships["cost-estimate"]["data"] is None
    assert relationships["policy-checks"]["data"] == []
    assert relationships["created-by"]["data"]["type"] == "users"


def test_3_2_cost_estimate_and_policy_checks_set_at_creation(api):
    """Contract 3.2 double note: with cost estimation and policies the 201 already carries both relationships."""
    data = api.create_run("ws-CostPass00000001").json()["data"]["relationships"]
    assert re.match(r"^ce-[A-Za-z0-9]{16}$", data["cost-estimate"]["data"]["id"])
    assert re.match(r"^polchk-[A-Za-z0-9]{16}$", data["policy-checks"]["data"][0]["id"])


def test_5_1_targeted_run_has_no_cost_estimate(api):
    """Contract 5.1: target-addrs turns cost estimation off."""
    data = api.create_run("ws-CostPass00000001", **{"target-addrs": ["null_resource.a"]}).json()["data"]
    assert data["relationships"]["cost-estimate"]["data"] is None


def test_5_1_auto_apply_effective_value(api):
    """Contract 3.1/5.1: auto-apply is the request's value, else the workspace setting."""
    assert api.create_run("ws-Manual0000000001").json()["data"]["attributes"]["auto-apply"] is False
    assert api.create_run("ws-AutoApply0000001").json()["data"]["attributes"]["auto-apply"] is True
    forced = api.create_run("ws-Manual0000000001", **{"auto-apply": True}).json()["data"]["attributes"]
    assert forced["auto-apply"] is True
    off = api.create_run("ws-AutoApply0000001", **{"auto-apply": False}).json()["data"]["attributes"]
    assert off["auto-apply"] is False


def test_5_1_configuration_version_null_means_latest(api):
    """Contract 5.1: go-tfe's {"data": null} configuration-version is accepted as "use the latest"."""
    body = {"data": {"type": "runs", "attributes": {}, "relationships": {
        "workspace": {"data": {"type": "workspaces", "id": "ws-Manual0000000001"}},
        "configuration-version": {"data": None}}}}
    response = api.post("/api/v2/runs", body)
    assert response.status_code == 201
    assert response.json()["data"]["relationships"]["configuration-version"]["data"]["id"].startswith("cv-")


def test_5_1_missing_configuration_version_is_422(api):
    """Contract 2/5.1: a workspace without configuration version -> 422 unprocessable entity / Configuration version is missing."""
    response = api.create_run("ws-NoConfig00000001", **{"is-destroy": True})
    assert response.status_code == 422
    error = error_of(response)
    assert error["title"] == "unprocessable entity"
    assert error["detail"] == "Configuration version is missing"


def test_5_1_unknown_workspace_is_404(api):
    """Contract 5.1: a workspace that does not exist -> 404."""
    assert api.create_run("ws-DoesNotExist00001").status_code == 404


@pytest.mark.parametrize("attributes, pointer", [
    ({"is-destroy": True, "refresh-only": True}, "/data/attributes/refresh-only"),
    ({"terraform-version": "1.6.0"}, "/data/attributes/terraform-version"),
    ({"is-destroy": "yes"}, "/data/attributes/is-destroy"),
    ({"message": 42}, "/data/attributes/message"),
    ({"target-addrs": "null_resource.a"}, "/data/attributes/target-addrs"),
    ({"variables": {"a": "1"}}, "/data/attributes/variables"),
    ({"variables": [{"key": "a", "value": 1}]}, "/data/attributes/variables/0"),
    ({"variables": [{"key": "a", "value": "bare words"}]}, "/data/attributes/variables/0/value"),
])
def test_5_1_invalid_attributes_are_422(api, attributes, pointer):
    """Contract 5.1: wrong types, destroy+refresh-only, terraform-version without plan-only, non-HCL variables -> 422."""
    response = api.create_run("ws-Manual0000000001", **attributes)
    assert response.status_code == 422
    assert error_of(response)["source"]["pointer"] == pointer


def test_5_1_terraform_version_with_plan_only_and_hcl_variables_accepted(api):
    """Contract 5.1: terraform-version is valid with plan-only; variables are HCL literal strings."""
    variables = [{"key": "n", "value": "2"}, {"key": "s", "value": "\"text\""}, {"key": "l", "value": "[1, 2]"},
                 {"key": "b", "value": "true"}]
    attributes = {"plan-only": True, "terraform-version": "1.6.0", "variables": variables}
    response = api.create_run("ws-Manual0000000001", **attributes)
    assert response.status_code == 201
    attributes = response.json()["data"]["attributes"]
    assert attributes["terraform-version"] == "1.6.0"
    assert attributes["variables"] == variables


@pytest.mark.parametrize("body", [
    None, [], {"data": None}, {"data": {"type": "workspaces"}},
    {"data": {"type": "runs"}},
    {"data": {"type": "runs", "relationships": {"workspace": {"data": {"type": "workspaces"}}}}},
])
def test_5_1_malformed_documents_are_422(api, body):
    """Contract 5.1: not a JSON:API runs document, or no workspace relationship -> 422."""
    response = api.post("/api/v2/runs", body)
    assert response.status_code == 422
    error_of(response)


def test_5_1_body_that_is_not_json_is_422(api):
    """Contract 5.1: a body that does not parse -> 422 with a JSON:API error."""
    response = api.session.post(api.sim.url + "/api/v2/runs", data=b"{not json", timeout=10)
    assert response.status_code == 422
    error_of(response)
