# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every tfe.runs benchmark side by side and write docs/performance.md (``make bench`` calls this).

    python benchmarks/run.py --pytfe PY --terrasnek PY [--out docs/performance.md] [--quick]
    python benchmarks/run.py --only fleet [--fleet-sizes 10,40] [--before REF]   # the fleet alone, printed
    python benchmarks/run.py --only listing [--listing-repeats 5] [--user-sizes 1000,10000]   # section 6 alone

Run it with the tfe-runs venv's python (ansible-core, requests, PyYAML; see benchmarks/venvs.sh):
the collection is built and installed from this checkout with that venv's ansible-galaxy.
Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
from typing import Dict, List, Sequence, Set, Tuple

from tferuns_bench import fleet, listing, overhead, playbook_listing, report, waiting  # pylint: disable=import-error
from tferuns_bench.world import ADMIN_TOKEN, REPO, simulator  # pylint: disable=import-error

from harness import Ansible, install_collection, tool  # noqa: E402  pylint: disable=import-error,wrong-import-order

LATENCY_MS = 50


def machine() -> List[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            names = [line.split(":", 1)[1].strip() for line in stream if line.startswith("model name")]
        cpu = "{0} x {1}".format(len(names), names[0]) if names else cpu
    except OSError:
        pass
    core = subprocess.run([tool("ansible"), "--version"], capture_output=True, text=True, check=False).stdout
    return ["- Date: {0}".format(datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
            "- Machine: {0}, {1}".format(cpu, platform.platform()),
            "- Python {0}; {1}".format(platform.python_version(), core.splitlines()[0] if core else "ansible-core ?"),
            "- Simulator: tests/simulator on 127.0.0.1, {0} ms latency added to every API answer".format(LATENCY_MS)]


Section = Tuple[str, str]
FLEET_COMMAND = 'make bench BENCH_ARGS="--only fleet"'
LISTING_COMMAND = 'make bench BENCH_ARGS="--only listing"'


def fleet_section(collections: str, sizes: Sequence[int], before_ref: str) -> Section:
    rows = fleet.fleet_rows(collections, LATENCY_MS, sizes=sizes, before_ref=before_ref)
    intro = ("One playbook over N workspaces with `--forks N`, each host queueing a run and waiting for it to end, "
             "all as one user, against 30 requests/s and 30 run-list reads/min per user (issue 17). "
             "`make bench` measures it with the rest; `{0}` prints this table alone (`--fleet-sizes 10,40` "
             "for smaller fleets, `--before REF` for another earlier build).".format(FLEET_COMMAND))
    return ("## 5. Fleet: one play over many workspaces under TFE's per-user limits",
            "{0}\n\n{1}\n\n{2}".format(intro, report.fleet_table(rows), report.fleet_failures(rows)))


def playbook_listing_section(collections: str, runs: int, user_sizes: Sequence[int], repeats: int) -> Section:
    measured = playbook_listing.measure(collections, LATENCY_MS, runs=runs, user_sizes=user_sizes, repeats=repeats)
    return ("## 6. Listing {0:,} runs as a whole playbook: every attribute, `fields`, counts only".format(runs),
            report.playbook_listing_body(measured, repeats, LISTING_COMMAND))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pytfe", help="python of the pytfe venv")
    parser.add_argument("--terrasnek", help="python of the terrasnek venv")
    parser.add_argument("--out", default=os.path.join(REPO, "docs", "performance.md"))
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the harness (not for publishing)")
    parser.add_argument("--only", choices=("fleet", "listing"),
                        help="run this part alone and print it (docs/performance.md is left as it is): "
                             "fleet is section 5, listing section 6 (whole-playbook listings, issue 19)")
    parser.add_argument("--fleet-sizes", type=lambda text: tuple(int(n) for n in text.split(",")),
                        help="workspaces per fleet, comma-separated (default {0}; --quick: 10)".format(
                            ",".join(str(n) for n in fleet.SIZES)))
    parser.add_argument("--before", default=fleet.BEFORE_REF,
                        help="the commit whose build is the fleet's 'before' row (default %(default)s)")
    parser.add_argument("--listing-repeats", type=int,
                        help="samples per row of section 6 (default {0}; --quick: 2)".format(playbook_listing.REPEATS))
    parser.add_argument("--user-sizes", type=lambda text: tuple(int(n) for n in text.split(",")),
                        help="runs listed by tfe_run_info in section 6, comma-separated (default {0}; --quick: "
                             "250)".format(",".join(str(n) for n in playbook_listing.USER_SIZES)))
    args = parser.parse_args()
    competitors: Dict[str, str] = {name: path for name, path in (("pytfe", args.pytfe), ("terrasnek", args.terrasnek))
                                   if path}
    sizes = (250, 1000) if args.quick else (1000, 10000)
    fleet_sizes = args.fleet_sizes or ((10,) if args.quick else fleet.SIZES)
    workdir = tempfile.mkdtemp(prefix="tfe-runs-bench-")
    collections = install_collection(workdir)
    sys.path.insert(0, collections)
    listing_runs = sizes[-1]
    user_sizes = args.user_sizes or ((250,) if args.quick else playbook_listing.USER_SIZES)
    listing_repeats = args.listing_repeats or (2 if args.quick else playbook_listing.REPEATS)
    if args.only:
        if args.only == "fleet":
            title, body = fleet_section(collections, fleet_sizes, args.before)
        else:
            title, body = playbook_listing_section(collections, listing_runs, user_sizes, listing_repeats)
        print("{0}\n\n{1}".format(title, body))
        return 0

    def make_ansible(address: str) -> Ansible:
        return Ansible(collections, workdir, address, ADMIN_TOKEN)

    sections: List[Section] = []
    headlines: List[str] = []
    versions: Set[str] = set()
    for size in sizes:
        print("listing {0} runs ...".format(size), flush=True)
        round_ = listing.listing_round(size, LATENCY_MS, make_ansible, collections, competitors)
        headlines += report.listing_headlines(round_)
        versions.update(m.note for m in round_.measured if m.tool in competitors and m.ok)
        sections.append(("## 1. Listing {0:,} runs (`GET /api/v2/admin/runs`, {1} pages)".format(size, round_.pages),
                         report.listing_table(round_)))
    print("waiting schedules on a virtual clock ...", flush=True)
    sections.append(("## 2. Waiting for a run (virtual clock, 100 runs of 0.8 to 1.2 x the length each)",
                     report.waiting_table(waiting.virtual_table())))
    print("one real wait ...", flush=True)
    sim = simulator(latency_ms=LATENCY_MS)
    try:
        sim.set_workspace_knobs("live", phase_seconds=0.7)  # about 5 s from pending to applied
        sections.append(("### 2b. One real run of about 5 s on the simulator", report.real_wait_table(
            waiting.real_wait(sim, make_ansible))))
    finally:
        sim.stop()
    print("task overhead ...", flush=True)
    sim = simulator(runs=50, latency_ms=LATENCY_MS)
    try:
        sections.append(("## 3. One task versus ansible.builtin.uri making the same request",
                         report.overhead_table(overhead.measure(sim, make_ansible, repeats=3 if args.quick else 7))))
    finally:
        sim.stop()
    limited_size = sizes[-1]
    print("listing {0} runs under a 30 requests/second limit ...".format(limited_size), flush=True)
    round_ = listing.listing_round(limited_size, LATENCY_MS, make_ansible, collections, competitors, rate_limited=True)
    sections.append(("## 4. Listing {0:,} runs under a server-side limit of 30 requests/second".format(limited_size),
                     report.rate_limited_table(round_)))
    print("fleets of {0} workspaces under the per-user limits ...".format(", ".join(map(str, fleet_sizes))), flush=True)
    sections.append(fleet_section(collections, fleet_sizes, args.before))
    print("listing {0} runs as whole playbooks ...".format(listing_runs), flush=True)
    sections.append(playbook_listing_section(collections, listing_runs, user_sizes, listing_repeats))

    measured_with = machine() + ["- Competitors, each in its own venv (benchmarks/venvs/): {0}".format(
        ", ".join(sorted(versions)) or "none")]
    text = report.document(measured_with, headlines, sections, quick=args.quick)
    print(text)
    if not args.quick:
        with open(args.out, "w", encoding="utf-8") as stream:
            stream.write(text)
        print("written: {0}".format(os.path.relpath(args.out, REPO)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
