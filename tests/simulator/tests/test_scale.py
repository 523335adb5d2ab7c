"""Scale (issue 5): bulk seeding of 10,000 historical runs across organizations and
workspaces, and listing all of them page by page (contract 5.3, 6.1, 7.1). The only
timing check is a generous sanity bound; the assertions are on counts."""
from __future__ import annotations

import time

from conftest import SEED, Api
from tfesim import Simulator

HISTORY = [
    {"workspace": "acme/manual", "status": "applied", "count": 7000, "created_at": "2025-01-01T00:00:00Z"},
    {"workspace": "acme/auto", "status": "errored", "count": 2000, "created_at": "2025-01-01T00:00:00Z"},
    {"workspace": "globex/secret", "status": "planned_and_finished", "count": 1000,
     "created_at": "2025-01-01T00:00:00Z", "attributes": {"plan-only": True}},
]


def test_10000_runs_seed_and_list_every_page():
    """10,000 runs seed; a workspace's 7,000 list completely over 70 pages of 100 (each run once, newest first);
    the admin listing counts all 10,000 and filters by status."""
    started = time.monotonic()
    with Simulator(seed=dict(SEED, runs=HISTORY)) as sim:
        assert len(sim.runs()) == 10000
        api = Api(sim)
        seen, created = [], []
        url = sim.url + "/api/v2/workspaces/ws-Manual0000000001/runs?page%5Bsize%5D=100"
        while url:
            body = api.session.get(url, timeout=30).json()
            seen += [run["id"] for run in body["data"]]
            created += [run["attributes"]["created-at"] for run in body["data"]]
            url = body["links"]["next"]
        assert body["meta"]["pagination"]["total-count"] == 7000
        assert body["meta"]["pagination"]["total-pages"] == 70
        assert len(seen) == len(set(seen)) == 7000
        assert created == sorted(created, reverse=True)
        admin = api.get("/api/v2/admin/runs", params={"page[size]": "100"}).json()
        assert admin["meta"]["pagination"]["total-count"] == 10000
        assert admin["meta"]["status-counts"]["errored"] == 2000
        assert admin["meta"]["status-counts"]["planned-and-finished"] == 1000
        errored = api.get("/api/v2/admin/runs", params={"filter[status]": "errored"}).json()
        assert errored["meta"]["pagination"]["total-count"] == 2000
        assert sum(1 for entry in sim.request_log if entry["status"] == 200) == len(sim.request_log) == 72
    assert time.monotonic() - started < 60  # sanity only: it takes a few seconds at most
