"""The simulator's own surface: /_sim/ control endpoints, the request log, the
middleware hook, seeding (YAML, bulk history) and the command line."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from conftest import SEED, Api
from tfesim import Response, SeedError, Simulator

SIMULATOR_DIR = Path(__file__).resolve().parent.parent


def control(sim, method, path, body=None):
    """Call a /_sim/ endpoint (no token) and return the response."""
    return requests.request(method, sim.url + "/_sim/" + path, json=body, timeout=10)


def test_control_clock_advance(sim):
    """POST /_sim/clock/advance moves simulator time; GET /_sim/clock reads it; negative is 422."""
    before = control(sim, "GET", "clock").json()
    after = control(sim, "POST", "clock/advance", {"seconds": 3600}).json()
    assert after["offset_seconds"] == before["offset_seconds"] + 3600
    assert after["now"] > before["now"]
    assert control(sim, "POST", "clock/advance", {"seconds": -1}).status_code == 422


def test_control_knobs_runs_and_status(sim, api):
    """PATCH /_sim/workspaces/:id/knobs, POST /_sim/runs, POST /_sim/runs/:id/status, GET /_sim/runs."""
    response = control(sim, "PATCH", "workspaces/ws-Manual0000000001/knobs", {"auto_apply": True})
    assert response.status_code == 200 and response.json()["auto_apply"] is True
    assert control(sim, "PATCH", "workspaces/ws-Manual0000000001/knobs", {"no_such_knob": 1}).status_code == 422
    assert control(sim, "PATCH", "workspaces/ws-Manual0000000001/knobs", {"auto_apply": "yes"}).status_code == 422
    created = control(sim, "POST", "runs", {"workspace": "acme/manual", "status": "planning", "count": 3})
    assert created.status_code == 201
    run_ids = created.json()["ids"]
    assert len(run_ids) == 3
    moved = control(sim, "POST", "runs/%s/status" % run_ids[0], {"status": "discarded"})
    assert moved.status_code == 200 and moved.json()["status"] == "discarded"
    assert api.status(run_ids[0]) == "discarded"
    listed = control(sim, "GET", "runs?workspace=ws-Manual0000000001&status=planning").json()["runs"]
    assert [run["id"] for run in listed] == run_ids[1:]
    assert control(sim, "POST", "runs/%s/status" % run_ids[1], {"status": "bogus"}).status_code == 422
    assert control(sim, "POST", "runs", {"workspace": "acme/manual", "colour": "red"}).status_code == 422


def test_control_move_then_continue(sim, api):
    """A run moved to a status continues along its path from there (not stuck unless asked)."""
    run_id = api.new_run("ws-AutoApply0000001")
    sim.set_run_status(run_id, "applying")
    assert api.status(run_id) == "applying"
    sim.advance_clock(5)
    assert api.status(run_id) == "applied"
    other = api.new_run("ws-AutoApply0000001")
    sim.set_run_status(other, "planning", stuck=True)
    sim.advance_clock(60)
    assert api.status(other) == "planning"


def test_control_organizations_workspaces_tokens(sim):
    """POST /_sim/organizations, /_sim/workspaces, /_sim/tokens; DELETE /_sim/tokens/:role; GET listings."""
    assert control(sim, "POST", "organizations", {"name": "initech"}).status_code == 201
    workspace = control(sim, "POST", "workspaces", {"organization": "initech", "name": "tps",
                                                    "knobs": {"has_changes": False}}).json()
    assert workspace["id"].startswith("ws-") and workspace["knobs"]["has_changes"] is False
    assert control(sim, "GET", "workspaces/" + workspace["id"]).json()["name"] == "tps"
    assert any(item["name"] == "tps" for item in control(sim, "GET", "workspaces").json()["workspaces"])
    token = control(sim, "POST", "tokens", {"role": "milton", "kind": "user", "organizations": ["initech"]}).json()
    assert control(sim, "GET", "tokens").json()["tokens"]["milton"] == token["token"]
    headers = {"Authorization": "Bearer " + token["token"]}
    url = sim.url + "/api/v2/workspaces/" + workspace["id"]
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    assert control(sim, "DELETE", "tokens/milton").status_code == 204
    assert requests.get(url, headers=headers, timeout=10).status_code == 401
    assert control(sim, "POST", "tokens", {"role": "x", "kind": "organization", "organizations": []}).status_code == 422


def test_control_installation(sim):
    """GET and PATCH /_sim/installation; bad values are 422."""
    assert control(sim, "GET", "installation").json()["admin_cancel_route"] is True
    assert control(sim, "PATCH", "installation", {"admin_cancel_route": False}).json()["admin_cancel_route"] is False
    assert control(sim, "PATCH", "installation", {"force_cancel_status": "gone"}).status_code == 422


def test_request_log(sim, api):
    """GET/DELETE /_sim/requests: method, path, decoded query, status and token role of API traffic only."""
    api.get("/api/v2/workspaces/ws-Manual0000000001/runs", params={"page[size]": "5"})
    Api(sim, None).get("/api/v2/runs/run-DoesNotExist0001")
    log = control(sim, "GET", "requests").json()["requests"]
    assert [(entry["method"], entry["path"], entry["status"], entry["token_role"]) for entry in log] == [
        ("GET", "/api/v2/workspaces/ws-Manual0000000001/runs", 200, "admin"),
        ("GET", "/api/v2/runs/run-DoesNotExist0001", 401, None)]
    assert log[0]["query"] == {"page[size]": "5"}
    assert sim.request_log == log
    assert control(sim, "DELETE", "requests").status_code == 204
    assert sim.request_log == []


def test_middleware_hook_created_then_503(sim, api):
    """The fault hook for issue 5: a middleware sees every request and may replace the answer
    (here "the run was created but the response was a 503"); the log records what the client saw."""

    def created_then_503(request, next_handler):
        response = next_handler(request)
        if request.method == "POST" and request.path == "/api/v2/runs":
            return Response.document(503, {"errors": [{"status": "503", "title": "service unavailable"}]})
        return response

    sim.add_middleware(created_then_503)
    assert api.create_run("ws-Manual0000000001").status_code == 503
    assert len(sim.runs("acme/manual")) == 1
    assert sim.request_log[-1]["status"] == 503


def test_middleware_drop_connection(sim, api):
    """A middleware can close the connection without answering (dropped-connection faults)."""
    sim.add_middleware(lambda request, next_handler: Response(0, drop_connection=True))
    with pytest.raises(requests.ConnectionError):
        api.get("/api/v2/ping")
    assert sim.request_log[-1]["status"] is None


def test_seed_bulk_history_10000_runs():
    """Bulk seeding: 10,000 historical runs load and list (the admin listing benchmark's setup)."""
    seed = dict(SEED, runs=[{"workspace": "acme/manual", "status": "applied", "count": 6000},
                            {"workspace": "globex/secret", "status": "errored", "count": 3000},
                            {"workspace": "acme/stuck", "status": "planning", "count": 1000}])
    with Simulator(seed=seed) as sim:
        body = Api(sim).get("/api/v2/admin/runs", params={"page[size]": "100"}).json()
        assert body["meta"]["pagination"]["total-count"] == 10000
        assert body["meta"]["status-counts"]["planning"] == 1000
        assert len(body["data"]) == 100


def test_demo_seed_file_loads():
    """tests/simulator/seed.yml is a valid seed with admin, user and org tokens (long random strings)."""
    pytest.importorskip("yaml")
    with Simulator(seed=SIMULATOR_DIR / "seed.yml") as sim:
        assert set(sim.tokens) >= {"admin", "user", "org"}
        assert all(len(token) > 40 for token in sim.tokens.values())
        assert Api(sim).get("/api/v2/organizations/acme/workspaces/app-manual").status_code == 200


@pytest.mark.parametrize("seed, message", [
    ({"colours": []}, "unknown seed sections"),
    ({"organizations": [{"name": "a", "workspaces": [{"name": "w", "policy": "maybe"}]}]}, "workspace a/w"),
    ({"tokens": [{"role": "r", "kind": "wizard", "organizations": []}]}, "token r"),
])
def test_seed_errors_name_the_entry(seed, message):
    """A bad seed fails with a message naming the bad entry."""
    with pytest.raises(SeedError, match=message):
        Simulator(seed=seed)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_command_line_prints_url_and_stops_on_signal(signum):
    """python3 -m tfesim: first line TFESIM_URL=..., export lines, serves, stops cleanly on SIGTERM/SIGINT."""
    env = dict(os.environ, PYTHONPATH=str(SIMULATOR_DIR))
    command = [sys.executable, "-m", "tfesim", "--empty", "--workspace", "acme/web", "--knob", "auto_apply=true",
               "--token", "ci:user:acme", "--installation", "admin_cancel_route=false"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        url = process.stdout.readline().strip().partition("TFESIM_URL=")[2]
        lines = [process.stdout.readline() for line in range(3)]
        token = lines[2].split("TFE_TOKEN=")[1].strip()
        assert lines[2].startswith("export TFE_ADDRESS=%s TFE_TOKEN=" % url)
        workspace = requests.get(url + "/api/v2/organizations/acme/workspaces/web",
                                 headers={"Authorization": "Bearer " + token}, timeout=10).json()["data"]
        assert workspace["attributes"]["auto-apply"] is True
        assert requests.get(url + "/_sim/installation", timeout=10).json()["admin_cancel_route"] is False
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0
