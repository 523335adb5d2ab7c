# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: the site-admin view of runs. Searching every run of an installation and shaping the results.

Knows the admin runs API (reference section 6) and the layer-1 client; knows nothing about Ansible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional

from ._api import MAX_PAGE_SIZE, TfeClient, fetch_all_pages, related_id
from ._runs import ADMIN_FILTER_STATUSES, STATUSES, parse_timestamp, run_result, snake_keys, workspace_summary

ADMIN_RUNS_PATH = "admin/runs"
ADMIN_RUN_INCLUDES = ("workspace", "workspace.organization")
# Four threads at 25 requests/s (the client's limiter) keep well under TFE's 30/s.
LIST_WORKERS = 4
NOT_ADMIN_HINT = ("For /api/v2/admin/runs this means the token does not belong to a site administrator, or this "
                  "service has no admin API (HCP Terraform has none: the admin API exists only on Terraform "
                  "Enterprise).")

_RELATIVE_RE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


# --- input --------------------------------------------------------------------------------------


def parse_created_time(value: str, now: datetime, option: str = "created time") -> datetime:
    """An absolute UTC time (whole seconds) from ISO 8601 or a relative age such as ``30m``, ``2h``, ``3d``, ``1w``.

    A relative value means "that long before ``now``"; an ISO time without a zone is UTC.
    """
    text = str(value).strip()
    relative = _RELATIVE_RE.match(text)
    try:
        if relative:
            moment = now - timedelta(seconds=int(relative.group(1)) * _UNIT_SECONDS[relative.group(2).lower()])
        else:
            # parse_timestamp also accepts a trailing "Z", any fraction, and a date alone (midnight UTC).
            moment = parse_timestamp(text)
        if moment is not None:
            moment = moment.astimezone(timezone.utc).replace(microsecond=0)
    except (OverflowError, ValueError):
        # An age reaching before year 1, a time outside years 1-9999 once in UTC, an age of 5,000 digits.
        raise ValueError("{0} '{1}' is out of range: it must be a time from year 1 to year 9999 UTC".format(
            option, value)) from None
    if moment is None:
        raise ValueError("{0} '{1}' is neither an ISO 8601 time (2025-01-31T09:00:00Z, UTC when no zone is "
                         "given) nor an age such as 30m, 2h, 3d or 1w".format(option, value))
    return moment


def rfc3339(moment: datetime) -> str:
    """``2025-01-31T09:00:00Z``: the form ``filter[from]`` and ``filter[to]`` expect."""
    # isoformat, unlike strftime's %Y, always writes four digits for the year (0999, not 999).
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def normalize_statuses(values: Optional[Iterable[str]]) -> List[str]:
    """The requested statuses, checked against the contract's vocabulary, in the order given, without repeats.

    ``Planning`` and ``policy-checked`` are accepted as ``planning`` and ``policy_checked``.
    """
    statuses: List[str] = []
    unknown: List[str] = []
    for value in values or []:
        status = str(value).strip().lower().replace("-", "_")
        if not status:
            continue
        if status not in STATUSES:
            unknown.append(str(value))
        elif status not in statuses:
            statuses.append(status)
    if unknown:
        raise ValueError("unknown run status {0}; valid statuses are: {1}".format(
            ", ".join("'{0}'".format(u) for u in unknown), ", ".join(STATUSES)))
    return statuses


def undocumented_filter_statuses(statuses: Iterable[str]) -> List[str]:
    """Statuses the admin API does not document for ``filter[status]`` (a server may match none for them)."""
    return [status for status in statuses if status not in ADMIN_FILTER_STATUSES]


@dataclass
class AdminRunSearch:
    """What to list. Times are aware UTC datetimes; ``run_id`` asks for one run by its exact ID."""

    query: Optional[str] = None
    statuses: List[str] = field(default_factory=list)
    created_after: Optional[datetime] = None
    created_before: Optional[datetime] = None
    run_id: Optional[str] = None

    def params(self) -> Dict[str, str]:
        """The query parameters of ``GET /api/v2/admin/runs`` (without the page parameters)."""
        params = {"include": ",".join(ADMIN_RUN_INCLUDES)}
        needle = self.run_id or self.query
        if needle:
            params["q"] = needle
        if self.statuses:
            params["filter[status]"] = ",".join(self.statuses)
        if self.created_after is not None:
            params["filter[from]"] = rfc3339(self.created_after)
        if self.created_before is not None:
            params["filter[to]"] = rfc3339(self.created_before)
        return params

    @property
    def has_window(self) -> bool:
        return self.created_after is not None or self.created_before is not None

    def in_window(self, run: Dict[str, Any]) -> bool:
        """Whether the run was created inside the window; a run without a readable ``created-at`` is kept."""
        created = parse_timestamp((run.get("attributes") or {}).get("created-at"))
        if created is None:
            return True
        if self.created_after is not None and created < self.created_after:
            return False
        return self.created_before is None or created <= self.created_before


def build_search(query: Optional[str] = None, statuses: Optional[Iterable[str]] = None,
                 created_after: Optional[str] = None, created_before: Optional[str] = None,
                 run_id: Optional[str] = None, now: Optional[datetime] = None) -> AdminRunSearch:
    """Validate the user's search; every mistake is a ``ValueError`` raised before any request."""
    now = now or datetime.now(timezone.utc)
    after = parse_created_time(created_after, now, "created_after") if created_after else None
    before = parse_created_time(created_before, now, "created_before") if created_before else None
    if after is not None and before is not None and after > before:
        raise ValueError("created_after ({0}) is later than created_before ({1}): no run can match".format(
            rfc3339(after), rfc3339(before)))
    run_id = (run_id or "").strip() or None
    return AdminRunSearch(query=(query or "").strip() or None, statuses=normalize_statuses(statuses),
                          created_after=after, created_before=before, run_id=run_id)


def check_listing_size(page_size: int, limit: Optional[int]) -> None:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError("page_size must be between 1 and {0}, got {1}".format(MAX_PAGE_SIZE, page_size))
    if limit is not None and limit < 0:
        raise ValueError("limit must be 0 (only the counts) or more, got {0}".format(limit))


# --- results ------------------------------------------------------------------------------------


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
        status = run.get("status") or "unknown"
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
    runs: List[Dict[str, Any]]
    status_counts: Dict[str, int]
    total_count: Optional[int]
    pages_fetched: int
    truncated: bool
    warnings: List[str] = field(default_factory=list)

    def result(self) -> Dict[str, Any]:
        return {"runs": self.runs, "status_counts": self.status_counts, "total_count": self.total_count,
                "pages_fetched": self.pages_fetched, "truncated": self.truncated}


def list_admin_runs(client: TfeClient, search: AdminRunSearch, page_size: int = MAX_PAGE_SIZE,
                    limit: Optional[int] = None, workers: int = LIST_WORKERS) -> AdminRunListing:
    """Every run of the installation matching ``search``, with counts, in the API's order.

    The date window is applied here as well as sent, because older installations ignore
    ``filter[from]``/``filter[to]``. When that happens (runs outside the window came back) and the
    whole list was read, the counts are recomputed from the runs kept; when ``limit`` cut the list
    short, the server's counts stay and a warning says they include runs outside the window.
    """
    check_listing_size(page_size, limit)
    outside_window = []

    def wanted(run: Dict[str, Any]) -> bool:
        if search.run_id is not None and run.get("id") != search.run_id:
            return False  # q is a fuzzy search: other runs can match the ID as a substring
        if search.has_window and not search.in_window(run):
            outside_window.append(run.get("id"))
            return False
        return True

    pages = fetch_all_pages(client, ADMIN_RUNS_PATH, search.params(), page_size=page_size, workers=workers,
                            limit=limit, select=wanted)
    runs = [admin_run_result(run, pages.included, client.site_url) for run in pages.items]
    counts = status_counts(pages.first_page)
    count = total_count(pages.first_page)
    warnings = []
    if (search.run_id is not None or outside_window) and not pages.truncated:
        counts, count = recount_statuses(runs, counts), len(runs)
    elif outside_window:
        warnings.append("This installation ignored the created_after/created_before filters: the runs were "
                        "filtered here, but status_counts and total_count still include runs outside that window "
                        "because limit stopped the listing early.")
    return AdminRunListing(runs, counts, count, pages.pages_fetched, pages.truncated, warnings)
