# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for a run: requests spent and lateness of tfe.runs' schedule versus other pollers.

Evaluated on a virtual clock (no sleeping): tfe.runs' own ``Waiter`` and ``PollSchedule`` run
unchanged with an injected clock, the others are their published intervals. Each "run of about D
seconds" is 100 runs spread evenly over 0.8 D to 1.2 D, so no poller profits from a lucky alignment
of its period with D. ``real_wait`` then confirms one short run on the simulator with real time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Tuple

# Where a run spends its time, as shares of its length: queues are short, Terraform's plan and apply long.
LIFECYCLE = ((0.0, "pending"), (0.02, "plan_queued"), (0.05, "planning"), (0.45, "planned"), (0.47, "confirmed"),
             (0.5, "apply_queued"), (0.55, "applying"), (1.0, "applied"))
SAMPLES = 100


def status_at(moment: float, length: float) -> str:
    current = LIFECYCLE[0][1]
    for share, status in LIFECYCLE:
        if moment >= share * length:
            current = status
    return current


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def interval_poller(interval: Callable[[int], float]) -> Callable[[float], Tuple[int, float]]:
    """A poller that reads at 0 and then sleeps ``interval(i)`` after its i-th read (i from 0)."""
    def wait(length: float) -> Tuple[int, float]:
        moment, reads = 0.0, 0
        while True:
            reads += 1
            if status_at(moment, length) == "applied":
                return reads, moment - length
            moment += interval(reads - 1)
    return wait


def provider_backoff(i: int) -> float:
    """terraform-provider-tfe's awaitRun and the Terraform CLI's waitForRun: backoff(1000, 3000, i) ms (contract 9.2)."""
    return min(1000 * 2 ** (i / 5), 3000) / 1000.0


def tfe_runs_poller(seed: int = 7) -> Callable[[float], Tuple[int, float]]:
    """tfe.runs' own Waiter and PollSchedule, imported from the installed collection, on a virtual clock."""
    # pylint: disable-next=import-outside-toplevel,import-error
    from ansible_collections.tfe.runs.plugins.module_utils._statuses import is_final
    # pylint: disable-next=import-outside-toplevel,import-error
    from ansible_collections.tfe.runs.plugins.module_utils._waiting import Waiter

    def wait(length: float) -> Tuple[int, float]:
        clock = VirtualClock()
        waiter = Waiter(clock=clock, sleep=clock.sleep, rng=random.Random(seed))
        outcome = waiter.wait(lambda: {"attributes": {"status": status_at(clock(), length)}}, is_final,
                              waiter.deadline(10 * length))
        return outcome.polls, clock() - length
    return wait


def pollers() -> Dict[str, Callable[[float], Tuple[int, float]]]:
    return {
        "tfe.runs (1 s, then a tenth of the time waited, at most 10 s)": tfe_runs_poller(),
        "fixed 5 s": interval_poller(lambda i: 5.0),
        "fixed 10 s": interval_poller(lambda i: 10.0),
        "provider 1-3 s backoff": interval_poller(provider_backoff),
    }


@dataclass
class WaitStats:
    poller: str
    length: float
    requests: float  # mean reads per run
    mean_late: float  # mean seconds between the run ending and the wait seeing it
    max_late: float


def evaluate(poller: str, wait: Callable[[float], Tuple[int, float]], length: float) -> WaitStats:
    lengths = [length * (0.8 + 0.4 * k / (SAMPLES - 1)) for k in range(SAMPLES)]
    reads, lateness = zip(*(wait(each) for each in lengths))
    return WaitStats(poller, length, sum(reads) / SAMPLES, sum(lateness) / SAMPLES, max(lateness))


def virtual_table(lengths: Tuple[float, ...] = (5, 30, 300)) -> List[WaitStats]:
    return [evaluate(name, wait, length) for length in lengths for name, wait in pollers().items()]


# --- one real run -------------------------------------------------------------------------------


@dataclass
class RealWait:
    poller: str
    run_seconds: float  # created to applied, by the run's own timestamps
    requests: int  # GET /runs/:id reads of that run, as the simulator logged them
    late: float  # the first read that saw "applied" minus applied-at
    run_id: str


def _parse(moment: str) -> float:
    from datetime import datetime  # pylint: disable=import-outside-toplevel
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()


def measure_real(sim: Any, poller: str, run_id: str) -> RealWait:
    """Read back from the simulator how a finished wait on ``run_id`` went."""
    run = [entry for entry in sim.runs() if entry["id"] == run_id][0]
    stamps = run["status_timestamps"]
    applied = _parse(stamps["applied-at"])
    reads = [entry for entry in sim.request_log
             if entry["method"] == "GET" and entry["path"] == "/api/v2/runs/" + run_id]
    seen = [_parse(entry["time"]) for entry in reads if _parse(entry["time"]) >= applied]
    return RealWait(poller, applied - _parse(run["created_at"]), len(reads),
                    (min(seen) - applied) if seen else float("nan"), run_id)


def uri_poller_play(address: str, delay: int) -> List[Dict[str, Any]]:
    """The fixed-interval wait people write with ansible.builtin.uri (until/retries/delay), right
    after queueing the run without waiting, in the same play so that no start-up time is counted."""
    queue = {"workspace": "live", "organization": "bench", "wait": False}
    poll = {"url": "{0}/api/v2/runs/{{{{ queued.run.id }}}}".format(address),
            "headers": {"Authorization": "Bearer {{ lookup('env', 'TFE_TOKEN') }}"}}
    return [{"name": "queue", "register": "queued", "tfe.runs.tfe_run": queue},
            {"name": "wait with uri", "ansible.builtin.uri": poll, "register": "polled",
             "until": "polled.json.data.attributes.status in ['applied', 'errored', 'canceled']",
             "retries": 120, "delay": delay}]


def real_wait(sim: Any, make_ansible: Any, delay: int = 5) -> List[RealWait]:
    """Queue one short run for each poller on the simulator's auto-apply workspace and wait for it for real."""
    ansible = make_ansible(sim.url)
    played = ansible.playbook([{"name": "queue and wait", "tfe.runs.tfe_run": {
        "workspace": "live", "organization": "bench", "wait": True, "wait_timeout": 120}}])
    ours = measure_real(sim, "tfe.runs tfe_run", played.task("queue and wait")["run"]["id"])
    polled = ansible.playbook(uri_poller_play(sim.url, delay))
    theirs = measure_real(sim, "ansible.builtin.uri until/delay {0} s".format(delay), polled.task("queue")["run"]["id"])
    return [ours, theirs]
