# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The benchmark harness measures what it claims (issue 11): requests as the simulator counted them,
runs as the tools returned them, pollers as their schedules say, ratios the right way round.

Timings are never asserted here; only counts, bounds that follow from the schedules, and arithmetic.
"""

from __future__ import annotations

import math
import os
import sys
import textwrap

import pytest

from fleet_harness import final_at  # pylint: disable=import-error
from harness import COLLECTION_ROOT, Ansible  # pylint: disable=import-error

sys.path.insert(0, os.path.join(COLLECTION_ROOT, "benchmarks"))

# pylint: disable=import-error,wrong-import-position
from tferuns_bench import fleet, listing, overhead, playbook_listing, report, waiting  # noqa: E402
from tferuns_bench.tools import Measured, competitor_listing, counted  # noqa: E402
from tferuns_bench.world import ADMIN_TOKEN, api_requests, simulator  # noqa: E402


@pytest.fixture
def make_ansible(collections_path, tmp_path):
    if collections_path not in sys.path:
        sys.path.insert(0, collections_path)  # the virtual-clock poller imports the installed module_utils
    return lambda address: Ansible(collections_path, str(tmp_path), address, ADMIN_TOKEN)


def test_listing_round_takes_requests_from_the_simulator_and_runs_from_the_tools(make_ansible, collections_path):
    measured = listing.listing_round(230, 0, make_ansible, collections_path, competitors={})
    assert measured.pages == 3 and measured.lower_bound_seconds == pytest.approx(0.1)
    assert [m.tool for m in measured.measured] == [report.MODULE_ROW, report.LIBRARY_ROW]
    for row in measured.measured:
        assert row.ok, row.note
        assert (row.requests, row.runs, row.unique_runs, row.throttled) == (3, 230, 230, 0)
    assert measured.measured[0].process_seconds >= measured.measured[0].seconds > 0


# A stand-in competitor that walks the pages itself and claims one run too many: the harness must
# report its requests from the simulator's log and the runs it claimed, not make either up.
STUB = textwrap.dedent("""
    import json, sys, time, requests
    url, token = sys.argv[sys.argv.index("--url") + 1], sys.argv[sys.argv.index("--token") + 1]
    ids, page = [], 1
    while page:
        answer = requests.get(url + "/api/v2/admin/runs", params={"page[number]": page, "page[size]": 100},
                              headers={"Authorization": "Bearer " + token}, timeout=30).json()
        ids += [run["id"] for run in answer["data"]]
        page = answer["meta"]["pagination"]["next-page"]
    print(json.dumps({"tool": "stub", "version": "0", "runs": len(ids) + 1, "unique_runs": len(set(ids)),
                      "seconds": 0.5}))
""")


def test_competitor_rows_count_requests_at_the_simulator(tmp_path):
    script = tmp_path / "list_stub.py"
    script.write_text(STUB)
    broken = tmp_path / "list_broken.py"
    broken.write_text("import sys\nsys.exit('no admin API here')\n")
    sim = simulator(runs=250)
    try:
        row = counted(sim, "stub", competitor_listing("stub", sys.executable, sim.url, script=str(script)))
        failed = counted(sim, "broken", competitor_listing("broken", sys.executable, sim.url, script=str(broken)))
    finally:
        sim.stop()
    assert row.ok and (row.requests, row.runs, row.unique_runs, row.seconds) == (3, 251, 250, 0.5)
    assert row.process_seconds > 0 and row.note == "stub 0"
    assert not failed.ok and failed.requests == 0 and "no admin API here" in failed.note


def fixed_closed_form(period, length):
    """Reads and lateness of a poller reading at 0, period, 2 period ... for a run ending at ``length``."""
    reads_until = math.ceil(length / period)
    return reads_until + 1, reads_until * period - length


def test_virtual_pollers_behave_as_their_schedules_say(collections_path):
    if collections_path not in sys.path:
        sys.path.insert(0, collections_path)
    fixed5 = waiting.interval_poller(lambda i: 5.0)
    for length in (4.0, 5.0, 23.3, 300.0):
        reads, late = fixed5(length)
        assert (reads, late) == pytest.approx(fixed_closed_form(5.0, length))
    stats = waiting.evaluate("fixed 5 s", fixed5, 30)
    lengths = [30 * (0.8 + 0.4 * k / 99) for k in range(100)]
    assert stats.requests == pytest.approx(sum(fixed_closed_form(5.0, n)[0] for n in lengths) / 100)
    assert stats.mean_late == pytest.approx(sum(fixed_closed_form(5.0, n)[1] for n in lengths) / 100)
    assert [round(waiting.provider_backoff(i), 3) for i in (0, 5, 8, 9, 50)] == [1.0, 2.0, 3.0, 3.0, 3.0]
    ours = waiting.tfe_runs_poller()
    for length in (3.0, 30.0, 300.0):
        reads, late = ours(length)
        # The documented bound: late by at most a tenth of the wait (1 s at first, 10 s at most), plus jitter.
        assert 0 <= late <= 1.1 * min(10.0, max(1.0, 0.1 * length)) and reads >= 2


def read_times(sim, run_id):
    """When the simulator logged each GET of ``run_id``, in order."""
    path = "/api/v2/runs/" + run_id
    return sorted(waiting._parse(entry["time"]) for entry in sim.request_log  # pylint: disable=protected-access
                  if entry["method"] == "GET" and entry["path"] == path)


def test_real_wait_reads_back_what_the_simulator_saw(make_ansible):
    sim = simulator()
    try:
        sim.set_workspace_knobs("live", phase_seconds=0.3)
        ours, uri = waiting.real_wait(sim, make_ansible, delay=2)
        runs = {entry["path"] for entry in api_requests(sim) if entry["path"].startswith("/api/v2/runs/")}
        reads = {measured.poller: read_times(sim, measured.run_id) for measured in (ours, uri)}
    finally:
        sim.stop()
    assert len(runs) == 2 and ours.run_id != uri.run_id  # one run per poller
    # Only what the schedules promise, whatever the machine's load (timings are not asserted): uri's
    # until/delay sleeps 2 s between reads, ours 1 s less its tenth of jitter at first. The lateness is
    # that of the first read after the apply, so at most the gap since the read before it.
    for measured, least_gap in ((ours, 0.9), (uri, 2.0)):
        times = reads[measured.poller]
        gaps = [later - earlier for earlier, later in zip(times, times[1:])]
        assert measured.requests == len(times) >= 1 and measured.run_seconds > 1
        assert all(gap >= least_gap - 0.01 for gap in gaps), (measured, gaps)
        assert 0 <= measured.late <= (gaps[-1] if gaps else math.inf), (measured, gaps)


def test_overhead_variants_make_the_same_single_request(make_ansible):
    sim = simulator(runs=20)
    try:
        measured = overhead.measure(sim, make_ansible, repeats=1)
        seen = {}
        for name, task in overhead.variants(sim.url).items():
            sim.clear_request_log()
            make_ansible(sim.url).playbook([dict(task, name="measured")])
            seen[name] = [(e["method"], e["path"], e["query"]) for e in api_requests(sim)]
    finally:
        sim.stop()
    assert [m.requests_per_task for m in measured] == [0, 1, 1]
    assert seen["ansible.builtin.uri"] == seen["tfe.runs.tfe_admin_run_info"] == [
        ("GET", "/api/v2/admin/runs", overhead.PAGE_QUERY)]


def test_tables_put_ratios_the_right_way_round():
    round_ = listing.ListingRound(runs=1000, latency_ms=50, measured=[
        Measured(report.MODULE_ROW, 3.0, 3.0, 10, 1000, 1000, True),
        Measured(report.LIBRARY_ROW, 0.5, None, 10, 1000, 1000, True),
        Measured("pytfe", 2.0, 4.5, 10, 1000, 1000, True, "pytfe 1.5.0"),
        Measured("terrasnek", 1.0, 1.0, 3, 0, 0, False, "KeyError"),
    ])
    rows = {line.split(" | ")[0].strip("| "): line for line in report.listing_table(round_).splitlines()}
    assert "| 4.0x | 1.5x | 6.0x |" in rows["pytfe"]  # 2.0/0.5, 4.5/3.0, 2.0/(10/30)
    assert rows["terrasnek (FAILED: KeyError)"]
    assert "0.33 s" in rows["rate-limit lower bound (10 pages / 30 per s)"]
    assert report.listing_headlines(round_) == [
        "- 1,000 runs: pytfe lists them in 2.00 s with 10 requests, tfe.runs in 0.50 s with 10 (4.0x faster; the "
        "whole playbook 3.00 s vs 4.50 s for the pytfe command). The rate limit allows no less than 0.33 s."]


def test_a_fleet_row_counts_at_the_simulator_and_sees_every_run(collections_path, tmp_path):
    """The uri fleet on 3 workspaces under the limits: every host lands one run, requests are the
    simulator's, lateness is measured from the run's end to the task's end (never negative)."""
    row = fleet.measure(fleet.URI, fleet.uri_play, collections_path, str(tmp_path), size=3, latency_ms=0)
    assert (row.failed, row.wrong_runs, row.throttled) == (0, 0, 0), row.note
    assert row.requests >= 3 * fleet.NEEDED_PER_WORKSPACE  # a lookup, a create and at least one read each
    assert -0.01 <= row.median_late <= row.worst_late  # created_at has milliseconds: 1 ms of slack
    assert row.bound == pytest.approx(2 * 3 / 30 + fleet.RUN_SECONDS)  # the runs' length, not 9 requests, binds
    # 100 workspaces: 300 requests take 10 s, but the last run exists only after 200 and then takes 3.5 s
    assert fleet.FleetRow("x", 100, 0, 0, 0, 1.0, None, None, 0).bound == pytest.approx(200 / 30 + fleet.RUN_SECONDS)


def test_a_run_ends_when_its_model_says_only_if_its_stamp_agrees():
    run = {"status": "applied", "created_at": "2026-01-01T00:00:00.700Z",
           "status_timestamps": {"applied-at": "2026-01-01T00:00:04+00:00"}}
    assert final_at(dict(run, status_timestamps={}, status="applying")) is None  # not final yet
    assert final_at(run) % 60 == pytest.approx(4.2)  # 0.7 + 3.5: within the stamped second
    queued = dict(run, status_timestamps={"applied-at": "2026-01-01T00:00:09+00:00"})
    assert final_at(queued) % 60 == pytest.approx(9.0)  # waited behind another run: the stamp it is


def test_fleet_table_puts_wall_against_the_budget_bound():
    rows = [fleet.FleetRow(fleet.PING, 10, 0, 0, 0, 2.0, None, None, 0),
            fleet.FleetRow(fleet.CURRENT, 10, 1, 50, 5, 8.4, 0.5, 1.5, 1, "1 x boom")]
    lines = report.fleet_table(rows).splitlines()
    assert lines[2].startswith("| 10 | ansible.builtin.ping (no request) | 0 of 10 | - | 0 | 0 | 2.00 s | - | - |")
    assert lines[3] == "| 10 | tfe.runs (this checkout) | 1 of 10 | 1 | 50 | 5 (10.0%) | 8.40 s | 0.50 s | 1.50 s | 4.17 s | 2.0x |"
    assert report.fleet_failures(rows).endswith("- 10 workspaces, tfe.runs (this checkout): 1 x boom")


def test_playbook_listing_bounds_follow_the_limits_and_the_budget():
    assert playbook_listing.tfe_bound(10000) == pytest.approx(100 / 30)  # TFE's 30/s
    assert playbook_listing.budget_bound(10000) == pytest.approx(97 / 25)  # a burst of 3, then 25/s
    assert playbook_listing.tfe_list_bound(10000) == pytest.approx(180)  # 30 pages a sliding minute: 4 minutes' worth
    assert playbook_listing.tfe_list_bound(1000) == pytest.approx(10 / 30)  # 10 pages fit in one minute
    assert playbook_listing.budget_list_bound(10000) == pytest.approx(97 / 0.4)  # a burst of 3, then 0.4/s
    assert playbook_listing.budget_list_bound(250) == 0  # 3 pages: the burst


def test_playbook_listing_counts_at_the_simulator_and_checks_the_projection(collections_path):
    """Each variant once on 230 runs: requests from the simulator, runs and keys from the results."""
    measured = playbook_listing.measure(collections_path, 0, runs=230, user_sizes=(120,), repeats=1,
                                        progress=lambda _line: None)
    found = {v.label: v for v in measured.admin + measured.user}
    for variant in found.values():
        assert variant.ok, (variant.label, variant.failure)
        assert len(variant.samples) == 1 and variant.agreed("throttled") == "0"
    assert found[playbook_listing.EMPTY].agreed("requests") == "0"
    assert found[playbook_listing.ADMIN_FULL].agreed("requests") == "3"
    assert found[playbook_listing.ADMIN_FIELDS].last.keys == ["created_at", "id", "status", "workspace"]
    floor = found[playbook_listing.FLOOR].last  # the fields row's result again, without a request
    assert (floor.requests, floor.runs, floor.unique_runs) == (0, 230, 230)
    assert floor.keys == ["created_at", "id", "status", "workspace"]
    counts = found[playbook_listing.ADMIN_COUNTS].last
    assert (counts.requests, counts.kinds, counts.total_count) == (1, {"GET /api/v2/admin/runs": 1}, 230)
    user = found[playbook_listing.USER_FIELDS].last
    assert (user.runs, user.unique_runs, user.requests) == (120, 120, 3)  # the workspace, then 2 pages
    assert user.keys == ["created_at", "id", "status", "workspace"]
    goals = report.playbook_listing_goals(measured)
    assert len(goals) == 4 and "Ansible's own floor" in goals[1] and "1 request per playbook" in goals[2]


def test_playbook_listing_goal_is_against_the_bound_plus_the_empty_playbook():
    def variant(label, module, args, runs, seconds_, requests):
        sample = playbook_listing.Sample(seconds_, requests, 0, {}, True, runs, runs, ["id"], runs, 10)
        return playbook_listing.Variant(label, module, args, "t", max(runs, 1), playbook_listing.budget_bound(runs),
                                        playbook_listing.tfe_bound(runs), [sample])
    admin = "tfe.runs.tfe_admin_run_info"
    measured = playbook_listing.PlaybookListing(10000, 50, admin=[
        variant(playbook_listing.EMPTY, None, {}, 0, 1.0, 0),
        variant(playbook_listing.ADMIN_FIELDS, admin, {"fields": ["created_at"]}, 10000, 6.0, 100),
        variant(playbook_listing.FLOOR, playbook_listing.REPLAY_MODULE, {}, 0, 2.0, 0),
        variant(playbook_listing.ADMIN_COUNTS, admin, {"limit": 0}, 0, 2.0, 1),
    ], user=[])
    goals = report.playbook_listing_goals(measured)
    # budget: 1.3 x (97/25 + 1.00) = 6.34 s, 6.0 / 4.88 = 1.23x; TFE: 6.0 / (100/30 + 1.00) = 1.38x
    assert goals[0].endswith("= 6.34 s: 1.23x of bound + empty, met. Against TFE's bound (3.33 s): 1.38x, goal NOT met.")
    # the floor: 97/25 + 2.00 = 5.88 s, 6.0 / 5.88 = 1.02x, 0.12 s the collection's own; the goal is above the sum
    assert "1.02x of (budget bound 3.88 s + floor) = 5.88 s; 0.12 s of it" in goals[1]
    assert goals[1].endswith("The 1.3x goal (6.34 s) is above that sum: it is within reach.")
    assert goals[2].startswith("- Counts only (`limit: 0`): 1 request per playbook")
    lines = report.playbook_listing_table(measured).splitlines()
    assert lines[3].endswith("| 4.88 s | 1.2x | 4.33 s | 1.4x |")
