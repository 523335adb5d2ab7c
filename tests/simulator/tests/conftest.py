"""Shared fixtures for the simulator's conformance suite: a fresh simulator per
test (starting one takes milliseconds) and small API helpers."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfesim import Simulator  # noqa: E402  pylint: disable=wrong-import-position

JSON_API = "application/vnd.api+json"

# One workspace per scenario; phase_seconds 1 so that advancing the clock 1 s is one step.
SEED: Dict[str, Any] = {
    "organizations": [
        {"name": "acme", "email": "ops@acme.example", "workspaces": [
            {"name": "manual", "id": "ws-Manual0000000001"},
            {"name": "auto", "id": "ws-AutoApply0000001", "auto_apply": True},
            {"name": "nochanges", "id": "ws-NoChanges000001", "has_changes": False},
            {"name": "costpass", "id": "ws-CostPass00000001", "cost_estimation": True, "policy": "pass"},
            {"name": "soft", "id": "ws-SoftFail00000001", "policy": "soft_fail"},
            {"name": "hard", "id": "ws-HardFail00000001", "policy": "hard_fail"},
            {"name": "planerr", "id": "ws-PlanError0000001", "plan_error": True},
            {"name": "applyerr", "id": "ws-ApplyError000001", "auto_apply": True, "apply_error": True},
            {"name": "empty", "id": "ws-NoConfig00000001", "has_configuration_version": False},
            {"name": "stuck", "id": "ws-Stuck00000000001", "stuck_status": "planning"},
        ]},
        {"name": "globex", "email": "infra@globex.example", "workspaces": [
            {"name": "secret", "id": "ws-GlobexSecret0001"},
        ]},
    ],
    "tokens": [
        {"role": "admin", "kind": "site_admin"},
        {"role": "user", "kind": "user", "organizations": ["acme"]},
        {"role": "org", "kind": "organization", "organizations": ["acme"]},
    ],
}


class Api:
    """A requests session speaking JSON:API to the simulator as one token role."""

    def __init__(self, sim: Simulator, role: Optional[str] = "admin") -> None:
        self.sim = sim
        self.session = requests.Session()
        self.session.headers["Content-Type"] = JSON_API
        if role is not None:
            self.session.headers["Authorization"] = "Bearer " + sim.tokens[role]

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET an absolute path on the simulator."""
        return self.session.get(self.sim.url + path, timeout=10, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        """POST a JSON body (or none)."""
        return self.session.post(self.sim.url + path, json=body, timeout=10, **kwargs)

    def create_run(self, workspace_id: str, **attributes: Any) -> requests.Response:
        """POST /runs with the given attributes."""
        body = {"data": {"type": "runs", "attributes": attributes, "relationships": {
            "workspace": {"data": {"type": "workspaces", "id": workspace_id}}}}}
        return self.post("/api/v2/runs", body)

    def new_run(self, workspace_id: str, **attributes: Any) -> str:
        """Create a run and return its ID (asserting the 201)."""
        response = self.create_run(workspace_id, **attributes)
        assert response.status_code == 201, response.text
        return response.json()["data"]["id"]

    def run(self, run_id: str) -> Dict[str, Any]:
        """The run resource."""
        response = self.get("/api/v2/runs/" + run_id)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def status(self, run_id: str) -> str:
        """The run's status."""
        return self.run(run_id)["attributes"]["status"]

    def action(self, run_id: str, action: str, body: Any = None) -> requests.Response:
        """POST /runs/:id/actions/<action>."""
        return self.post("/api/v2/runs/%s/actions/%s" % (run_id, action), body)


@pytest.fixture(name="sim")
def fixture_sim() -> Iterator[Simulator]:
    """A started simulator with the SEED world."""
    with Simulator(seed=SEED) as simulator:
        yield simulator


@pytest.fixture(name="api")
def fixture_api(sim: Simulator) -> Api:
    """The API as the site admin."""
    return Api(sim, "admin")


def error_of(response: requests.Response) -> Dict[str, Any]:
    """The first JSON:API error of a response, checking the document's shape on the way."""
    assert response.headers["Content-Type"] == JSON_API
    errors = response.json()["errors"]
    assert isinstance(errors, list) and errors
    assert errors[0]["status"] == str(response.status_code)
    assert errors[0]["title"]
    return errors[0]
