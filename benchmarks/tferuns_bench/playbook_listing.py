# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listing runs as a whole playbook, by what the task returns (issue 19).

Each row is a whole ``ansible-playbook`` run of one registered task (or of none: the empty playbook),
against a simulator with latency on every answer and TFE's per-user limits on (30 requests per
second, 30 run-list reads per minute, refused requests counted too):

- ``tfe.runs.tfe_admin_run_info`` over the installation's runs: every attribute (today's result),
  ``fields`` (each run then holds only id, status, workspace and the named fields), and
  ``limit: 0`` (status_counts and total_count in one request);
- ``tfe.runs.tfe_run_info`` over one workspace's runs as a normal user, every attribute and ``fields``;
- Ansible's floor for the projected result: a module that calls no API and returns, from a file, the
  very result the ``fields`` listing returned (its no_log token option set, as the real module's is).
  What stays between that floor plus the budget's pace and the listing is the collection's own cost.

Rows are medians of several samples, interleaved so that a slow moment of the machine hits every
variant alike. A listing whose bound is over a minute (the user's run lists, paced by the budget at
0.4 per second) is sampled once: its time is the pacing's, and one sample takes minutes. Every sample
starts afresh: a new budget directory (``TFE_RUNS_BUDGET_DIR``) and the simulator's rate-limit
windows reset, as the first listing after a quiet minute would.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

from .world import ADMIN_TOKEN, RemoteSimulator, seed, simulator

from fleet_harness import LIMITS, new_token  # noqa: E402  pylint: disable=import-error,wrong-import-order
from harness import Ansible  # noqa: E402  pylint: disable=import-error,wrong-import-order

RUNS = 10000
USER_SIZES = (1000, 10000)
REPEATS = 5
PAGE_SIZE = 100
ONCE_ABOVE_SECONDS = 60.0  # a listing bound longer than this is sampled once
ORGANIZATION, WORKSPACE = "bench", "history"
FIELDS = ["created_at"]
GOAL = 1.3  # issue 19: the projected listing within 1.3 x (the budget's bound + empty playbook)
# TFE's limits (contract 7.2) and the collection's default budget (plugins/module_utils/_budget.py).
TFE_RATE = float(LIMITS["api_rate_limit_per_second"])
TFE_LIST_PER_MINUTE = int(LIMITS["run_list_rate_limit_per_minute"])
BUDGET_RATE, BUDGET_BURST = 25.0, 3
BUDGET_LIST_RATE, BUDGET_LIST_BURST = 0.4, 3

EMPTY = "empty playbook (no task)"
ADMIN_FULL = "tfe_admin_run_info, every attribute (today)"
ADMIN_FIELDS = "tfe_admin_run_info, fields: [created_at]"
ADMIN_COUNTS = "tfe_admin_run_info, limit: 0 (counts only)"
FLOOR = "floor: a module without API calls returning the fields row's result"
REPLAY_MODULE = "tfe_bench_replay"
# The floor's module: the cost of starting a module and of Ansible handling its result, nothing else.
REPLAY_SOURCE = '''#!/usr/bin/python
import json
from ansible.module_utils.basic import AnsibleModule
module = AnsibleModule(argument_spec={"path": {"type": "str", "required": True},
                                      "token": {"type": "str", "no_log": True}})
with open(module.params["path"], encoding="utf-8") as stream:
    result = json.load(stream)
module.exit_json(**{key: value for key, value in result.items() if not key.startswith("_ansible")
                    and key not in ("invocation", "changed", "warnings", "deprecations")})
'''
USER_FULL = "tfe_run_info, every attribute"
USER_FIELDS = "tfe_run_info, fields: [created_at]"


def pages(runs: int) -> int:
    return max(1, math.ceil(runs / PAGE_SIZE))


def tfe_bound(runs: int) -> float:
    """The admin list at TFE's 30 requests per second: no client within TFE's limit reads the pages sooner."""
    return pages(runs) / TFE_RATE


def budget_bound(runs: int) -> float:
    """The admin list at the collection's own pace: a burst of 3, then 25 per second."""
    return max(pages(runs) - BUDGET_BURST, 0) / BUDGET_RATE


def tfe_list_bound(runs: int) -> float:
    """A run list at TFE's 30 per minute (a sliding minute): 30 pages at once, the next 30 a minute later..."""
    count = pages(runs)
    return max((count - 1) // TFE_LIST_PER_MINUTE * 60.0, count / TFE_RATE)


def budget_list_bound(runs: int) -> float:
    """A run list at the collection's pace for run lists: a burst of 3, then 0.4 per second."""
    return max(pages(runs) - BUDGET_LIST_BURST, 0) / BUDGET_LIST_RATE


def world(user_token: str) -> Dict[str, Any]:
    """The benchmarks' world (one organization, the admin token) plus a normal user of it, TFE's limits on."""
    base = seed()
    base["installation"] = dict(LIMITS)
    base["tokens"].append({"role": "user", "kind": "user", "organizations": [ORGANIZATION], "token": user_token,
                           "user": "bench-user"})
    return base


def empty_play() -> List[Dict[str, Any]]:
    return [{"name": "empty", "hosts": "localhost", "gather_facts": False, "tasks": []}]


def task_play(module: str, args: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [{"name": "listing", "hosts": "localhost", "gather_facts": False,
             "tasks": [{"name": "list", module: args, "register": "listed"}]}]


@dataclass
class Sample:
    seconds: float  # the whole ansible-playbook command
    requests: int  # as the simulator counted them (GET /_sim/stats)
    throttled: int  # of which answered 429
    kinds: Dict[str, int]  # requests by route kind
    ok: bool
    runs: Optional[int] = None  # runs in the result (None: no task)
    unique_runs: Optional[int] = None
    keys: Optional[List[str]] = None  # the keys of the first run in the result
    total_count: Optional[int] = None
    result_bytes: Optional[int] = None  # the task's result as JSON
    note: str = ""


@dataclass
class Variant:
    label: str
    module: Optional[str]  # None: the empty playbook
    args: Dict[str, Any]
    token: str
    runs: int  # what the listing should return
    bound: float  # the budget's bound: its requests at the collection's own pace (0 for none), the goal's
    tfe_bound: float  # its requests at TFE's limit, what no client within that limit can beat
    samples: List[Sample] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.samples) and all(s.ok for s in self.samples)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def spread(self) -> str:
        """min-max of the samples, or "1 sample"."""
        if len(self.samples) < 2:
            return "1 sample"
        found = [s.seconds for s in self.samples]
        return "{0:.2f}-{1:.2f} s of {2}".format(min(found), max(found), len(found))

    def agreed(self, name: str) -> str:
        """A count every sample should agree on: the one value, or min-max when they did not."""
        values = sorted({getattr(s, name) for s in self.samples if getattr(s, name) is not None})
        if not values:
            return "-"
        return str(values[0]) if len(values) == 1 else "{0}-{1}".format(values[0], values[-1])

    @property
    def last(self) -> Sample:
        return self.samples[-1]

    @property
    def failure(self) -> str:
        return next((s.note for s in self.samples if not s.ok), "")


def reset_limits(sim: RemoteSimulator) -> None:
    """Start every rate-limit window of the simulator afresh (setting a limit knob resets them)."""
    sim._call("PATCH", "installation", dict(LIMITS))  # pylint: disable=protected-access


def read_result(variant: Variant, played: Any) -> Dict[str, Any]:
    """What the task returned, checked: every run once, and projected runs holding only what was asked."""
    if variant.module is None:
        return dict(ok=played.rc == 0, note="" if played.rc == 0 else played.output_tail(5))
    result = played.results[-1] if played.results else None
    if played.rc != 0 or result is None or result.failed:
        return dict(ok=False, note=((result.get("msg") if result else None) or played.output_tail(5))[:300])
    runs = result.get("runs") or []
    ids = [run.get("id") for run in runs]
    keys = sorted(runs[0]) if runs else []
    found = dict(runs=len(ids), unique_runs=len(set(ids)), keys=keys, total_count=result.get("total_count"),
                 result_bytes=len(json.dumps(result.result)))
    wanted = variant.args.get("fields")
    problems = []
    if len(set(ids)) != variant.runs:
        problems.append("{0} unique runs, {1} expected".format(len(set(ids)), variant.runs))
    if wanted is not None:
        allowed = {"id", "status", "workspace", *wanted}
        extra = sorted({key for run in runs for key in run} - allowed)
        if extra:
            problems.append("projected runs hold more than asked: {0}".format(", ".join(extra[:8])))
    if variant.args.get("limit") == 0 and (result.get("status_counts") is None or result.get("total_count") is None):
        problems.append("no status_counts or total_count")
    return dict(found, ok=not problems, note="; ".join(problems))


def replay_variant(workdir: str, runs: int) -> Variant:
    """The floor: REPLAY_SOURCE as a playbook-local module, returning the fields row's result (``replayed``)."""
    library = os.path.join(workdir, "library")
    os.makedirs(library, exist_ok=True)
    with open(os.path.join(library, REPLAY_MODULE + ".py"), "w", encoding="utf-8") as stream:
        stream.write(REPLAY_SOURCE)
    return Variant(FLOOR, REPLAY_MODULE, {"path": replayed(workdir), "token": ADMIN_TOKEN}, ADMIN_TOKEN, runs,
                   0.0, 0.0)


def replayed(workdir: str) -> str:
    return os.path.join(workdir, "fields-result.json")


def sample(variant: Variant, sim: RemoteSimulator, collections: str, workdir: str) -> Sample:
    """One whole ansible-playbook run of ``variant``, from a fresh budget and fresh server windows."""
    budget = tempfile.mkdtemp(prefix="budget-", dir=workdir)
    os.chmod(budget, 0o700)
    ansible = Ansible(collections, workdir, sim.url, variant.token)
    plays = empty_play() if variant.module is None else task_play(variant.module, variant.args)
    reset_limits(sim)
    sim.clear_request_log()
    env = {"TFE_RUNS_BUDGET_DIR": budget, "ANSIBLE_LIBRARY": os.path.join(workdir, "library")}
    started = time.perf_counter()
    played = ansible.playbook(plays, env=env, timeout=1800)
    elapsed = time.perf_counter() - started
    if variant.label == ADMIN_FIELDS and played.rc == 0 and played.results and not os.path.exists(replayed(workdir)):
        with open(replayed(workdir), "w", encoding="utf-8") as stream:
            json.dump(played.results[-1].result, stream)
    stats = sim.stats()
    kinds = {kind: counts["requests"] for kind, counts in stats["kinds"].items()}
    return Sample(seconds=elapsed, requests=stats["requests"], throttled=stats["rate_limited"], kinds=kinds,
                  **read_result(variant, played))


@dataclass
class PlaybookListing:
    runs: int
    latency_ms: float
    admin: List[Variant]  # the empty playbook first
    user: List[Variant]

    @property
    def empty(self) -> Variant:
        return self.admin[0]


def variants(runs: int, user_sizes: Sequence[int], user_token: str) -> PlaybookListing:
    admin = "tfe.runs.tfe_admin_run_info"
    user = "tfe.runs.tfe_run_info"
    where = {"organization": ORGANIZATION, "workspace": WORKSPACE}
    return PlaybookListing(runs, 0, admin=[
        Variant(EMPTY, None, {}, ADMIN_TOKEN, 0, 0.0, 0.0),
        Variant(ADMIN_FULL, admin, {}, ADMIN_TOKEN, runs, budget_bound(runs), tfe_bound(runs)),
        Variant(ADMIN_FIELDS, admin, {"fields": FIELDS}, ADMIN_TOKEN, runs, budget_bound(runs), tfe_bound(runs)),
        Variant(ADMIN_COUNTS, admin, {"limit": 0}, ADMIN_TOKEN, 0, budget_bound(1), tfe_bound(1)),
    ], user=[
        Variant(label, user, dict(where, limit=size, **extra), user_token, size, budget_list_bound(size),
                tfe_list_bound(size))
        for size in user_sizes
        for label, extra in ((USER_FULL, {}), (USER_FIELDS, {"fields": FIELDS}))
        if label == USER_FIELDS or budget_list_bound(size) <= ONCE_ABOVE_SECONDS  # every attribute: small only
    ])


def measure(collections: str, latency_ms: float, runs: int = RUNS, user_sizes: Sequence[int] = USER_SIZES,
            repeats: int = REPEATS, progress: Callable[[str], None] = print) -> PlaybookListing:
    """Every variant on one simulator of ``runs`` runs in one workspace, interleaved; the user lists its newest."""
    user_token = new_token()
    listing = variants(runs, user_sizes, user_token)
    listing.latency_ms = latency_ms
    if max(user_sizes, default=0) > runs:
        raise ValueError("the user listings read the workspace of the {0} runs: no size can be larger".format(runs))
    sim = simulator(runs=runs, latency_ms=latency_ms, world=world(user_token))
    try:
        with tempfile.TemporaryDirectory(prefix="tfe-runs-playbook-listing-") as workdir:
            fields_at = [v.label for v in listing.admin].index(ADMIN_FIELDS)
            listing.admin.insert(fields_at + 1, replay_variant(workdir, runs))
            everything = listing.admin + listing.user
            for round_ in range(repeats):
                for variant in everything:
                    if round_ and variant.bound > ONCE_ABOVE_SECONDS:
                        continue
                    progress("playbook listing, round {0} of {1}: {2} ({3} runs) ...".format(
                        round_ + 1, repeats, variant.label, variant.runs))
                    variant.samples.append(sample(variant, sim, collections, workdir))
    finally:
        sim.stop()
    return listing
