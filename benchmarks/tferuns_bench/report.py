# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turning measurements into the tables of docs/performance.md (and the same tables on stdout)."""

from __future__ import annotations

import math
from typing import Any, Iterable, List, Optional, Sequence

from .fleet import PING, FleetRow
from .listing import ListingRound
from .overhead import Overhead
from .playbook_listing import GOAL, REPLAY_MODULE, PlaybookListing, Variant, budget_bound, pages, tfe_bound
from .waiting import RealWait, WaitStats

LIBRARY_ROW = "tfe.runs module_utils (listing only)"
MODULE_ROW = "tfe.runs tfe_admin_run_info (playbook task)"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def seconds(value: Optional[float]) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else "{0:.2f} s".format(value)


def ratio(value: Optional[float], reference: Optional[float]) -> str:
    if value is None or not reference:
        return "-"
    return "{0:.1f}x".format(value / reference)


def listing_table(round_: ListingRound) -> str:
    """One row per tool: listing time, whole command, requests, runs, and ratios to tfe.runs and the bound."""
    ours = {m.tool: m for m in round_.measured}
    library = ours.get(LIBRARY_ROW)
    module = ours.get(MODULE_ROW)
    rows: List[List[Any]] = []
    for m in round_.measured:
        rows.append([
            m.tool if m.ok else "{0} (FAILED: {1})".format(m.tool, m.note),
            seconds(m.seconds if m.process_seconds is None or m.tool != MODULE_ROW else None),
            seconds(m.process_seconds), m.requests, m.throttled, "{0} / {1}".format(m.runs, m.unique_runs),
            ratio(m.seconds, library.seconds if library else None) if m.tool != MODULE_ROW else "-",
            ratio(m.process_seconds, module.process_seconds if module else None) if m.process_seconds else "-",
            ratio(m.seconds if m.tool != MODULE_ROW else None, round_.lower_bound_seconds),
        ])
    rows.append(["rate-limit lower bound ({0} pages / 30 per s)".format(round_.pages),
                 seconds(round_.lower_bound_seconds),
                 "-", round_.pages, 0, "-", "-", "-", "1.0x"])
    return table(["tool", "listing", "whole command", "requests", "429s", "runs / unique",
                  "listing vs tfe.runs", "command vs tfe.runs task", "listing vs bound"], rows)


def waiting_table(stats: List[WaitStats]) -> str:
    by_length: dict = {}
    for entry in stats:
        by_length.setdefault(entry.length, []).append(entry)
    rows = []
    for length, entries in by_length.items():
        ours = entries[0]
        for entry in entries:
            rows.append(["{0:g} s".format(length), entry.poller, "{0:.1f}".format(entry.requests),
                         ratio(entry.requests, ours.requests), seconds(entry.mean_late), seconds(entry.max_late)])
    return table(["run length", "poller", "requests", "requests vs tfe.runs", "mean late", "max late"], rows)


def real_wait_table(measured: List[RealWait]) -> str:
    return table(["poller", "run took", "reads of the run", "late"],
                 [[m.poller, seconds(m.run_seconds), m.requests, seconds(m.late)] for m in measured])


def overhead_table(measured: List[Overhead]) -> str:
    baseline = measured[0].median_seconds
    uri = next((m for m in measured if m.variant == "ansible.builtin.uri"), None)
    rows = [[m.variant, seconds(m.median_seconds), "{0:g}".format(m.requests_per_task),
             seconds(m.median_seconds - baseline), ratio(m.median_seconds, uri.median_seconds if uri else None)]
            for m in measured]
    return table(["task", "median playbook", "requests", "over the debug baseline", "vs uri"], rows)


def rate_limited_table(round_: ListingRound) -> str:
    rows = [[m.tool, "yes" if m.ok and m.unique_runs == round_.runs else "NO: " + (m.note or "runs missing"),
             m.unique_runs, m.requests, m.throttled, seconds(m.process_seconds or m.seconds)]
            for m in round_.measured]
    return table(["tool", "completed", "runs", "requests", "429s", "wall"], rows)


def fleet_table(rows: List[FleetRow]) -> str:
    """One row per size and tool: what failed, what it cost the budget, how long and how late."""
    cells = []
    for row in rows:
        polled = row.tool != PING  # the ping row has no runs: only its wall time means something
        cells.append([
            row.workspaces, row.tool, "{0} of {1}".format(row.failed, row.workspaces),
            row.wrong_runs if polled else "-", row.requests, "{0} ({1:.1%})".format(
                row.throttled, row.throttled / row.requests) if row.requests else row.throttled,
            seconds(row.wall), seconds(row.median_late) if polled else "-", seconds(row.worst_late) if polled else "-",
            seconds(row.bound), ratio(row.wall, row.bound)])
    return table(["workspaces = forks", "tool", "failed", "workspaces without exactly 1 run", "requests", "429s",
                  "wall", "late (median)", "late (worst)",
                  "budget bound", "wall vs bound"], cells)


def fleet_failures(rows: List[FleetRow]) -> str:
    """The commonest failure messages of each row that failed tasks, so the table's numbers have a why."""
    lines = ["- {0} workspaces, {1}: {2}".format(row.workspaces, row.tool, row.note) for row in rows if row.note]
    if not lines:
        return "No task failed."
    return "Why tasks failed (the commonest messages of each row):\n\n" + "\n".join(lines)


def size(value: Optional[int]) -> str:
    """Bytes as B, kB or MB (powers of 1000)."""
    if value is None:
        return "-"
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if value >= scale:
            return "{0:.1f} {1}".format(value / scale, unit)
    return "{0} B".format(value)


def _keys(v: Variant) -> str:
    keys = v.last.keys if v.samples else None
    if not keys:
        return "-"
    return ", ".join(keys) if len(keys) <= 5 else "{0} keys".format(len(keys))


def _variant_cells(v: Variant) -> List[Any]:
    """Label (or its failure), median, spread, requests, 429s, runs, keys of a run and result size."""
    label = v.label if v.ok else "{0} (FAILED: {1})".format(v.label, v.failure)
    return [label, seconds(v.median) if v.samples else "-", v.spread if v.samples else "-", v.agreed("requests"),
            v.agreed("throttled"), v.agreed("runs"), _keys(v), size(v.last.result_bytes) if v.samples else "-"]


def _against(v: Variant, empty: float) -> List[str]:
    """Each bound plus the empty playbook, and the median against it (the budget's first: the goal's)."""
    if v.module is None:
        return ["-"] * 4
    cells = []
    for bound in (v.bound, v.tfe_bound):
        cells += [seconds(bound + empty), ratio(v.median, bound + empty) if v.samples else "-"]
    return cells


BOUND_HEADERS = ["budget bound + empty playbook", "vs it", "TFE bound + empty playbook", "vs it"]


def playbook_listing_table(measured: PlaybookListing) -> str:
    """The admin listing as whole playbooks, each against its bounds plus the empty playbook."""
    empty = measured.empty.median if measured.empty.samples else 0.0
    rows = [_variant_cells(v) + _against(v, empty) for v in measured.admin]
    runs, count = measured.runs, pages(measured.runs)
    rows.append(["budget bound: {0} pages at the collection's pace (a burst of 3, then 25/s)".format(count),
                 seconds(budget_bound(runs)), "-", count, 0] + ["-"] * 7)
    rows.append(["TFE bound: {0} pages at TFE's 30 requests/s".format(count), seconds(tfe_bound(runs)), "-", count,
                 0] + ["-"] * 7)
    return table(["playbook (one task, {0:,} runs)".format(runs), "whole playbook (median)", "samples (min-max)",
                  "requests", "429s", "runs returned", "keys per run", "result"] + BOUND_HEADERS, rows)


def user_listing_table(measured: PlaybookListing) -> str:
    """tfe_run_info over one workspace's runs: against the budget's run-list pace and TFE's 30 per minute."""
    empty = measured.empty.median if measured.empty.samples else 0.0
    rows = [[v.runs] + _variant_cells(v) + [seconds(v.bound), seconds(v.tfe_bound)] + _against(v, empty)
            for v in measured.user]
    return table(["runs", "playbook (one task)", "whole playbook (median)", "samples (min-max)", "requests", "429s",
                  "runs returned", "keys per run", "result", "budget bound (3, then 0.4/s)", "TFE bound (30/min)"]
                 + BOUND_HEADERS, rows)


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _goal(v: Variant, empty: float, what: str) -> str:
    target = GOAL * (v.bound + empty)
    return ("- {0}: {1} (median of {2}); goal {3:g} x (budget bound {4} + empty playbook {5}) = {6}: {7:.2f}x of "
            "bound + empty, {8}. Against TFE's bound ({9}): {10:.2f}x, goal {11}.".format(
                what, seconds(v.median), len(v.samples), GOAL, seconds(v.bound), seconds(empty), seconds(target),
                v.median / (v.bound + empty), _verdict(v.ok and v.median <= target), seconds(v.tfe_bound),
                v.median / (v.tfe_bound + empty), _verdict(v.ok and v.median <= GOAL * (v.tfe_bound + empty))))


def playbook_listing_goals(measured: PlaybookListing) -> List[str]:
    """Issue 19's goals, each with the numbers that decide it."""
    empty = measured.empty.median if measured.empty.samples else 0.0
    lines = []
    floor = next((v for v in measured.admin if v.module == REPLAY_MODULE and v.samples), None)
    for v in measured.admin:
        if "fields" in v.args and v.samples:
            lines.append(_goal(v, empty, "Projection, tfe_admin_run_info, {0:,} runs with `fields`".format(v.runs)))
        if "fields" in v.args and v.samples and floor:
            target = v.bound + floor.median
            goal = GOAL * (v.bound + empty)
            lines.append("- Against Ansible's own floor for that result (the floor row: starting a module and handling "
                         "the same {0:,} runs, no API call, {1}): the projection took {2:.2f}x of (budget bound {3} + "
                         "floor) = {4}; {5} of it is the collection's own, beyond its pace and what Ansible costs "
                         "for any module returning those runs. The 1.3x goal ({6}) is {7} that sum: {8}.".format(
                             v.runs, seconds(floor.median), v.median / target, seconds(v.bound), seconds(target),
                             seconds(max(v.median - target, 0.0)), seconds(goal),
                             "below" if goal < target else "above",
                             "no module that returns these runs at this pace can meet it on this machine"
                             if goal < target else "it is within reach"))
    for v in measured.admin:
        if v.args.get("limit") == 0 and v.samples:
            kinds = ", ".join("{0}: {1}".format(kind, n) for kind, n in sorted(v.last.kinds.items()))
            lines.append("- Counts only (`limit: 0`): {0} request per playbook by the simulator's stats ({1}), "
                         "total_count {2}, status_counts returned, in {3}: {4}.".format(
                             v.agreed("requests"), kinds or "none", v.last.total_count, seconds(v.median),
                             _verdict(v.ok and v.agreed("requests") == "1")))
    for v in measured.user:
        if "fields" in v.args and v.samples:
            lines.append(_goal(v, empty, "tfe_run_info, {0:,} runs with `fields`".format(v.runs)))
    return lines


def playbook_listing_body(measured: PlaybookListing, repeats: int, command: str) -> str:
    """Section 6 of docs/performance.md: what the rows are, both tables, the bounds and issue 19's goals."""
    runs = measured.runs
    intro = ("What a playbook that lists {0:,} runs waits for, by what its one task returns (issue 19): every "
             "attribute, `fields: [created_at]` (each run then holds only id, status, workspace and created_at) "
             "and `limit: 0` (status_counts and total_count only); the floor row is what Ansible alone costs for "
             "the `fields` row's result (a module that calls no API returns it from a file). Every row is a whole `ansible-playbook` run, "
             "the median of {1} interleaved samples unless it says 1 sample, against the simulator with {2:g} ms "
             "latency and TFE's per-user limits on (30 requests/s, 30 run-list reads/min). `make bench` measures "
             "it with the rest; `{3}` prints this section alone (`--listing-repeats N`, `--user-sizes 1000`)."
             ).format(runs, repeats, measured.latency_ms, command)
    empty = measured.empty.median if measured.empty.samples else 0.0
    slack = GOAL * (tfe_bound(runs) + empty) - budget_bound(runs) - empty
    bounds = ("Two bounds, both plus the empty playbook. The goal's is the budget's: the requests at the pace "
              "the collection keeps by default (a burst of 3, then 25/s: {0} for {1} pages; the counts-only "
              "row's one request fits in the burst), which leaves TFE's 30/s headroom for the machine's other "
              "tasks of the same user. TFE's (as in section 1: {1} pages at 30/s, {2}) is what no client within "
              "the limit can beat; against it, 1.3x leaves {3} for a task's start and its result beyond the "
              "budget's pace.").format(seconds(budget_bound(runs)), pages(runs), seconds(tfe_bound(runs)),
                                       seconds(slack))
    user = ("`tfe.runs.tfe_run_info` as a normal user over one workspace's runs (`organization`, `workspace`, "
            "`limit`). TFE serves no more than 30 run-list pages a minute per user; the collection's budget paces "
            "run-list reads at 0.4/s after a burst of 3 (at most 27 in any minute, shared by the machine's tasks "
            "of the user), and that pace, minutes for 10,000 runs, is the goal's bound here. A listing whose bound "
            "is over a minute is sampled once: its time is the pacing's. TFE's bound is what the server's sliding "
            "minute alone would allow (30 pages at once, 30 more a minute later).")
    goals = "Issue 19's goals:\n\n" + "\n".join(playbook_listing_goals(measured))
    return "\n\n".join([intro, playbook_listing_table(measured), bounds, user, user_listing_table(measured), goals])


def listing_headlines(round_: ListingRound) -> List[str]:
    """One sentence per competitor: how much longer its listing took than tfe.runs', and the requests."""
    found = {m.tool: m for m in round_.measured}
    library, module = found.get(LIBRARY_ROW), found.get(MODULE_ROW)
    lines = []
    for m in round_.measured:
        if m.tool in (LIBRARY_ROW, MODULE_ROW) or not m.ok or not library:
            continue
        lines.append("- {0:,} runs: {1} lists them in {2} with {3} requests, tfe.runs in {4} with {5} ({6} faster; the "
                     "whole playbook {7} vs {8} for the {1} command). The rate limit allows no less than {9}.".format(
                         round_.runs, m.tool, seconds(m.seconds), m.requests, seconds(library.seconds),
                         library.requests,
                         ratio(m.seconds, library.seconds), seconds(module.process_seconds if module else None),
                         seconds(m.process_seconds), seconds(round_.lower_bound_seconds)))
    return lines


INTRO = """# Performance

How tfe.runs compares with the alternatives on the things that cost time and API budget at
scale: listing every run of an installation, waiting for a run, many tasks waiting at once as
one user (a fleet of workspaces, section 5), and what a playbook listing 10,000 runs waits for by
what its task returns (section 6). Everything was measured side by
side in one run of the benchmark harness (`benchmarks/`), against the bundled TFE simulator with
latency added to every answer, and is reported, never asserted: a slow machine fails nothing.

Reproduce with `make bench` (sets up one virtual environment per tool with the pins in
`benchmarks/venvs/`, then runs `benchmarks/run.py`, which rewrites this file). The harness's own
correctness (request and run counts taken from the simulator's log, the virtual-clock pollers) is
tested in `tests/integration/test_benchmark_harness.py`, which CI runs.
"""

NOTES = """## How to read these tables

- **Listing**: *listing* is the time from a built client to the last run in hand; *whole command*
  is what a user waits for (interpreter start and imports; for tfe.runs a whole `ansible-playbook`
  run of one registered task, Ansible's start and result handling included). tfe.runs reads page 1,
  then the remaining pages by number on 4 connections, paced by its client-side limit (25
  requests/second, bursts of 3, shared by every task of the machine, so never over TFE's 30);
  pytfe and terrasnek walk the pages one after the other. Requests are counted by the simulator,
  which runs in its own process. The lower bound is pages / 30 per second: no client that stays
  within TFE's rate limit can be faster.
  For 10,000 runs the task's result is about 7 MB (every attribute of every run), which Ansible
  serializes, masks for the token and hands to the controller: that, not the API, is most of the
  difference between the listing and the whole playbook. Use `fields`, `limit`, `status` or the
  date filters when a playbook needs only some runs or only some of their attributes (section 6).
- **Waiting**: *requests* are reads of the run per wait; *late* is the time between the run
  becoming final and the poller seeing it. The fixed 5 s and 10 s pollers are what Ansible
  playbooks typically do with `ansible.builtin.uri` and `until`/`delay`; the 1-3 s backoff is
  terraform-provider-tfe's and the Terraform CLI's (`backoff(1000, 3000, i)` ms). The virtual
  run spends its time like a real one (short queues, long plan and apply); tfe.runs' schedule is
  its real `Waiter`/`PollSchedule` on an injected clock. Among blind pollers none wins everywhere:
  tfe.runs is never late by more than about a tenth of the wait (10 s at most), as quick as the
  provider on short runs, with half its reads on long ones; on mid-length runs it spends more
  reads than the provider for about the same lateness, and fixed pollers spend fewer reads but
  come late by half their period on average, whatever the run's length.
- **Overhead**: every row is a whole `ansible-playbook` run of one task (median of several,
  interleaved); the debug row is what any playbook costs before a task does anything.
- **Rate limit**: the simulator enforces 30 requests per second per token on real time, answering
  429 with `X-RateLimit-Reset`; tfe.runs' client-side pacing keeps it under the limit.
- **Whole-playbook listing** (section 6): *whole playbook* is the median `ansible-playbook` command
  of one registered task (the empty playbook has no task), samples of all rows interleaved;
  *requests* and *429s* are the simulator's own counts (`GET /_sim/stats`) of every sample (a range
  when they differed); *keys per run* and *runs returned* are read from the task's result, and every
  listing is checked to hold each run once and, with `fields`, nothing but what was asked; *result*
  is that result as JSON. Results are read back by the harness's recording callback, which
  serializes each once more: a small cost the full 10,000-run result pays most. Every sample starts
  from a fresh budget directory (`TFE_RUNS_BUDGET_DIR`) and fresh server windows, as a listing after
  a quiet minute would, so the burst of 3 is there each time.
- **Fleet**: one `ansible-playbook` over N hosts (one per workspace, `ansible_connection: local`,
  `--forks N`), every host queueing a run on its auto-apply workspace (0.5 s per status, about
  3.5 s from pending to applied) and waiting for it to end, all with one user's token, while the
  simulator enforces TFE's limits per user on real time: 30 requests per second and 30 run-list
  reads per minute, refused requests counted too. *failed* counts hosts whose play did not
  succeed; *requests* and *429s* are the simulator's own counts; *wall* is the whole command.
  *late* is the task's end (when the controller had its result) minus the moment its run ended
  (its `created_at`, in milliseconds, plus the 3.5 s it takes, checked against its whole-second
  final status timestamp). The *budget bound* is what no client that stays within the limit can
  beat: the fewest requests the fleet needs, 3 per workspace (look the workspace up, create the
  run, one read that sees it final; earlier reads, details and retries are extra), at the 30 per
  second TFE allows a user, or, when longer, the 2 per workspace before the last run exists plus
  that run's 3.5 s. tfe.runs paces itself at 25 per second, so its own floor on the requests is
  1.2x that. The ping row (no request) is what N forks cost on this machine before any API work,
  and it is in every other row's wall time too: every task, and every poll of the uri play, is a
  Python process that Ansible starts, so on a machine with few cores a large fleet is bound by
  the CPU (N uri polls every 5 s is also why that poller comes late there). The uri play is the
  careful kind: each request repeated while it is answered 429, then `until` the run is final
  with `delay: 5`. The build before the shared budget is built from the named commit with `git
  archive`, so it runs exactly as it did then.
"""


def document(machine: List[str], headlines: List[str], sections: List[tuple], quick: bool = False) -> str:
    parts = [INTRO, "## Where and how\n\n" + "\n".join(machine) + "\n"]
    if quick:
        parts.append("**Quick run (small sizes): not for publishing.**\n")
    if headlines:
        parts.append("## Headlines\n\n" + "\n".join(headlines) + "\n")
    parts += ["{0}\n\n{1}\n".format(title, body) for title, body in sections]
    parts.append(NOTES)
    return "\n".join(parts)
