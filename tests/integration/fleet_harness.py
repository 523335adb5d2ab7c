# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A fleet (issue 17): one play over N workspaces with N forks, all as one TFE user, under TFE's limits.

Shared by the integration tests (``test_fleet.py``, which assert on it) and the benchmark
(``benchmarks/tferuns_bench/fleet.py``, which times it): the seed, the inventory, the play and the
reading of the outcome (failed tasks, runs per workspace, requests and 429s as the simulator
counted them, how late each task saw its run end) exist once.
"""

from __future__ import annotations

import collections
import os
import re
import secrets
import statistics
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence

from harness import COLLECTION_ROOT, Ansible, AnsibleRun, TaskResult  # pylint: disable=import-error

# The simulator's own table of final statuses (the benchmark, unlike conftest, has not put it on the path).
SIMULATOR_PATH = os.path.join(COLLECTION_ROOT, "tests", "simulator")
if SIMULATOR_PATH not in sys.path:
    sys.path.insert(0, SIMULATOR_PATH)

from tfesim.statuses import FINAL  # noqa: E402  pylint: disable=wrong-import-position,import-error

ORGANIZATION = "fleet"
USER = "fleet-owner"  # the one TFE user behind every token of the fleet: the limits count per user
# TFE's documented limits (contract 7.2), on real time, rejected requests counted: the realistic setting.
LIMITS: Dict[str, Any] = {"api_rate_limit_per_second": 30, "run_list_rate_limit_per_minute": 30,
                          "rate_limit_counts_rejected": True, "rate_limit_clock": "wall"}
# Each status of an auto-apply run lasts this long; pending, plan_queued, planning, planned,
# confirmed, apply_queued and applying come before applied, so a run that is never queued behind
# another (one per workspace) ends exactly RUN_SECONDS after it was created.
PHASE_SECONDS = 0.5
RUN_SECONDS = 7 * PHASE_SECONDS
RUN_MESSAGE = "fleet rollout"
TASK = "converge"
# IDs and workspace names differ host by host; without them the same failure reads the same.
_SPECIFICS = re.compile(r"\b(run|ws)-[A-Za-z0-9]{16}\b|\b(?<=/)ws\d+\b")
FINAL_STATUSES: List[str] = sorted(FINAL)


def new_token() -> str:
    """Long and random: Ansible masks no_log values as substrings of all output."""
    return "{0}.atlasv1.{1}".format(secrets.token_hex(7), secrets.token_hex(40))


def workspace_names(count: int) -> List[str]:
    width = max(2, len(str(count)))
    return ["ws{0:0{1}d}".format(number, width) for number in range(1, count + 1)]


def seed(names: Sequence[str], tokens: Sequence[str], phase_seconds: float = PHASE_SECONDS) -> Dict[str, Any]:
    """Auto-apply workspaces ``names`` in one organization, ``tokens`` all of user USER, the limits on."""
    return {
        "installation": dict(LIMITS),
        "organizations": [{"name": ORGANIZATION, "email": "platform@fleet.example", "workspaces": [
            {"name": name, "auto_apply": True, "phase_seconds": phase_seconds} for name in names]}],
        "tokens": [{"role": "fleet-{0}".format(index), "kind": "user", "organizations": [ORGANIZATION],
                    "token": token, "user": USER} for index, token in enumerate(tokens)],
    }


def inventory(names: Sequence[str], tokens: Sequence[str]) -> Dict[str, Any]:
    """One host per workspace, run on the controller; the tokens dealt out in turn (half each for two)."""
    hosts = {name: {"workspace_name": name, "fleet_token": tokens[index % len(tokens)]}
             for index, name in enumerate(names)}
    return {"all": {"hosts": hosts, "vars": {"ansible_connection": "local"}}}


def tfe_run_play(**options: Any) -> List[Dict[str, Any]]:
    """What a platform team writes: one tfe_run per workspace host, the default wait for the final status."""
    task = dict({"organization": ORGANIZATION, "workspace": "{{ workspace_name }}", "run_message": RUN_MESSAGE,
                 "tfe_token": "{{ fleet_token }}"}, **options)
    return [{"name": "fleet", "hosts": "all", "gather_facts": False,
             "tasks": [{"name": TASK, "tfe.runs.tfe_run": task}]}]


def _epoch(moment: str) -> float:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()


def final_at(run: Dict[str, Any], run_seconds: float = RUN_SECONDS) -> Optional[float]:
    """When the run reached its final status, None while it has not.

    Status timestamps are whole seconds (as TFE's), too coarse to tell a 0.5 s lateness from 1.4 s.
    A run that went straight through ended ``run_seconds`` after its ``created_at`` (milliseconds):
    that moment is used when its stamp agrees to the second, the stamp otherwise.
    """
    stamp = (run.get("status_timestamps") or {}).get("{0}-at".format(run["status"].replace("_", "-")))
    if run["status"] not in FINAL_STATUSES or not stamp:
        return None
    stamped, modelled = _epoch(stamp), _epoch(run["created_at"]) + run_seconds
    return modelled if int(modelled) == int(stamped) else stamped


@dataclass
class FleetOutcome:
    """One play over the fleet, read back from Ansible's results and the simulator's own counts."""

    played: AnsibleRun
    names: List[str]
    task: str
    stats: Dict[str, Any]  # sim.stats() over this play's requests only
    runs: Dict[str, List[Dict[str, Any]]]  # every run of each workspace afterwards, oldest first
    lateness: List[float] = field(default_factory=list)  # per task that ended well: its end minus its run's end

    @property
    def results(self) -> Dict[str, TaskResult]:
        """Each host's result of the last task of the play (the one that waited)."""
        return {result.host: result for result in self.played.results if result.task == self.task}

    @property
    def failed(self) -> List[TaskResult]:
        """The failed results, whichever task failed (a host stops at its first failure)."""
        return [result for result in self.played.results if result.failed]

    @property
    def missing(self) -> List[str]:
        """Hosts that neither failed nor reached the last task (the play died, or never got to them)."""
        failed = {result.host for result in self.failed}
        return [name for name in self.names if name not in self.results and name not in failed]

    @property
    def requests(self) -> int:
        return int(self.stats["requests"])

    @property
    def rate_limited(self) -> int:
        return int(self.stats["rate_limited"])

    def kind(self, kind: str) -> int:
        return int(self.stats["kinds"].get(kind, {}).get("requests", 0))

    def runs_per_workspace(self) -> Dict[str, int]:
        return {name: len(self.runs.get(name, [])) for name in self.names}

    def median_late(self) -> Optional[float]:
        return statistics.median(self.lateness) if self.lateness else None

    def worst_late(self) -> Optional[float]:
        return max(self.lateness) if self.lateness else None

    def failure_messages(self) -> "collections.Counter[str]":
        """Why tasks failed, host-specific IDs and names left out, so that one cause counts once."""
        return collections.Counter(_SPECIFICS.sub("<id>", str(result.get("msg", result.status)))[:300]
                                   for result in self.failed)

    def warnings(self) -> "collections.Counter[str]":
        """The warnings of every task of the play, host-specific IDs and names left out."""
        return collections.Counter(_SPECIFICS.sub("<id>", str(warning))[:300] for result in self.played.results
                                   for warning in result.get("warnings") or [])

    def report(self) -> str:
        """Everything a failed assertion should show: the counts, why tasks failed, how the play ended."""
        why = self.failure_messages()
        kinds = {kind: counts for kind, counts in self.stats["kinds"].items() if counts.get("rate_limited")}
        miscounted = {name: count for name, count in self.runs_per_workspace().items() if count != 1}
        counts = "{0} hosts: {1} tasks failed, {2} without a result; {3} requests, {4} answered 429 ({5:.1f}%)".format(
            len(self.names), len(self.failed), len(self.missing), self.requests, self.rate_limited,
            100.0 * self.rate_limited / max(1, self.requests))
        lines = [counts, "429s by request kind: {0}".format(kinds or "none"),
                 "workspaces without exactly one run: {0}".format(miscounted or "none"),
                 "failure messages (count x msg):"]
        lines += ["  {0} x {1}".format(count, msg) for msg, count in why.most_common(10)] or ["  none"]
        lines += ["warnings (count x text):"]
        lines += ["  {0} x {1}".format(count, text) for text, count in self.warnings().most_common(5)] or ["  none"]
        # The recap alone has a line per host: show what came before it too.
        return "\n".join(lines) + "\n" + self.played.output_tail(len(self.names) + 30)


def play_fleet(ansible: Ansible, sim: Any, plays: List[Dict[str, Any]], names: Sequence[str],
               tokens: Sequence[str], task: str = TASK, timeout: float = 900) -> FleetOutcome:
    """Run ``plays`` over the fleet with as many forks as workspaces; count only this play's requests.

    ``sim`` is the in-process ``tfesim.Simulator`` or the benchmark's remote one: both have
    ``clear_request_log``, ``stats`` and ``runs``.
    """
    sim.clear_request_log()
    played = ansible.playbook(plays, inventory=inventory(names, tokens), args=["--forks", str(len(names))],
                              timeout=timeout)
    stats = sim.stats()
    runs: Dict[str, List[Dict[str, Any]]] = {}
    for run in sim.runs():
        if run["organization"] == ORGANIZATION:
            runs.setdefault(run["workspace_name"], []).append(run)
    outcome = FleetOutcome(played, list(names), task, stats, runs)
    for host, result in outcome.results.items():
        ended = final_at(runs[host][-1]) if not result.failed and runs.get(host) else None
        if ended is not None:
            outcome.lateness.append(result.time - ended)
    return outcome
