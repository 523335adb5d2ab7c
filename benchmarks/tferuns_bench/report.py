# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turning measurements into the tables of docs/performance.md (and the same tables on stdout)."""

from __future__ import annotations

import math
from typing import Any, Iterable, List, Optional, Sequence

from .fleet import PING, FleetRow
from .listing import ListingRound
from .overhead import Overhead
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
    rows.append(["rate-limit lower bound ({0} pages / 30 per s)".format(round_.pages), seconds(round_.lower_bound_seconds),
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
    return "Why tasks failed (the commonest messages of each row):\n\n" + "\n".join(lines) if lines else "No task failed."


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
                         round_.runs, m.tool, seconds(m.seconds), m.requests, seconds(library.seconds), library.requests,
                         ratio(m.seconds, library.seconds), seconds(module.process_seconds if module else None),
                         seconds(m.process_seconds), seconds(round_.lower_bound_seconds)))
    return lines


INTRO = """# Performance

How tfe.runs compares with the alternatives on the things that cost time and API budget at
scale: listing every run of an installation, waiting for a run, and many tasks waiting at once as
one user (a fleet of workspaces, section 5). Everything was measured side by
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
  which runs in its own process. The lower bound is pages / 30 per second: no client that stays within TFE's rate limit can be faster.
  For 10,000 runs the task's result is about 7 MB (every attribute of every run), which Ansible
  serializes, masks for the token and hands to the controller: that, not the API, is most of the
  difference between the listing and the whole playbook. Use `limit`, `status` or the date
  filters when a playbook needs only some runs.
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
