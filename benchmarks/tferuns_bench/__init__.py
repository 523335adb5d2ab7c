# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tfe.runs benchmark harness (issue 11): listing, waiting and overhead, side by side in one run.

``benchmarks/run.py`` drives it; ``make bench`` sets up the virtual environments and calls that.
Every measurement runs against the bundled simulator (tests/simulator) on 127.0.0.1 with latency
injected, and counts requests from the simulator's own request log, never from the tool's claims.
"""
