# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running each benchmarked tool once against a simulator, timed, with its requests counted.

Requests always come from the simulator's log (what reached the server), runs from what the tool
returned; the harness tests (tests/integration/test_benchmark_harness.py) hold it to that.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

from .world import ADMIN_RUNS, ADMIN_TOKEN, api_requests

HERE = os.path.dirname(os.path.abspath(__file__))
COMPETITORS = os.path.join(os.path.dirname(HERE), "competitors")


@dataclass
class Measured:
    tool: str
    seconds: float  # the listing alone (client built, nothing else), where the tool can tell
    process_seconds: Optional[float]  # the whole command, as a user waits for it
    requests: int  # as the simulator counted them
    runs: int  # as the tool returned them
    unique_runs: int
    ok: bool
    note: str = ""
    throttled: int = 0  # 429 answers among the requests


def counted(sim: Any, tool: str, action: Callable[[], Dict[str, Any]]) -> Measured:
    """Run ``action`` (which returns seconds/process_seconds/runs/unique_runs/ok/note) and count its requests."""
    sim.clear_request_log()
    outcome = action()
    seen = api_requests(sim, ADMIN_RUNS)
    return Measured(tool=tool, requests=len(seen), throttled=sum(1 for e in seen if e["status"] == 429), **outcome)


def module_listing(ansible: Any) -> Callable[[], Dict[str, Any]]:
    """A playbook of one registered tfe_admin_run_info task: the whole run, Ansible's start included.

    (Ad hoc, ``ansible`` would also print the whole result, megabytes for 10,000 runs, to the terminal.)
    """
    def action() -> Dict[str, Any]:
        started = time.perf_counter()
        played = ansible.playbook([{"name": "list", "tfe.runs.tfe_admin_run_info": {}, "register": "listed"}])
        elapsed = time.perf_counter() - started
        result = played.results[-1] if played.results else None
        ok = played.rc == 0 and result is not None and not result.failed
        ids = [run["id"] for run in (result.get("runs") or [])] if result else []
        note = "" if ok else (result.get("msg") if result else played.output)[:200]
        return dict(seconds=elapsed, process_seconds=elapsed, runs=len(ids), unique_runs=len(set(ids)), ok=ok,
                    note=note)
    return action


def library_listing(address: str, collections_path: str) -> Callable[[], Dict[str, Any]]:
    """The module's own code path (module_utils.read_admin_runs) in this process: the listing alone."""
    def action() -> Dict[str, Any]:
        import sys  # pylint: disable=import-outside-toplevel
        if collections_path not in sys.path:
            sys.path.insert(0, collections_path)
        # pylint: disable-next=import-outside-toplevel,import-error
        from ansible_collections.tfe.runs.plugins.module_utils import _admin, _client
        with _client.TfeClient(address, ADMIN_TOKEN, pool_size=_admin.LIST_WORKERS) as client:
            started = time.perf_counter()
            listing = _admin.read_admin_runs(client, _admin.build_search())
            elapsed = time.perf_counter() - started
        ids = [run["id"] for run in listing.runs]
        return dict(seconds=elapsed, process_seconds=None, runs=len(ids), unique_runs=len(set(ids)), ok=True)
    return action


def competitor_listing(name: str, python: str, address: str, script: Optional[str] = None) -> Callable[[], Dict[str, Any]]:
    """benchmarks/competitors/list_<name>.py (or ``script``) in the competitor's own venv: its page loop."""
    script = script or os.path.join(COMPETITORS, "list_{0}.py".format(name))

    def action() -> Dict[str, Any]:
        started = time.perf_counter()
        completed = subprocess.run([python, script, "--url", address, "--token", ADMIN_TOKEN],
                                   capture_output=True, text=True, timeout=1800, check=False)
        elapsed = time.perf_counter() - started
        if completed.returncode != 0:
            last = (completed.stderr.strip().splitlines() or ["exit {0}".format(completed.returncode)])[-1]
            return dict(seconds=elapsed, process_seconds=elapsed, runs=0, unique_runs=0, ok=False, note=last[:200])
        reported = json.loads(completed.stdout.strip().splitlines()[-1])
        return dict(seconds=reported["seconds"], process_seconds=elapsed, runs=reported["runs"],
                    unique_runs=reported["unique_runs"], ok=True,
                    note="{0} {1}".format(reported["tool"], reported["version"]))
    return action
