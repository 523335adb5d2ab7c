"""Faults (issue 5; contract 7.2, 7.3, 10): each kind as a client sees it, its scope and
count, and that it turns off. Faults are armed in-process (``sim.add_fault``), over
``/_sim/faults``, by ``--fault`` and by the seed file; all four share one implementation."""
from __future__ import annotations

import email.utils
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import JSON_API, SEED, Api, error_of
from tfesim import ApiError, SeedError, Simulator
from tfesim.timefmt import rfc3339

SIMULATOR_DIR = Path(__file__).resolve().parent.parent
MANUAL = "ws-Manual0000000001"


def control(sim, method, path, body=None):
    """Call a /_sim/ endpoint (no token) and return the response."""
    return requests.request(method, sim.url + "/_sim/" + path, json=body, timeout=10)


def wait_for(condition, deadline=5.0):
    """Poll ``condition`` until it is truthy (a server thread finishing), failing after ``deadline`` s."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not met in %s s" % deadline)


def statuses(sim):
    """Statuses of the logged API requests, in order."""
    return [entry["status"] for entry in sim.request_log]


# -- common behaviour ------------------------------------------------------------------------

def test_faults_are_off_by_default(sim, api):
    """A fresh simulator has no faults and answers normally."""
    assert sim.faults() == []
    assert control(sim, "GET", "faults").json() == {"faults": []}
    assert api.get("/api/v2/ping").status_code == 200


def test_control_endpoints_add_list_remove_clear(sim, api):
    """POST /_sim/faults arms (201, the fault with its id), GET lists, DELETE /:id and DELETE clear."""
    created = control(sim, "POST", "faults", {"kind": "server_error", "status": 503, "count": None})
    assert created.status_code == 201
    fault = created.json()
    assert fault["id"] and fault["kind"] == "server_error" and fault["status"] == 503 and fault["remaining"] is None
    second = control(sim, "POST", "faults", {"kind": "latency", "ms": 0}).json()
    assert [item["id"] for item in control(sim, "GET", "faults").json()["faults"]] == [fault["id"], second["id"]]
    assert api.get("/api/v2/ping").status_code == 503
    assert control(sim, "DELETE", "faults/" + fault["id"]).status_code == 204
    assert api.get("/api/v2/ping").status_code == 200
    assert control(sim, "DELETE", "faults/" + fault["id"]).status_code == 404
    assert control(sim, "DELETE", "faults").status_code == 204
    assert sim.faults() == []


@pytest.mark.parametrize("body, message", [
    ({"kind": "tsunami"}, "unknown fault kind"),
    ({"kind": "rate_limit", "hint": "sometimes"}, "hint must be one of"),
    ({"kind": "rate_limit", "colour": "red"}, "unknown parameter colour"),
    ({"kind": "server_error", "status": 418}, "status must be one of"),
    ({"kind": "drop", "count": -1}, "count must be at least 0"),
    ({"kind": "latency", "ms": "fast"}, "ms expects"),
    ({"kind": "revoke_token"}, "needs role"),
    ({"kind": "someone_else"}, "exactly one of run or workspace"),
    ({"kind": "revoke_token", "role": "user", "at": 1, "in_seconds": 1}, "not both"),
    ({"status": 500}, "bad arguments"),
])
def test_bad_faults_are_refused_with_a_reason(sim, body, message):
    """An unknown kind or a bad parameter is a 422 naming it (in-process: ApiError); nothing is armed."""
    response = control(sim, "POST", "faults", body)
    assert response.status_code == 422
    assert message in response.json()["errors"][0]["detail"]
    assert sim.faults() == []


def test_unknown_fault_target_is_404(sim):
    """someone_else on a run or workspace that does not exist: 404."""
    with pytest.raises(ApiError) as caught:
        sim.add_fault("someone_else", run="run-DoesNotExist0001")
    assert caught.value.status == 404
    assert control(sim, "POST", "faults", {"kind": "someone_else", "workspace": "acme/nope"}).status_code == 404


def test_scope_method_path_role_and_count(sim, api):
    """A fault acts only on requests in its scope (method, path pattern, token role), ``count`` times, then is spent."""
    fault = sim.add_fault("server_error", status=500, method="get", path="/api/v2/runs/*", role="admin", count=2)
    assert fault["method"] == "GET"
    run_id = api.new_run(MANUAL)                                             # POST: out of scope
    assert Api(sim, "user").get("/api/v2/runs/" + run_id).status_code == 200  # another role: out of scope
    assert api.get("/api/v2/runs/%s/plan" % run_id).status_code == 200       # * stays within one segment
    assert api.get("/api/v2/runs/" + run_id).status_code == 500
    assert api.get("/api/v2/runs/" + run_id).status_code == 500
    assert api.get("/api/v2/runs/" + run_id).status_code == 200              # count exhausted
    described = sim.faults()[0]
    assert (described["fired"], described["remaining"], described["active"]) == (2, 0, False)


def test_path_double_star_and_skip(sim, api):
    """``**`` spans segments; ``skip`` lets that many matching requests through first."""
    sim.add_fault("server_error", path="/api/v2/**", skip=2, count=1)
    assert [api.get("/api/v2/ping").status_code for attempt in range(4)] == [200, 200, 500, 200]
    sim.add_fault("server_error", path="/api/v2/**/plan")
    run_id = api.new_run(MANUAL)
    assert api.get("/api/v2/runs/%s/plan" % run_id).status_code == 500


def test_count_null_or_zero_means_always_until_cleared(sim, api):
    """``count: null`` (or 0) acts on every matching request until the fault is removed."""
    sim.add_fault("server_error", path="/api/v2/ping", count=None)
    sim.add_fault("server_error", status=503, path="/.well-known/terraform.json", count=0)
    assert [api.get("/api/v2/ping").status_code for attempt in range(5)] == [500] * 5
    assert api.get("/.well-known/terraform.json").status_code == 503
    sim.clear_faults()
    assert api.get("/api/v2/ping").status_code == 200
    assert api.get("/.well-known/terraform.json").status_code == 200


def test_control_endpoints_are_never_faulted(sim):
    """An always-on fault on every path still leaves /_sim/ reachable (to turn it off)."""
    sim.add_fault("drop", path="/**", count=None)
    assert control(sim, "GET", "clock").status_code == 200
    assert control(sim, "DELETE", "faults").status_code == 204


def test_faults_compose_in_the_order_added(sim, api):
    """Several faults on one request: the first added acts outermost (latency, then the 429)."""
    sim.add_fault("latency", ms=30, path="/api/v2/ping")
    sim.add_fault("rate_limit", path="/api/v2/ping")
    started = time.monotonic()
    assert api.get("/api/v2/ping").status_code == 429
    assert time.monotonic() - started >= 0.03


# -- rate limits (contract 7.2) ----------------------------------------------------------------

def test_rate_limit_reset_hint(sim, api):
    """429, JSON:API "Too many requests", X-RateLimit-Reset (seconds, 3 decimals) and X-RateLimit-Limit, no Retry-After."""
    sim.add_fault("rate_limit", seconds=2.5, count=2, method="POST", path="/api/v2/runs")
    assert api.get("/api/v2/workspaces/" + MANUAL).status_code == 200  # out of scope
    for attempt in range(2):
        response = api.create_run(MANUAL)
        assert response.status_code == 429
        error = error_of(response)
        assert (error["title"], error["detail"]) == ("Too many requests", "You have exceeded the API's rate limit.")
        assert response.headers["X-RateLimit-Reset"] == "2.500"
        assert response.headers["X-RateLimit-Limit"] == "30"
        assert "Retry-After" not in response.headers
    assert sim.runs("acme/manual") == []  # a 429 never processes the request
    assert api.create_run(MANUAL).status_code == 201
    assert statuses(sim) == [200, 429, 429, 201]


def test_rate_limit_retry_after_seconds(sim, api):
    """hint retry_after: Retry-After in whole seconds (rounded up), no X-RateLimit-* headers."""
    sim.add_fault("rate_limit", hint="retry_after", seconds=1.2)
    response = api.get("/api/v2/ping")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert "X-RateLimit-Reset" not in response.headers and "X-RateLimit-Limit" not in response.headers
    assert api.get("/api/v2/ping").status_code == 200


def test_rate_limit_retry_after_http_date(sim, api):
    """hint retry_after_date: Retry-After is an HTTP date at least ``seconds`` ahead of the wall clock."""
    sim.add_fault("rate_limit", hint="retry_after_date", seconds=30)
    before = time.time()
    response = api.get("/api/v2/ping")
    assert response.status_code == 429
    moment = email.utils.parsedate_to_datetime(response.headers["Retry-After"]).timestamp()
    assert before + 30 <= moment + 1 and moment <= time.time() + 31
    assert "X-RateLimit-Reset" not in response.headers


def test_rate_limit_without_hints(sim, api):
    """hint none: a bare 429 with the JSON:API error and neither header."""
    sim.add_fault("rate_limit", hint="none")
    response = api.get("/api/v2/ping")
    assert response.status_code == 429 and error_of(response)["title"] == "Too many requests"
    assert not {"Retry-After", "X-RateLimit-Reset", "X-RateLimit-Limit"} & set(response.headers)


def test_rate_limit_error_status_follows_the_installation(sim, api):
    """The 429 document honours error_status_as_integer like every other error."""
    sim.set_installation(error_status_as_integer=True)
    sim.add_fault("rate_limit")
    assert api.get("/api/v2/ping").json()["errors"][0]["status"] == 429


def test_per_token_rate_limit_on_the_wall_clock(sim, api):
    """A real limit: ``limit`` requests per ``window`` seconds per token, 429 with X-RateLimit-Reset beyond it;
    other tokens have their own budget; removing the fault lifts it."""
    fault = sim.add_fault("per_token_rate_limit", limit=5, window=30)
    assert fault["remaining"] is None
    assert [api.get("/api/v2/ping").status_code for attempt in range(6)] == [200] * 5 + [429]
    response = api.get("/api/v2/ping")
    assert response.status_code == 429
    assert error_of(response)["detail"] == "You have exceeded the API's rate limit."
    assert response.headers["X-RateLimit-Limit"] == "5"
    assert 0 < float(response.headers["X-RateLimit-Reset"]) <= 30
    assert Api(sim, "user").get("/api/v2/ping").status_code == 200
    assert sim.faults()[0]["fired"] == 2
    sim.advance_clock(60)  # the wall clock, not the simulator clock, drives this window
    assert api.get("/api/v2/ping").status_code == 429
    sim.remove_fault(fault["id"])
    assert api.get("/api/v2/ping").status_code == 200


def test_per_token_rate_limit_window_slides(sim, api):
    """clock simulator: the window slides with advance_clock, so a test proves the sliding without sleeping;
    a path scope limits only those requests."""
    sim.add_fault("per_token_rate_limit", limit=2, window=1, clock="simulator", path="/api/v2/runs/*")
    run_id = api.new_run(MANUAL)
    assert [api.get("/api/v2/runs/" + run_id).status_code for attempt in range(3)] == [200, 200, 429]
    assert api.get("/api/v2/ping").status_code == 200
    sim.advance_clock(1.01)
    assert [api.get("/api/v2/runs/" + run_id).status_code for attempt in range(3)] == [200, 200, 429]


# -- server errors, created-then-503, dropped connections -------------------------------------

@pytest.mark.parametrize("status, html", [(500, False), (502, True), (503, False), (504, True)])
def test_server_error_bodies(sim, api, status, html):
    """500/503 answer a JSON:API error; 502/504 an HTML page as a proxy would; not processed by default."""
    sim.add_fault("server_error", status=status, method="POST", path="/api/v2/runs")
    response = api.create_run(MANUAL)
    assert response.status_code == status
    if html:
        assert response.headers["Content-Type"] == "text/html"
        assert response.text.startswith("<html>") and str(status) in response.text
    else:
        assert error_of(response)["title"] in ("internal server error", "service unavailable")
    assert sim.runs("acme/manual") == []
    assert api.create_run(MANUAL).status_code == 201


def test_server_error_after_processing(sim, api):
    """after: true processes the request first: the 502 hides a run that was created."""
    sim.add_fault("server_error", status=502, after=True, method="POST", path="/api/v2/runs")
    assert api.create_run(MANUAL).status_code == 502
    assert len(sim.runs("acme/manual")) == 1


def test_created_then_503(sim, api):
    """On POST /api/v2/runs the run is created but the answer is a JSON:API 503; only POST /runs by default."""
    fault = sim.add_fault("created_then_503")
    assert (fault["method"], fault["path"]) == ("POST", "/api/v2/runs")
    assert api.get("/api/v2/ping").status_code == 200
    response = api.create_run(MANUAL)
    assert response.status_code == 503 and error_of(response)["title"] == "service unavailable"
    assert len(sim.runs("acme/manual")) == 1
    assert api.create_run(MANUAL).status_code == 201
    assert len(sim.runs("acme/manual")) == 2


def test_drop_before_processing(sim, api):
    """drop: the connection closes without an answer; the request was not processed; the log says status null."""
    sim.add_fault("drop", method="POST", path="/api/v2/runs")
    with pytest.raises(requests.ConnectionError):
        api.create_run(MANUAL)
    assert sim.runs("acme/manual") == []
    assert statuses(sim) == [None]
    assert api.create_run(MANUAL).status_code == 201


def test_drop_after_processing(sim, api):
    """drop after: true: the run was created although the client saw only a closed connection."""
    sim.add_fault("drop", after=True, method="POST", path="/api/v2/runs", count=2)
    for attempt in range(2):
        with pytest.raises(requests.ConnectionError):
            api.create_run(MANUAL)
    assert len(sim.runs("acme/manual")) == 2
    assert api.create_run(MANUAL).status_code == 201


# -- latency and slow answers ------------------------------------------------------------------

def test_latency_per_request(sim, api):
    """latency: ``ms`` added to every matching request (count defaults to always); others are not delayed."""
    fault = sim.add_fault("latency", ms=60, path="/api/v2/ping")
    assert fault["count"] is None
    for attempt in range(2):
        started = time.monotonic()
        assert api.get("/api/v2/ping").status_code == 200
        assert time.monotonic() - started >= 0.06
    assert api.get("/api/v2/workspaces/" + MANUAL).status_code == 200
    assert sim.faults()[0]["fired"] == 2
    sim.clear_faults()
    assert api.get("/api/v2/ping").status_code == 200


def test_slow_answer_not_processed(sim, api):
    """slow: the client times out; the request is never processed (the connection closes after ``seconds``,
    or as soon as the faults are cleared)."""
    sim.add_fault("slow", seconds=30, method="POST", path="/api/v2/runs")
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.session.post(sim.url + "/api/v2/runs", json={"data": {"type": "runs", "relationships": {
            "workspace": {"data": {"type": "workspaces", "id": MANUAL}}}}}, timeout=0.15)
    assert sim.runs("acme/manual") == []
    sim.clear_faults()  # wakes the sleeping request at once: it still closes without processing
    wait_for(lambda: sim.request_log)
    assert statuses(sim) == [None]
    assert sim.runs("acme/manual") == []
    assert api.create_run(MANUAL).status_code == 201


def test_slow_answer_after_processing(sim, api):
    """slow after: true: processed at once, answered after ``seconds`` (the client gave up, the run exists);
    clearing the faults releases the waiting answer."""
    sim.add_fault("slow", seconds=30, after=True, method="POST", path="/api/v2/runs")
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.session.post(sim.url + "/api/v2/runs", json={"data": {"type": "runs", "relationships": {
            "workspace": {"data": {"type": "workspaces", "id": MANUAL}}}}}, timeout=0.15)
    assert len(sim.runs("acme/manual")) == 1
    sim.clear_faults()
    assert wait_for(lambda: statuses(sim)) == [201]
    assert time.monotonic() - started < 5


# -- bodies that are not JSON:API --------------------------------------------------------------

def test_bad_body_html_page_with_200(sim, api):
    """bad_body html: an HTML page with 200 (or ``status``); the request is not processed."""
    sim.add_fault("bad_body", body="html", path="/api/v2/runs/*")
    run_id = api.new_run(MANUAL)
    response = api.get("/api/v2/runs/" + run_id)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError):
        response.json()
    sim.add_fault("bad_body", body="html", status=500, method="POST", path="/api/v2/runs")
    assert api.create_run(MANUAL).status_code == 500
    assert len(sim.runs("acme/manual")) == 1


def test_bad_body_truncated_json(sim, api):
    """bad_body truncated: the real answer cut in half, its status kept, Content-Length matching the cut text."""
    run_id = api.new_run(MANUAL)
    full = api.get("/api/v2/runs/" + run_id).content
    sim.add_fault("bad_body", body="truncated", path="/api/v2/runs/" + run_id)
    response = api.get("/api/v2/runs/" + run_id)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON_API
    assert int(response.headers["Content-Length"]) == len(response.content) == len(full) // 2
    assert full.startswith(response.content)
    with pytest.raises(ValueError):
        response.json()
    assert api.get("/api/v2/runs/" + run_id).json()["data"]["id"] == run_id


def test_bad_body_empty_200(sim, api):
    """bad_body empty: 200 with an empty body; after: true processes the request first."""
    sim.add_fault("bad_body", body="empty", after=True, method="POST", path="/api/v2/runs")
    response = api.create_run(MANUAL)
    assert (response.status_code, response.content, response.headers["Content-Length"]) == (200, b"", "0")
    assert len(sim.runs("acme/manual")) == 1


# -- a token revoked while a module waits -------------------------------------------------------

def test_revoke_token_after_requests(sim, api):
    """revoke_token: the role's next ``skip`` requests succeed, then its token answers 401 from then on;
    other tokens go on working."""
    user = Api(sim, "user")
    run_id = api.new_run(MANUAL)
    fault = sim.add_fault("revoke_token", role="user", skip=2, path="/api/v2/runs/*")
    assert user.get("/api/v2/ping").status_code == 200  # out of scope: not counted
    assert [user.get("/api/v2/runs/" + run_id).status_code for attempt in range(4)] == [200, 200, 401, 401]
    assert error_of(user.get("/api/v2/workspaces/" + MANUAL))["status"] == "401"
    assert api.get("/api/v2/runs/" + run_id).status_code == 200
    assert "user" not in sim.tokens
    described = sim.faults()[0]
    assert (described["id"], described["active"], described["result"]) == (fault["id"], False, "revoked user")


def test_revoke_token_at_a_simulator_time(sim):
    """revoke_token in_seconds / at: the token dies when the simulator clock reaches that moment."""
    user = Api(sim, "user")
    sim.add_fault("revoke_token", role="user", in_seconds=60)
    assert user.get("/api/v2/workspaces/" + MANUAL).status_code == 200
    sim.advance_clock(59)
    assert user.get("/api/v2/workspaces/" + MANUAL).status_code == 200
    sim.advance_clock(2)
    assert user.get("/api/v2/workspaces/" + MANUAL).status_code == 401
    sim.add_token("late", "user", ["acme"])
    sim.add_fault("revoke_token", role="late", at=sim.backend.clock.now() - 1)  # a moment already past
    assert Api(sim, "late").get("/api/v2/workspaces/" + MANUAL).status_code == 401


# -- "someone else" ends a run a module waits on -------------------------------------------------

def test_someone_else_discards_a_run_after_reads(sim, api):
    """someone_else run: ``skip`` reads of the run show it going on; the next one shows it discarded."""
    run_id = api.new_run(MANUAL)
    sim.add_fault("someone_else", run=run_id, skip=2)
    assert api.get("/api/v2/workspaces/%s/runs" % MANUAL).status_code == 200  # not a read of the run
    assert [api.status(run_id) for attempt in range(2)] == ["pending", "pending"]
    run = api.run(run_id)
    assert run["attributes"]["status"] == "discarded"
    assert "discarded-at" in run["attributes"]["status-timestamps"]
    assert sim.faults()[0]["result"] == "%s discarded" % run_id


def test_someone_else_cancels_the_next_run_of_a_workspace(sim, api):
    """someone_else workspace: the target is the next run created there; status canceled sets canceled-at."""
    sim.add_fault("someone_else", workspace="acme/auto", status="canceled", skip=1, role="admin")
    assert sim.faults()[0]["target_run"] is None
    run_id = api.new_run("ws-AutoApply0000001")
    sim.advance_clock(2)
    assert Api(sim, "user").status(run_id) == "planning"  # another role: not counted
    assert api.status(run_id) == "planning"
    run = api.run(run_id)
    assert run["attributes"]["status"] == "canceled" and run["attributes"]["canceled-at"]
    assert sim.faults()[0]["target_run"] == run_id


def test_someone_else_at_a_simulator_time(sim, api):
    """someone_else at: the run is discarded at exactly that moment, whenever the next read comes."""
    run_id = api.new_run(MANUAL)
    moment = int(sim.backend.clock.now()) + 30
    sim.add_fault("someone_else", run=run_id, at=moment)
    sim.advance_clock(10)
    assert api.status(run_id) == "planned"
    sim.advance_clock(300)
    attributes = api.run(run_id)["attributes"]
    assert attributes["status"] == "discarded"
    assert attributes["status-timestamps"]["discarded-at"] == rfc3339(moment)


def test_someone_else_leaves_a_finished_run_alone(sim, api):
    """A run that already ended is not changed; the fault is spent and says why."""
    run_id = sim.create_runs("acme/manual", status="applied")[0]
    sim.add_fault("someone_else", run=run_id)
    assert api.status(run_id) == "applied"
    assert sim.faults()[0]["result"] == "%s was already applied" % run_id


# -- the seed file and the command line -------------------------------------------------------

def test_seed_faults_section():
    """A seed's ``faults:`` section arms faults at start; a bad entry fails naming it."""
    seed = dict(SEED, faults=[{"kind": "rate_limit", "hint": "retry_after", "path": "/api/v2/ping", "count": None}])
    with Simulator(seed=seed) as sim:
        assert Api(sim).get("/api/v2/ping").headers["Retry-After"] == "1"
        assert Api(sim).get("/api/v2/workspaces/" + MANUAL).status_code == 200
    with pytest.raises(SeedError, match="seed fault rate_limit: .*hint"):
        Simulator(seed=dict(SEED, faults=[{"kind": "rate_limit", "hint": "maybe"}]))


def test_command_line_fault_flags():
    """--fault KIND[:key=value,...] (repeatable; values JSON when they parse) arms faults at start."""
    env = dict(os.environ, PYTHONPATH=str(SIMULATOR_DIR))
    command = [sys.executable, "-m", "tfesim", "--empty", "--token", "ci:site_admin",
               "--fault", "server_error:status=502,path=/api/v2/ping,count=null",
               "--fault", "rate_limit:hint=retry_after,seconds=7,method=POST,path=/api/v2/runs"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        url = process.stdout.readline().strip().partition("TFESIM_URL=")[2]
        try:
            faults = requests.get(url + "/_sim/faults", timeout=10).json()["faults"]
            assert [(fault["kind"], fault["count"]) for fault in faults] == [("server_error", None), ("rate_limit", 1)]
            assert [requests.get(url + "/api/v2/ping", timeout=10).status_code for attempt in range(2)] == [502, 502]
            assert requests.post(url + "/api/v2/runs", timeout=10).headers["Retry-After"] == "7"
        finally:
            process.terminate()
            assert process.wait(timeout=10) == 0


def test_command_line_bad_fault_exits_2():
    """A bad --fault stops the simulator before it listens, naming the problem."""
    env = dict(os.environ, PYTHONPATH=str(SIMULATOR_DIR))
    result = subprocess.run([sys.executable, "-m", "tfesim", "--empty", "--fault", "server_error:status=418"],
                            env=env, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "status must be one of" in result.stderr
