# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A scripted ``GET /api/v2/admin/runs`` for the ScriptedServer: pages answered by number, in any order.

Concurrent page requests arrive in any order, so queued replies cannot script them; this answers each
request from a list of runs the test controls (and may change between pages), the way TFE does:
``q``, ``filter[status]``, ``filter[from]``/``filter[to]`` (unless ``honour_dates`` is off, like an old
installation), ``meta.pagination``, hyphenated ``meta.status-counts`` and the included workspaces and
organizations.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, List, Optional

from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply, SeenRequest

START = datetime(2025, 6, 2, 12, 0, 0, tzinfo=timezone.utc)
STATUS_CYCLE = ("applied", "planning", "errored", "pending", "policy_checked")
COUNT_KEYS = ("pending", "planning", "planned", "confirmed", "applying", "applied", "discarded", "errored",
              "canceled", "policy_checking", "policy_override", "policy_checked")


@dataclass
class FakeRun:
    id: str
    status: str
    created_at: datetime
    organization: str = "acme"
    workspace: str = "network"

    @property
    def workspace_id(self) -> str:
        return "ws-{0}-{1}".format(self.organization, self.workspace)


def make_runs(count: int, organizations=("acme", "globex")) -> List[FakeRun]:
    """``run-00000`` ... newest first, one minute apart, statuses and organizations cycling."""
    return [FakeRun("run-%05d" % n, STATUS_CYCLE[n % len(STATUS_CYCLE)], START - timedelta(minutes=n),
                    organizations[n % len(organizations)], "ws%d" % (n % 3)) for n in range(count)]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


class AdminRunsApi:
    """Callable as ``ScriptedServer.default``. ``intercept(page_number, attempt)`` may return a Reply to
    send instead (a 429, an empty page); ``after_page(page_number)`` runs after a page was built (to
    change the list while the client pages through it). Thread-safe; records what it served."""

    def __init__(self, runs: List[FakeRun], honour_dates: bool = True) -> None:
        self.runs = runs
        self.honour_dates = honour_dates
        self.intercept: Optional[Callable[[int, int], Optional[Reply]]] = None
        self.after_page: Optional[Callable[[int], None]] = None
        self.served: List[int] = []
        self._attempts: Dict[int, int] = {}
        self._lock = threading.Lock()

    def __call__(self, seen: SeenRequest) -> Reply:
        if seen.path != "/api/v2/admin/runs":
            return Reply(status=404, body={"errors": [{"status": "404", "title": "not found"}]})
        number = int(seen.query.get("page[number]", "1"))
        size = min(int(seen.query.get("page[size]", "20")), 100)
        with self._lock:
            attempt = self._attempts[number] = self._attempts.get(number, 0) + 1
        replacement = self.intercept(number, attempt) if self.intercept else None
        if replacement is not None:
            return replacement
        with self._lock:
            document = self._page(seen.query, number, size)
            self.served.append(number)
        if self.after_page:
            self.after_page(number)
        return Reply(body=document)

    def _page(self, query: Dict[str, str], number: int, size: int) -> Dict:
        needle = query.get("q", "").lower()
        scoped = [run for run in self.runs
                  if not needle or any(needle in value.lower() for value in (run.id, run.workspace, run.organization))]
        if self.honour_dates and query.get("filter[from]"):
            scoped = [run for run in scoped if run.created_at >= _parse(query["filter[from]"])]
        if self.honour_dates and query.get("filter[to]"):
            scoped = [run for run in scoped if run.created_at <= _parse(query["filter[to]"])]
        statuses = [s for s in query.get("filter[status]", "").split(",") if s]
        selected = [run for run in scoped if not statuses or run.status in statuses]
        total_pages = max(1, -(-len(selected) // size))
        chunk = selected[(number - 1) * size: number * size]
        counts = {key.replace("_", "-"): 0 for key in COUNT_KEYS}
        for run in scoped:
            key = run.status.replace("_", "-")
            counts[key] = counts.get(key, 0) + 1
        counts["total"] = len(scoped)
        document = {
            "data": [self._resource(run) for run in chunk],
            "meta": {"pagination": {"current-page": number, "page-size": size,
                                    "prev-page": number - 1 if number > 1 else None,
                                    "next-page": number + 1 if number < total_pages else None,
                                    "total-pages": total_pages, "total-count": len(selected)},
                     "status-counts": counts},
            "links": {"self": "https://elsewhere.invalid/never-used"},
        }
        if "workspace" in query.get("include", "").split(","):
            document["included"] = self._included(chunk)
        return document

    @staticmethod
    def _resource(run: FakeRun) -> Dict:
        return {
            "id": run.id, "type": "runs",
            "attributes": {"status": run.status, "has-changes": run.status == "applied",
                           "created-at": stamp(run.created_at),
                           "status-timestamps": {"plan-queueable-at": stamp(run.created_at)}},
            "relationships": {"workspace": {"data": {"id": run.workspace_id, "type": "workspaces"}}},
            "links": {"self": "/api/v2/runs/" + run.id},
        }

    @staticmethod
    def _included(chunk: List[FakeRun]) -> List[Dict]:
        included = {}
        for run in chunk:
            included[run.workspace_id] = {
                "id": run.workspace_id, "type": "workspaces", "attributes": {"name": run.workspace},
                "relationships": {"organization": {"data": {"id": run.organization, "type": "organizations"}}}}
            included[run.organization] = {"id": run.organization, "type": "organizations",
                                          "attributes": {"name": run.organization}}
        return list(included.values())


def too_many_requests() -> Reply:
    return Reply(status=429, headers={"X-RateLimit-Reset": "0"},
                 body={"errors": [{"status": "429", "title": "Too many requests",
                                   "detail": "You have exceeded the API's rate limit."}]})
