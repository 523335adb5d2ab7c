"""Contract sections 1.2-1.5 and 2: discovery, ping, authentication, content types, error documents."""
from __future__ import annotations

import requests
from conftest import JSON_API, Api, error_of


def test_1_2_well_known_terraform_json(sim):
    """Contract 1.2: the discovery document maps tfe.v2, tfe.v2.1 and tfe.v2.2 to /api/v2/, as application/json,
    next to the other services app.terraform.io publishes (clients such as terrasnek read modules.v1)."""
    response = requests.get(sim.url + "/.well-known/terraform.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    services = response.json()
    assert {key: services[key] for key in ("tfe.v2", "tfe.v2.1", "tfe.v2.2")} == dict.fromkeys(
        ("tfe.v2", "tfe.v2.1", "tfe.v2.2"), "/api/v2/")
    assert services["modules.v1"].startswith("/api/registry/")


def test_1_3_ping_headers(api):
    """Contract 1.3: ping carries TFP-API-Version, X-RateLimit-Limit 30, TFP-AppName and X-TFE-Version."""
    response = api.get("/api/v2/ping")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "30"
    assert response.headers["TFP-AppName"] == "Terraform Enterprise"
    assert response.headers["TFP-API-Version"]
    assert response.headers["X-TFE-Version"]


def test_1_4_missing_or_unknown_token_is_401(sim):
    """Contract 1.4: no token, a bad scheme or an unknown token -> 401 with a JSON:API error."""
    url = sim.url + "/api/v2/workspaces/ws-Manual0000000001"
    for headers in ({}, {"Authorization": "Bearer not-a-token-at-all-0123456789"},
                    {"Authorization": "Basic " + sim.tokens["admin"]}):
        response = requests.get(url, headers=headers, timeout=10)
        assert response.status_code == 401
        assert error_of(response)["title"] == "unauthorized"


def test_1_4_no_access_is_404_not_403(sim):
    """Contract 1.4: a user token without access to the organization gets 404, exactly like a missing workspace."""
    user = Api(sim, "user")
    assert user.get("/api/v2/workspaces/ws-Manual0000000001").status_code == 200
    for path in ("/api/v2/workspaces/ws-GlobexSecret0001", "/api/v2/organizations/globex/workspaces/secret",
                 "/api/v2/workspaces/ws-DoesNotExist00001"):
        response = user.get(path)
        assert response.status_code == 404
        assert error_of(response)["title"] == "not found"
    assert user.create_run("ws-GlobexSecret0001").status_code == 404


def test_1_4_organization_token_reads_but_cannot_queue_or_act(sim, api):
    """Contract 1.4/5.9: an organization token may read; POST /runs and every run action answer 404."""
    org = Api(sim, "org")
    run_id = api.new_run("ws-Manual0000000001")
    assert org.get("/api/v2/runs/" + run_id).status_code == 200
    assert org.run(run_id)["attributes"]["permissions"]["can-apply"] is False
    assert org.create_run("ws-Manual0000000001").status_code == 404
    for action in ("apply", "discard", "cancel", "force-cancel", "force-execute"):
        assert org.action(run_id, action).status_code == 404
    assert api.status(run_id) == "pending"


def test_1_4_non_admins_get_404_on_admin_api(sim):
    """Contract 1.4/6.1: /api/v2/admin/* answers 404 to user and organization tokens."""
    run_id = sim.create_runs("acme/manual", status="planning")[0]
    for role in ("user", "org"):
        client = Api(sim, role)
        assert client.get("/api/v2/admin/runs").status_code == 404
        assert client.post("/api/v2/admin/runs/%s/actions/force-cancel" % run_id).status_code == 404
        assert client.post("/api/v2/admin/runs/%s/actions/cancel" % run_id).status_code == 404
    assert Api(sim, "admin").get("/api/v2/admin/runs").status_code == 200


def test_1_4_revoked_and_added_tokens(sim, api):
    """Contract 1.4: a token revoked through the control API answers 401 from then on; an added one works."""
    assert api.get("/api/v2/ping").status_code == 200
    sim.revoke_token("admin")
    assert api.get("/api/v2/workspaces/ws-Manual0000000001").status_code == 401
    token = sim.add_token("ci", "user", ["globex"])
    assert len(token) > 40
    response = requests.get(sim.url + "/api/v2/workspaces/ws-GlobexSecret0001",
                            headers={"Authorization": "Bearer " + token}, timeout=10)
    assert response.status_code == 200


def test_1_5_both_content_types_accepted(api):
    """Contract 1.5: requests with application/vnd.api+json or application/json work; answers are JSON:API."""
    body = {"data": {"type": "runs", "relationships": {
        "workspace": {"data": {"type": "workspaces", "id": "ws-Manual0000000001"}}}}}
    for content_type in (JSON_API, "application/json"):
        response = api.post("/api/v2/runs", body, headers={"Content-Type": content_type})
        assert response.status_code == 201
        assert response.headers["Content-Type"] == JSON_API


def test_2_errors_are_json_api_with_string_status(api):
    """Contract 2: unknown routes and resources answer a JSON:API error whose status is a string."""
    for path in ("/api/v2/runs/run-DoesNotExist0001", "/api/v2/no-such-endpoint"):
        response = api.get(path)
        assert response.status_code == 404
        error_of(response)


def test_2_error_status_as_integer_knob(sim, api):
    """Contract 2/11.3: the error_status_as_integer installation knob mimics the docs' integer status sample."""
    sim.set_installation(error_status_as_integer=True)
    response = api.get("/api/v2/runs/run-DoesNotExist0001")
    assert response.json()["errors"][0]["status"] == 404


def test_1_5_keep_alive_connection_reused(api):
    """Contract 1.5 transport: HTTP/1.1 keep-alive; several requests on one pooled connection all succeed."""
    for attempt in range(5):
        response = api.get("/api/v2/ping")
        assert response.status_code == 200
        assert response.raw.version == 11
