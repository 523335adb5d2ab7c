# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Admin listing at scale: tfe.runs versus sequential page loops, and under a server-side rate limit."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List

from .tools import Measured, competitor_listing, counted, library_listing, module_listing
from .world import simulator

PAGE_SIZE = 100
RATE_LIMIT = 30.0  # requests per second and user (contract 7.2)


@dataclass
class ListingRound:
    runs: int
    latency_ms: float
    measured: List[Measured] = field(default_factory=list)
    rate_limited: bool = False

    @property
    def pages(self) -> int:
        return math.ceil(self.runs / PAGE_SIZE)

    @property
    def lower_bound_seconds(self) -> float:
        """No client may send the pages faster than the rate limit allows."""
        return self.pages / RATE_LIMIT


def listing_round(runs: int, latency_ms: float, make_ansible: Any, collections_path: str,
                  competitors: Dict[str, str], rate_limited: bool = False) -> ListingRound:
    """Every tool lists the same ``runs`` on one simulator, one after the other."""
    result = ListingRound(runs, latency_ms, rate_limited=rate_limited)
    sim = simulator(runs=runs, latency_ms=latency_ms)
    try:
        if rate_limited:
            # Real time, per token: what TFE enforces (30 requests/second and user).
            sim.add_fault("per_token_rate_limit", limit=int(RATE_LIMIT), window=1.0)
        result.measured.append(counted(sim, "tfe.runs tfe_admin_run_info (playbook task)",
                                       module_listing(make_ansible(sim.url))))
        result.measured.append(counted(sim, "tfe.runs module_utils (listing only)",
                                       library_listing(sim.url, collections_path)))
        for name, python in competitors.items():
            result.measured.append(counted(sim, name, competitor_listing(name, python, sim.url)))
    finally:
        sim.stop()
    return result
