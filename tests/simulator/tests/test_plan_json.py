"""Contract section 5.5: the JSON plan (GET /plans/:id/json-output and /runs/:id/plan/json-output):
204 until the plan finished, then 307 to a one-minute blob URL that needs no token; 403 without
workspace admin access; 422 for Terraform before 0.12; a format 1.2 document whose changes come
from the counts or the plan_changes knob and which carries the SIMSECRET- marker."""
from __future__ import annotations

import json

import pytest
import requests
from conftest import Api, error_of
from tfesim import ApiError, Simulator

MARKER = "SIMSECRET-"


def _json_paths(api, run_id):
    plan_id = api.run(run_id)["relationships"]["plan"]["data"]["id"]
    return "/api/v2/plans/%s/json-output" % plan_id, "/api/v2/runs/%s/plan/json-output" % run_id


def _document(api, path):
    response = api.get(path, allow_redirects=False)
    assert response.status_code == 307, response.text
    return requests.get(response.headers["Location"], timeout=10).json()


def test_5_5_204_then_307_on_both_paths(sim, api):
    """Contract 5.5: 204 (no body) while the plan runs; 307 with Location once it finished, on both paths."""
    run_id = api.new_run("ws-Manual0000000001")
    by_plan, by_run = _json_paths(api, run_id)
    for path in (by_plan, by_run):
        early = api.get(path, allow_redirects=False)
        assert early.status_code == 204 and early.content == b""
    sim.advance_clock(60)
    for path in (by_plan, by_run):
        response = api.get(path, allow_redirects=False)
        assert response.status_code == 307 and response.content == b""
        assert response.headers["Location"].startswith(sim.url + "/_archivist/v1/object/")
    plan = api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]
    assert plan["links"]["json-output"] == by_plan


def test_5_5_blob_needs_no_token_and_expires_after_a_minute(sim, api):
    """Contract 5.5/8: the redirect target serves the JSON without a token (any token ignored) for 60
    simulator seconds, then answers 403 like expired presigned storage; each call hands out a new URL."""
    run_id = api.new_run("ws-Manual0000000001")
    sim.advance_clock(60)
    path = _json_paths(api, run_id)[1]
    location = api.get(path, allow_redirects=False).headers["Location"]
    sim.clear_request_log()
    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "application/json"
    bogus = requests.get(location, headers={"Authorization": "Bearer not-a-token-0123456789"}, timeout=10)
    assert bogus.json() == fetched.json()
    assert [entry["authorization"] for entry in sim.request_log] == [False, True]
    sim.advance_clock(59)
    assert requests.get(location, timeout=10).status_code == 200
    sim.advance_clock(2)
    assert requests.get(location, timeout=10).status_code == 403
    fresh = api.get(path, allow_redirects=False).headers["Location"]
    assert fresh != location and requests.get(fresh, timeout=10).status_code == 200


def test_5_5_following_the_redirect(sim, api):
    """Contract 5.5: a client that follows redirects gets the document in one call."""
    run_id = api.new_run("ws-Manual0000000001")
    sim.advance_clock(60)
    response = api.get(_json_paths(api, run_id)[0])
    assert response.status_code == 200 and response.json()["format_version"] == "1.2"


def test_5_5_needs_workspace_admin(sim, api):
    """Contract 5.5/1.4: a token without workspace admin access gets 403; organization tokens 404;
    a user token without access to the organization 404."""
    sim.add_token("reader", "user", organizations=["acme"], workspace_admin=False)
    run_id = api.new_run("ws-Manual0000000001")
    sim.advance_clock(60)
    path = _json_paths(api, run_id)[1]
    denied = Api(sim, "reader").get(path, allow_redirects=False)
    assert denied.status_code == 403 and error_of(denied)["title"] == "forbidden"
    assert Api(sim, "org").get(path, allow_redirects=False).status_code == 404
    assert Api(sim, "user").get(path, allow_redirects=False).status_code == 307
    other = api.new_run("ws-GlobexSecret0001")
    sim.advance_clock(60)
    assert Api(sim, "user").get(_json_paths(api, other)[1], allow_redirects=False).status_code == 404
    assert api.get("/api/v2/plans/plan-DoesNotExist0001/json-output").status_code == 404


def test_5_5_workspace_admin_flag_from_the_seed():
    """The seed's tokens take workspace_admin (default true)."""
    seed = {"organizations": [{"name": "acme", "workspaces": [{"name": "w"}]}],
            "tokens": [{"role": "ci", "kind": "user", "organizations": ["acme"], "workspace_admin": False}]}
    with Simulator(seed=seed) as sim:
        assert not sim.backend.world.principals_by_role["ci"].workspace_admin


def test_5_5_terraform_before_0_12_is_422(sim, api):
    """Contract 5.5: a run on Terraform older than 0.12 answers 422, even before its plan finished."""
    sim.set_workspace_knobs("ws-Manual0000000001", terraform_version="0.11.14")
    run_id = api.new_run("ws-Manual0000000001")
    path = _json_paths(api, run_id)[1]
    assert api.get(path, allow_redirects=False).status_code == 422
    sim.advance_clock(60)
    response = api.get(path, allow_redirects=False)
    assert response.status_code == 422 and "0.12" in error_of(response)["detail"]
    sim.set_workspace_knobs("ws-Manual0000000001", terraform_version="0.12.0")
    newer = api.new_run("ws-Manual0000000001", **{"plan-only": True})  # speculative: not queued behind the first
    sim.advance_clock(60)
    assert api.get(_json_paths(api, newer)[1], allow_redirects=False).status_code == 307


def test_5_5_errored_plan_never_has_json(sim, api):
    """Contract 5.5: a plan that errored never finishes: 204."""
    run_id = api.new_run("ws-PlanError0000001")
    sim.advance_clock(60)
    assert api.status(run_id) == "errored"
    assert api.get(_json_paths(api, run_id)[1], allow_redirects=False).status_code == 204


def test_5_5_default_document_follows_the_counts_and_carries_secrets(sim, api):
    """Contract 5.5: format 1.2; one change per counted resource, with Terraform's action lists; the
    marker appears in sensitive values and variables, and never in the plan's log."""
    sim.set_workspace_knobs("ws-Manual0000000001", resource_additions=2, resource_changes=1,
                            resource_destructions=1, resource_imports=1)
    run_id = api.new_run("ws-Manual0000000001", variables=[{"key": "replicas", "value": "3"}])
    sim.advance_clock(60)
    document = _document(api, _json_paths(api, run_id)[1])
    assert document["format_version"] == "1.2" and document["terraform_version"] == "1.9.5"
    actions = {change["address"]: change["change"]["actions"] for change in document["resource_changes"]}
    assert actions == {"null_resource.sim[0]": ["create"], "null_resource.sim[1]": ["create"],
                       "terraform_data.config[0]": ["update"], "null_resource.retired[0]": ["delete"],
                       "null_resource.imported[0]": ["no-op"]}
    imported = [c for c in document["resource_changes"] if c["address"] == "null_resource.imported[0]"][0]
    assert imported["change"]["importing"] == {"id": "imported-0"}
    assert document["variables"]["replicas"] == {"value": 3}
    assert document["variables"]["db_password"]["value"].startswith(MARKER)
    assert document["configuration"]["root_module"]["variables"]["db_password"]["sensitive"] is True
    created = document["resource_changes"][0]["change"]
    assert created["after"]["triggers"]["password"].startswith(MARKER)
    assert created["after_sensitive"] == {"triggers": {"password": True}}
    retired = [c for c in document["resource_changes"] if c["address"] == "null_resource.retired[0]"][0]
    assert retired["change"]["before"]["triggers"]["password"].startswith(MARKER)
    assert {"prior_state", "planned_values", "output_changes", "configuration"} <= set(document)
    assert document["output_changes"]["db_password"]["after_sensitive"] is True
    secret = document["variables"]["db_password"]["value"]
    assert len(secret) == len(MARKER) + 24 and int(secret[len(MARKER):], 16) >= 0
    log_url = api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]["attributes"]["log-read-url"]
    assert MARKER not in requests.get(log_url, timeout=10).text


def test_5_5_no_changes_and_destroy_documents(sim, api):
    """Contract 5.5: a no-change plan lists a no-op; a destroy run deletes."""
    quiet = api.new_run("ws-NoChanges000001")
    destroy = api.new_run("ws-Manual0000000001", **{"is-destroy": True})
    sim.advance_clock(60)
    no_op = _document(api, _json_paths(api, quiet)[1])
    assert [change["change"]["actions"] for change in no_op["resource_changes"]] == [["no-op"]]
    assert no_op["applyable"] is False
    gone = _document(api, _json_paths(api, destroy)[1])
    assert [change["change"]["actions"] for change in gone["resource_changes"]] == [["delete"]]


PLAN_CHANGES = [
    {"address": "module.net.aws_vpc.main", "actions": ["delete", "create"], "action_reason": "replace_because_tainted",
     "before": {"id": "vpc-1", "cidr_block": "10.0.0.0/16"}, "after": {"cidr_block": "10.1.0.0/16"},
     "after_unknown": {"id": True}},
    {"type": "aws_instance", "name": "web", "index": 0, "actions": ["create", "delete"],
     "before": {"id": "i-1", "ami": "ami-1"}, "after": {"ami": "ami-2"}},
    {"address": "data.aws_ami.latest", "actions": ["read"], "before": None, "after": {"owners": ["self"]}},
    {"address": "aws_s3_bucket.logs", "actions": ["update"], "before": {"tags": {}}, "after": {"tags": {"a": "b"}}},
    {"address": "aws_iam_role.ci", "actions": ["no-op"], "before": {"name": "ci"}, "after": {"name": "ci"},
     "importing": {"id": "ci"}},
]


def test_5_5_plan_changes_knob_drives_document_counts_and_log(sim, api):
    """Contract 5.5: the plan_changes knob sets resource_changes (addresses parsed, providers derived),
    the plan's counts (a replacement adds one and destroys one) and one log block per change."""
    sim.set_workspace_knobs("ws-Manual0000000001", plan_changes=PLAN_CHANGES)
    run_id = api.new_run("ws-Manual0000000001")
    sim.set_workspace_knobs("ws-Manual0000000001", plan_changes=None)  # the run keeps its own snapshot
    sim.advance_clock(60)
    document = _document(api, _json_paths(api, run_id)[1])
    changes = {change["address"]: change for change in document["resource_changes"]}
    vpc = changes["module.net.aws_vpc.main"]
    assert (vpc["module_address"], vpc["type"], vpc["name"], vpc["action_reason"]) == (
        "module.net", "aws_vpc", "main", "replace_because_tainted")
    assert vpc["provider_name"] == "registry.terraform.io/hashicorp/aws"
    assert changes["aws_instance.web[0]"]["change"]["actions"] == ["create", "delete"]
    assert changes["data.aws_ami.latest"]["mode"] == "data"
    assert changes["aws_iam_role.ci"]["change"]["importing"] == {"id": "ci"}
    child = document["planned_values"]["root_module"]["child_modules"][0]
    assert child["address"] == "module.net" and child["resources"][0]["address"] == "module.net.aws_vpc.main"
    plan = api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]["attributes"]
    assert (plan["resource-additions"], plan["resource-changes"], plan["resource-destructions"],
            plan["resource-imports"]) == (2, 1, 2, 1)
    log = requests.get(plan["log-read-url"], timeout=10).text
    for address, says in (("module.net.aws_vpc.main", "must be replaced"), ("aws_instance.web[0]", "must be replaced"),
                          ("data.aws_ami.latest", "will be read during apply"),
                          ("aws_s3_bucket.logs", "will be updated in-place"), ("aws_iam_role.ci", "will be imported")):
        assert "# %s\x1b[0m %s" % (address, says) in log
    assert "Plan:\x1b[0m 1 to import, 2 to add, 1 to change, 2 to destroy." in log


@pytest.mark.parametrize("bad, message", [
    ([{"actions": ["create"]}], "needs an address"),
    ([{"address": "a.b", "actions": ["explode"]}], "actions must be one of"),
    ([{"address": "a.b", "colour": "red"}], "unknown keys colour"),
    ([{"address": "a.b", "after": ["x"]}], "after must be an object"),
    ("not a list", "expects list"),
])
def test_5_5_plan_changes_knob_is_validated(sim, bad, message):
    """A bad plan_changes knob is a 422 naming the problem."""
    with pytest.raises(ApiError, match=message):
        sim.set_workspace_knobs("ws-Manual0000000001", plan_changes=bad)


def test_5_5_document_is_valid_json_with_a_timestamp(sim, api):
    """The document parses as JSON and is stamped with the plan's end."""
    run_id = api.new_run("ws-Manual0000000001")
    sim.advance_clock(60)
    location = api.get(_json_paths(api, run_id)[1], allow_redirects=False).headers["Location"]
    document = json.loads(requests.get(location, timeout=10).content.decode("utf-8"))
    assert document["timestamp"].endswith("Z")
