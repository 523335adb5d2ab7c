# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet under TFE's limits (issue 17): one play over N workspaces with N forks, all as one user.

Every host queues a run on its workspace and waits for it to end, against a simulator that enforces
30 requests per second and 30 run-list reads per minute per user on real time (refused requests
count too). Side by side, each on a fresh simulator of the same world:

- tfe.runs as built from this checkout (``tfe.runs.tfe_run``, the default ``wait_for: final``);
- the fixed 5-second poller people write with ``ansible.builtin.uri``: look the workspace up, POST
  the run, then ``until`` its status is final with ``delay: 5``;
- tfe.runs before the shared budget, built from an earlier commit (``BEFORE_REF``);
- ``ansible.builtin.ping`` on every host: no request at all, what N forks cost on this machine.

The seed, inventory, tfe_run play and the reading of the outcome are the integration tests' own
(``tests/integration/fleet_harness.py``), so the benchmark times exactly what the tests assert on.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

from .world import REPO, simulator

from fleet_harness import (FINAL_STATUSES, LIMITS, ORGANIZATION, RUN_MESSAGE, RUN_SECONDS, TASK,  # noqa: E402  pylint: disable=import-error,wrong-import-order
                           FleetOutcome, new_token, play_fleet, seed, tfe_run_play, workspace_names)
from harness import Ansible, build_and_install  # noqa: E402  pylint: disable=import-error,wrong-import-order

SIZES = (10, 40, 100)
# The collection's code just before the shared budget (2e6f190, which followed, changed only the
# simulator). 164de60, a sibling of 3cb9c7e with the same message, lacks plugins/module_utils/_api.py,
# which every module then imported: its build cannot run a task (build_before says so).
BEFORE_REF = "3cb9c7e"
RATE = float(LIMITS["api_rate_limit_per_second"])
# The fewest requests any client needs per workspace: look the workspace up, create the run, and
# one read that sees it final. Reads before the end, plan/apply details and retries are extra.
NEEDED_PER_WORKSPACE = 3
POLL_DELAY = 5
POLL_RETRIES = 120  # 10 minutes of 5-second polls: the poller gives up long after any run here ends

CURRENT = "tfe.runs (this checkout)"
URI = "ansible.builtin.uri, fixed {0} s".format(POLL_DELAY)
PING = "ansible.builtin.ping (no request)"


def before_label(ref: str) -> str:
    return "tfe.runs before the shared budget ({0})".format(ref)


@dataclass
class FleetRow:
    tool: str
    workspaces: int
    failed: int  # hosts whose play did not succeed (a failed task or no result at all)
    requests: int  # as the simulator counted them
    throttled: int  # answered 429
    wall: float  # the whole ansible-playbook command
    median_late: Optional[float]  # task end minus its run's final status timestamp (hosts that succeeded)
    worst_late: Optional[float]
    wrong_runs: int  # workspaces without exactly one run afterwards
    note: str = ""

    @property
    def bound(self) -> float:
        """No client within the per-user budget finishes sooner: the requests the fleet needs at the
        budget's rate, or, when longer, the lookups and creates at that rate and then the last run's
        own length (it cannot end before it was created)."""
        return max(NEEDED_PER_WORKSPACE * self.workspaces / RATE, 2 * self.workspaces / RATE + RUN_SECONDS)


def uri_play(address: str) -> List[Dict[str, Any]]:
    """The uri way, done carefully: every request repeated while it is answered 429 (TFE did not
    process it), the run then polled every POLL_DELAY seconds until its status is final."""
    headers = {"Authorization": "Bearer {{ fleet_token }}", "Content-Type": "application/vnd.api+json"}
    api = address + "/api/v2"
    body = {"data": {"type": "runs", "attributes": {"message": RUN_MESSAGE}, "relationships": {
        "workspace": {"data": {"type": "workspaces", "id": "{{ found.json.data.id }}"}}}}}
    retried = {"retries": POLL_RETRIES, "delay": POLL_DELAY}
    tasks = [
        dict({"name": "find the workspace", "register": "found", "until": "found.status != 429",
              "ansible.builtin.uri": {"url": "{0}/organizations/{1}/workspaces/{{{{ workspace_name }}}}".format(
                  api, ORGANIZATION), "headers": headers}}, **retried),
        dict({"name": "queue", "register": "queued", "until": "queued.status != 429",
              "ansible.builtin.uri": {"url": api + "/runs", "method": "POST", "headers": headers, "body": body,
                                      "body_format": "json", "status_code": 201}}, **retried),
        dict({"name": TASK, "register": "polled",
              "until": "polled.status == 200 and polled.json.data.attributes.status in {0}".format(list(FINAL_STATUSES)),
              "ansible.builtin.uri": {"url": api + "/runs/{{ queued.json.data.id }}", "headers": headers}}, **retried),
    ]
    return [{"name": "fleet", "hosts": "all", "gather_facts": False, "tasks": tasks}]


def tfe_run_fleet_play(_address: str) -> List[Dict[str, Any]]:
    """The integration tests' play, unchanged: the address comes from the environment (TFE_ADDRESS)."""
    return tfe_run_play()


def ping_play(_address: str) -> List[Dict[str, Any]]:
    return [{"name": "fleet", "hosts": "all", "gather_facts": False, "tasks": [{"name": TASK, "ansible.builtin.ping": {}}]}]


def build_before(ref: str, workdir: str) -> str:
    """The collection as it was at ``ref``, built and installed under ``workdir``: its collections path.

    ``git archive`` reads the commit without touching the checkout's index or work tree. The build
    must import, or every row of it would only measure an ImportError.
    """
    source = os.path.join(workdir, "source")
    archive = subprocess.run(["git", "-C", REPO, "archive", "--format=tar", ref], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(source, filter="data")
    collections = build_and_install(source, workdir)
    probe = subprocess.run([sys.executable, "-c", "import ansible_collections.tfe.runs.plugins.module_utils._module"],
                           env=dict(os.environ, PYTHONPATH=collections), capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        raise RuntimeError("the collection at {0} does not import:\n{1}".format(ref, probe.stderr[-2000:]))
    return collections


Variant = Callable[[str], List[Dict[str, Any]]]  # the plays for a simulator's address


def measure(tool: str, plays: Variant, collections: str, workdir: str, size: int, latency_ms: float) -> FleetRow:
    """One play of ``tool`` over a fresh fleet of ``size`` workspaces, forks = size, run in ``workdir``."""
    if os.path.exists(os.path.join(workdir, "collections")):
        raise ValueError("{0} holds a collections directory, which ansible-playbook would load instead of {1}".format(
            workdir, collections))
    names, tokens = workspace_names(size), [new_token()]
    sim = simulator(latency_ms=latency_ms, world=seed(names, tokens))
    try:
        ansible = Ansible(collections, workdir, sim.url, token=None)  # each host's token is in the inventory
        started = time.perf_counter()
        outcome: FleetOutcome = play_fleet(ansible, sim, plays(sim.url), names, tokens)
        wall = time.perf_counter() - started
    finally:
        sim.stop()
    failed = len({result.host for result in outcome.failed}) + len(outcome.missing)
    wrong = sum(1 for count in outcome.runs_per_workspace().values() if count != 1) if tool != PING else 0
    note = "; ".join("{0} x {1}".format(count, msg[:200]) for msg, count in outcome.failure_messages().most_common(3))
    return FleetRow(tool, size, failed, outcome.requests, outcome.rate_limited, wall, outcome.median_late(),
                    outcome.worst_late(), wrong, note)


def fleet_rows(current: str, latency_ms: float, sizes: Sequence[int] = SIZES, before_ref: str = BEFORE_REF,
               progress: Callable[[str], None] = print) -> List[FleetRow]:
    """Every variant at every size, smallest fleet first; ``current`` is this checkout's collections path."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="tfe-runs-fleet-") as workdir:
        # The plays run in a directory of their own: ansible-playbook prefers a ``collections`` directory
        # beside the playbook to ANSIBLE_COLLECTIONS_PATH, so the earlier build must not be installed there.
        plays_dir = os.path.join(workdir, "plays")
        os.makedirs(plays_dir)
        before = build_before(before_ref, os.path.join(workdir, "before"))
        variants = [(PING, ping_play, current), (CURRENT, tfe_run_fleet_play, current), (URI, uri_play, current),
                    (before_label(before_ref), tfe_run_fleet_play, before)]
        for size in sizes:
            for tool, plays, collections in variants:
                progress("fleet of {0}: {1} ...".format(size, tool))
                rows.append(measure(tool, plays, collections, plays_dir, size, latency_ms))
    return rows
