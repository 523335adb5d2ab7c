# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a tfe.runs task costs over the plainest way to make the same request (ansible.builtin.uri).

Each variant is a whole ansible-playbook run of one task, repeated and interleaved so that a slow
moment of the machine hits every variant alike; the median is reported. ``ansible.builtin.debug``
(no request) shows what any playbook costs before a task does anything.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any, Dict, List
from urllib.parse import urlencode

from .world import ADMIN_RUNS, api_requests

# Exactly what tfe_admin_run_info asks for (its runs come with their workspace and organization).
PAGE_QUERY = {"include": "workspace,workspace.organization", "page[number]": "1", "page[size]": "100"}


def variants(address: str) -> Dict[str, Dict[str, Any]]:
    uri = {"url": "{0}{1}?{2}".format(address, ADMIN_RUNS, urlencode(PAGE_QUERY)),
           "headers": {"Authorization": "Bearer {{ lookup('env', 'TFE_TOKEN') }}",
                       "Accept": "application/vnd.api+json"}}
    return {
        "ansible.builtin.debug (no request)": {"ansible.builtin.debug": {"msg": "baseline"}},
        "ansible.builtin.uri": {"ansible.builtin.uri": uri},
        "tfe.runs.tfe_admin_run_info": {"tfe.runs.tfe_admin_run_info": {}},
    }


@dataclass
class Overhead:
    variant: str
    median_seconds: float
    requests_per_task: float
    samples: List[float]


def measure(sim: Any, make_ansible: Any, repeats: int = 7) -> List[Overhead]:
    ansible = make_ansible(sim.url)
    tasks = variants(sim.url)
    samples: Dict[str, List[float]] = {name: [] for name in tasks}
    requests: Dict[str, int] = dict.fromkeys(tasks, 0)
    for _round in range(repeats):
        for name, task in tasks.items():
            sim.clear_request_log()
            started = time.perf_counter()
            played = ansible.playbook([dict(task, name="measured")])
            samples[name].append(time.perf_counter() - started)
            if played.rc != 0:
                raise RuntimeError("{0} failed:\n{1}".format(name, played.output))
            requests[name] += len(api_requests(sim))
    return [Overhead(name, statistics.median(samples[name]), requests[name] / repeats, samples[name]) for name in tasks]
