# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulators for the benchmarks: one admin token, an organization, N runs, latency on every request.

The simulator runs in its own process (``python -m tfesim``) and is driven over its HTTP control
plane (``/_sim/``): in the harness's process it would share the interpreter lock with the client
library measured there, and the numbers would be the simulator's, not the client's.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from typing import Any, Dict, List, Optional

import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIMULATOR_PATH = os.path.join(REPO, "tests", "simulator")
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

ADMIN_TOKEN = "{0}.atlasv1.{1}".format(secrets.token_hex(7), secrets.token_hex(40))
ADMIN_RUNS = "/api/v2/admin/runs"


def seed() -> Dict[str, Any]:
    return {
        "organizations": [{"name": "bench", "email": "bench@example.com",
                           "workspaces": [{"name": "history"}, {"name": "live", "auto_apply": True}]}],
        "tokens": [{"role": "admin", "kind": "site_admin", "token": ADMIN_TOKEN}],
    }


class RemoteSimulator:
    """``python -m tfesim`` in a child process, with the few control calls the benchmarks need."""

    def __init__(self, world: Optional[Dict[str, Any]] = None) -> None:
        """``world`` is a seed (default: the listing and waiting world of ``seed()``)."""
        handle, self._seed_file = tempfile.mkstemp(prefix="bench-seed-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(world or seed(), stream)
        env = dict(os.environ, PYTHONPATH=SIMULATOR_PATH)
        self._process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "tfesim", "--seed", self._seed_file], env=env, stdout=subprocess.PIPE, text=True)
        self.url = ""
        for line in self._process.stdout:
            if line.startswith("TFESIM_URL="):
                self.url = line.strip().partition("=")[2]
                break
        if not self.url:
            self.stop()
            raise RuntimeError("the simulator did not start")
        self._control = requests.Session()

    def _call(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        answer = self._control.request(method, self.url + "/_sim/" + path, json=body, timeout=120)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    @property
    def request_log(self) -> List[Dict[str, Any]]:
        return self._call("GET", "requests")["requests"]

    def clear_request_log(self) -> None:
        self._call("DELETE", "requests")

    def stats(self) -> Dict[str, Any]:
        """Requests and 429s since the log was last cleared, in total and by kind (``GET /_sim/stats``)."""
        return self._call("GET", "stats")

    def add_fault(self, kind: str, **params: Any) -> Dict[str, Any]:
        return self._call("POST", "faults", dict(params, kind=kind))

    def faults(self) -> List[Dict[str, Any]]:
        return self._call("GET", "faults")["faults"]

    def create_runs(self, workspace: str, **params: Any) -> List[str]:
        return self._call("POST", "runs", dict(params, workspace=workspace))["ids"]

    def runs(self) -> List[Dict[str, Any]]:
        return self._call("GET", "runs")["runs"]

    def set_workspace_knobs(self, name: str, **knobs: Any) -> Dict[str, Any]:
        found = [ws for ws in self._call("GET", "workspaces")["workspaces"] if ws["name"] == name]
        return self._call("PATCH", "workspaces/{0}/knobs".format(found[0]["id"]), knobs)

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=30)
        if self._process.stdout:
            self._process.stdout.close()
        os.unlink(self._seed_file)


def simulator(runs: int = 0, latency_ms: float = 0, world: Optional[Dict[str, Any]] = None) -> RemoteSimulator:
    """A started simulator of ``world`` (default ``seed()``) with ``runs`` finished runs and
    ``latency_ms`` added to every API answer."""
    sim = RemoteSimulator(world)
    if runs:
        sim.create_runs("bench/history", status="applied", count=runs)
    if latency_ms:
        sim.add_fault("latency", ms=latency_ms)
    return sim


def api_requests(sim: RemoteSimulator, path: str = "") -> List[Dict[str, Any]]:
    """The API requests the simulator answered (or dropped) since its log was last cleared."""
    return [entry for entry in sim.request_log if entry["path"].startswith(path or "/api/")]
