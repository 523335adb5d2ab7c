# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2, the verb "list the runs of an installation" (site admins): search, read, count, shape.

Knows the admin runs API (reference section 6) and the layer-1 client; knows nothing about Ansible.
A server may ignore the date window, the status filter, ``include`` or paging: each is then made
good here (filtered on the client, fetched directly, bounded) and said in a warning.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, List, Optional

from ._client import TfeClient
from ._jsonapi import MAX_PAGE_SIZE, related_id
from ._listing import CreationWindow, Projection, check_listing_size, fill_workspaces, normalize_statuses
from ._outcome import Task, verb
from ._pages import REPEATED, fetch_pages
from ._results import run_result, snake_keys, workspace_summary
from ._statuses import ADMIN_FILTER_STATUSES, run_status
from ._timestamps import rfc3339

ADMIN_RUNS_PATH = "admin/runs"
ADMIN_RUN_INCLUDES = ("workspace", "workspace.organization")
# Four threads at 25 requests/s (the client's limiter) keep well under TFE's 30/s.
LIST_WORKERS = 4
# A listing's own bound, whatever the server does: Ansible's task timeout does not stop the module.
LIST_DEADLINE = 1800.0
NOT_ADMIN_HINT = ("For /api/v2/admin/runs this means the token does not belong to a site administrator, or this "
                  "service has no admin API (HCP Terraform has none: the admin API exists only on Terraform "
                  "Enterprise).")


# --- input --------------------------------------------------------------------------------------


def undocumented_filter_statuses(statuses: Iterable[str]) -> List[str]:
    """Statuses the admin API does not document for ``filter[status]`` (a server may match none for them)."""
    return [status for status in statuses if status not in ADMIN_FILTER_STATUSES]


@dataclass
class AdminRunSearch:
    """What to list. Times are aware UTC datetimes; ``run_id`` asks for one run by its exact ID."""

    query: Optional[str] = None
    statuses: List[str] = field(default_factory=list)
    window: CreationWindow = field(default_factory=CreationWindow)
    run_id: Optional[str] = None

    def params(self) -> Dict[str, str]:
        """The query parameters of ``GET /api/v2/admin/runs`` (without the page parameters)."""
        params = {"include": ",".join(ADMIN_RUN_INCLUDES)}
        needle = self.run_id or self.query
        if needle:
            params["q"] = needle
        if self.statuses:
            params["filter[status]"] = ",".join(self.statuses)
        if self.window.after is not None:
            params["filter[from]"] = rfc3339(self.window.after)
        if self.window.before is not None:
            params["filter[to]"] = rfc3339(self.window.before)
        return params


def build_search(query: Optional[str] = None, statuses: Optional[Iterable[str]] = None,
                 created_after: Optional[str] = None, created_before: Optional[str] = None,
                 run_id: Optional[str] = None, now: Optional[datetime] = None) -> AdminRunSearch:
    """Validate the user's search; every mistake is a ``ValueError`` raised before any request."""
    run_id = (run_id or "").strip() or None
    return AdminRunSearch(query=(query or "").strip() or None, statuses=normalize_statuses(statuses),
                          window=CreationWindow.parse(created_after, created_before, now), run_id=run_id)


# --- reading -----------------------------------------------------------------------------------


def admin_run_result(run: Dict[str, Any], included: Dict[Any, Dict[str, Any]], site: str) -> Dict[str, Any]:
    """The one run shape (what the admin list carries of it) plus ``workspace`` ``{id, name, organization}``."""
    workspace_id = related_id(run, "workspace")
    workspace = included.get(("workspaces", workspace_id)) or ({"id": workspace_id} if workspace_id else None)
    result = run_result(run, workspace, site)
    result["workspace"] = workspace_summary(workspace)
    return result


def status_counts(document: Dict[str, Any]) -> Dict[str, int]:
    """``meta.status-counts`` with snake_case keys, as the API reports them (``total`` included)."""
    counts = (document.get("meta") or {}).get("status-counts")
    return snake_keys(counts) if isinstance(counts, dict) else {}


def recount_statuses(runs: List[Dict[str, Any]], reported: Dict[str, int]) -> Dict[str, int]:
    """Counts of the runs actually returned, keeping every key the API reported (at zero when absent)."""
    counts = {key: 0 for key in reported if key != "total"}
    for run in runs:
        status = run_status(run) or "unknown"
        counts[status] = counts.get(status, 0) + 1
    counts["total"] = len(runs)
    return counts


def total_count(document: Dict[str, Any]) -> Optional[int]:
    pagination = (document.get("meta") or {}).get("pagination") or {}
    count = pagination.get("total-count")
    if isinstance(count, int) and not isinstance(count, bool):
        return count
    counts = (document.get("meta") or {}).get("status-counts") or {}
    return counts.get("total") if isinstance(counts.get("total"), int) else None


@dataclass
class AdminRunListing:
    """Raw run resources as listed, with what the server reported and what went wrong on the way."""

    runs: List[Dict[str, Any]]
    included: Dict[Any, Dict[str, Any]]
    status_counts: Dict[str, int]
    total_count: Optional[int]
    pages_fetched: int
    truncated: bool
    warnings: List[str] = field(default_factory=list)


def read_admin_runs(client: TfeClient, search: AdminRunSearch, page_size: int = MAX_PAGE_SIZE,
                    limit: Optional[int] = None, workers: int = LIST_WORKERS,
                    deadline: Optional[float] = None) -> AdminRunListing:
    """Every run of the installation matching ``search``, with counts, in the API's order.

    The date window and the statuses are applied here as well as sent, because some installations
    ignore ``filter[from]``/``filter[to]`` or ``filter[status]``. When that happens (runs outside the
    search came back) and the whole list was read, the counts are recomputed from the runs kept;
    when ``limit`` cut the list short, the server's counts stay and a warning says so.
    """
    check_listing_size(page_size, limit)
    ignored = set()

    def wanted(run: Dict[str, Any]) -> bool:
        if search.run_id is not None and run.get("id") != search.run_id:
            return False  # q is a fuzzy search: other runs can match the ID as a substring
        if not search.window.contains(run):
            ignored.add("the created_after/created_before window")
            return False
        if search.statuses and run_status(run) not in search.statuses:
            ignored.add("the status filter")
            return False
        return True

    deadline = deadline if deadline is not None else time.monotonic() + LIST_DEADLINE
    pages = fetch_pages(client, ADMIN_RUNS_PATH, search.params(), page_size=page_size, workers=workers,
                        limit=limit, select=wanted, deadline=deadline)
    counts, count = status_counts(pages.first_page), total_count(pages.first_page)
    listing = AdminRunListing(pages.items, pages.included, counts, count, pages.pages_fetched, pages.truncated)
    if ignored:
        listing.warnings.append("This installation ignored {0}: the runs were filtered here.".format(
            " and ".join(sorted(ignored))))
    if (search.run_id is not None or ignored) and not pages.truncated:
        listing.status_counts, listing.total_count = recount_statuses(pages.items, counts), len(pages.items)
    elif ignored:
        listing.warnings.append("status_counts and total_count still include runs outside the search, because "
                                "limit stopped the listing early.")
    served = len(pages.items) + pages.dropped
    if not pages.truncated and limit is None and search.run_id is None and not ignored and (count or 0) > served:
        # The server counted more runs than its pages held: it ignored page[number] or page[size].
        listing.truncated = True
        listing.warnings.append("This installation reported {0} runs but its pages held {1}: it may ignore "
                                "page[number] or page[size], so the listing is incomplete.".format(count, served))
    elif pages.stopped == REPEATED:
        listing.warnings.append("This installation ignores page[number] (page {0} repeated earlier runs): the listing "
                                "holds the {1} runs its pages held and may be incomplete.".format(
                                    pages.pages_fetched, len(pages.items)))
    elif pages.truncated and limit is None:
        listing.warnings.append("The listing stopped after {0} pages ({1}): the runs returned are not all the runs "
                                "that match.".format(pages.pages_fetched, pages.stopped))
    return listing


@verb
def list_admin_runs(task: Task, client: TfeClient, *, query: Optional[str] = None,
                    statuses: Optional[Iterable[str]] = None, created_after: Optional[str] = None,
                    created_before: Optional[str] = None, run_id: Optional[str] = None,
                    page_size: int = MAX_PAGE_SIZE, limit: Optional[int] = None,
                    fields: Optional[Iterable[str]] = None, clock: Callable[[], float] = time.monotonic) -> None:
    """List the installation's runs for ``tfe_admin_run_info``: never changed, safe in check mode."""
    task.attempt("list the runs of the installation", hint_404=NOT_ADMIN_HINT)
    try:
        check_listing_size(page_size, limit)
        search = build_search(query=query, statuses=statuses, created_after=created_after,
                              created_before=created_before, run_id=run_id)
        projection = Projection(fields)
    except ValueError as error:
        raise task.fail("Invalid search: {0}".format(error))
    undocumented = undocumented_filter_statuses(search.statuses)
    if undocumented:
        task.warn("The admin runs API does not document filter[status] for {0}; this installation may match no "
                  "run for them.".format(", ".join(undocumented)))
    deadline = clock() + LIST_DEADLINE
    listing = read_admin_runs(client, search, page_size=page_size, limit=limit, deadline=deadline)
    lookup_warning = fill_workspaces(client, listing.runs, listing.included, deadline)
    runs = [admin_run_result(run, listing.included, client.site_url) for run in listing.runs]
    for warning in listing.warnings + [lookup_warning, projection.warning(runs)]:
        task.warn(warning)
    task.result.update(runs=[projection.apply(run) for run in runs],
                       status_counts=listing.status_counts, total_count=listing.total_count,
                       pages_fetched=listing.pages_fetched, truncated=listing.truncated)
