# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2, the verb "read runs as a normal user": one run by ID, or the runs of a workspace or organization.

Knows the run lists of reference sections 5.3 and 5.4 (30 requests a minute each, the organization's
without totals) and the layer-1 client; knows nothing about Ansible. Only as many pages are read as
``limit`` needs. What the lists cannot filter (the creation window) is filtered here, and so is what a
server may ignore (statuses, status group, sources): a warning then says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional

from ._client import TfeClient
from ._jsonapi import MAX_PAGE_SIZE, api_path, related_id
from ._listing import CreationWindow, Projection, check_listing_size, created_at, fill_workspaces, normalize_statuses
from ._outcome import Task, verb
from ._pages import LIMIT, REPEATED, fetch_pages
from ._plan_review import PlanReview, ReviewOptions
from ._results import run_report, run_result, snake_keys, workspace_summary
from ._runs import complete_view, get_run, get_workspace
from ._statuses import STATUS_GROUPS, in_status_group, run_status

# filter[operation] values (reference 5.3). The lists hide plan-only runs unless asked for them, so the
# module asks for every operation by default: "the runs of a workspace" means all of them.
OPERATIONS = ("plan_only", "plan_and_apply", "save_plan", "refresh_only", "destroy", "empty_apply", "action_only")
DEFAULT_LIMIT = 100
# A listing's own bound, whatever the server does; at 30 pages a minute this is 900 pages.
LIST_DEADLINE = 1800.0
# The organization list returns the runs of the last year unless filter[timeframe] says otherwise.
ORGANIZATION_TIMEFRAME = timedelta(days=365)


@dataclass
class RunListSearch:
    """What to list of a workspace's or an organization's runs; checked before any request."""

    statuses: List[str] = field(default_factory=list)
    status_group: Optional[str] = None
    operations: List[str] = field(default_factory=lambda: list(OPERATIONS))
    sources: List[str] = field(default_factory=list)
    workspace_names: List[str] = field(default_factory=list)
    search: Optional[str] = None
    user: Optional[str] = None
    commit: Optional[str] = None
    window: CreationWindow = field(default_factory=CreationWindow)

    def params(self, include_workspace: bool) -> Dict[str, str]:
        """The query parameters of the run list (without the page parameters)."""
        params = {"filter[operation]": ",".join(self.operations)}
        if include_workspace:
            params["include"] = "workspace"
        for name, values in (("filter[status]", self.statuses), ("filter[source]", self.sources),
                             ("filter[workspace_names]", self.workspace_names)):
            if values:
                params[name] = ",".join(values)
        for name, value in (("filter[status_group]", self.status_group), ("search[basic]", self.search),
                            ("search[user]", self.user), ("search[commit]", self.commit)):
            if value:
                params[name] = value
        return params

    def ignored_by(self, run: Dict[str, Any]) -> Optional[str]:
        """The filter this run should have been kept out by (the server ignored it), or None."""
        if self.statuses and run_status(run) not in self.statuses:
            return "the status filter"
        if self.status_group and not in_status_group(run, self.status_group):
            return "the status group filter"
        if self.sources and (run.get("attributes") or {}).get("source") not in self.sources:
            return "the source filter"
        return None


def _clean_list(values: Optional[Iterable[str]]) -> List[str]:
    cleaned: List[str] = []
    for value in values or []:
        text = str(value).strip()
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned


def build_run_search(statuses: Optional[Iterable[str]] = None, status_group: Optional[str] = None,
                     operations: Optional[Iterable[str]] = None, sources: Optional[Iterable[str]] = None,
                     workspace_names: Optional[Iterable[str]] = None, search: Optional[str] = None,
                     user: Optional[str] = None, commit: Optional[str] = None, created_after: Optional[str] = None,
                     created_before: Optional[str] = None, now: Optional[datetime] = None) -> RunListSearch:
    """Validate the user's search; every mistake is a ``ValueError`` raised before any request."""
    if status_group is not None and status_group not in STATUS_GROUPS:
        raise ValueError("unknown status group {0!r}; valid groups are: {1}".format(
            status_group, ", ".join(STATUS_GROUPS)))
    chosen = [str(op).strip().lower() for op in operations or []]
    unknown = [op for op in chosen if op not in OPERATIONS]
    if unknown:
        raise ValueError("unknown operation {0}; valid operations are: {1}".format(
            ", ".join(repr(op) for op in unknown), ", ".join(OPERATIONS)))
    return RunListSearch(
        statuses=normalize_statuses(statuses), status_group=status_group,
        operations=_clean_list(chosen) or list(OPERATIONS), sources=_clean_list(sources),
        workspace_names=_clean_list(workspace_names), search=(search or "").strip() or None,
        user=(user or "").strip() or None, commit=(commit or "").strip() or None,
        window=CreationWindow.parse(created_after, created_before, now))


class NewestFirst:
    """``stop`` for a list read newest first: ``count`` runs in a row created before the window end it.

    The lists are documented as newest first, but a server that is not must not lose runs: a whole
    page of older runs is asked for (not one run), and once a run is newer than the one before it the
    order is not trusted at all and the whole list is read.
    """

    def __init__(self, after: Optional[datetime], count: int) -> None:
        self.after = after
        self.count = max(1, count)
        self.previous: Optional[datetime] = None
        self.ordered = True
        self.older = 0

    def __call__(self, run: Dict[str, Any]) -> bool:
        created = created_at(run)
        if created is None or self.after is None:
            return False
        if self.previous is not None and created > self.previous:
            self.ordered = False
        self.previous = created
        self.older = self.older + 1 if created < self.after else 0
        return self.ordered and self.older >= self.count


def _pagination_total(document: Dict[str, Any]) -> Optional[int]:
    count = ((document.get("meta") or {}).get("pagination") or {}).get("total-count")
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _reported_counts(document: Dict[str, Any]) -> Optional[Dict[str, int]]:
    """``meta.status-counts`` when this server reports it (the run lists do not document it)."""
    counts = (document.get("meta") or {}).get("status-counts")
    return snake_keys(counts) if isinstance(counts, dict) else None


def _listed_run(run: Dict[str, Any], workspace: Optional[Dict[str, Any]], site: str) -> Dict[str, Any]:
    shaped = run_result(run, workspace, site)
    shaped["workspace"] = workspace_summary(workspace)
    return shaped


def _read_one(task: Task, client: TfeClient, run_id: str, review: ReviewOptions, deadline: float) -> None:
    task.attempt("read run {0}".format(run_id))
    view = complete_view(client, get_run(client, run_id, deadline=deadline), deadline=deadline)
    task.result.update(run_report(view, None, client.site_url))
    plan_review = PlanReview(client, review, deadline)
    plan_review.read(view)
    plan_review.attach(task.result)


def _list(task: Task, client: TfeClient, path: str, search: RunListSearch, workspace: Optional[Dict[str, Any]],
          limit: int, page_size: int, projection: Projection, deadline: float) -> None:
    ignored = set()

    def wanted(run: Dict[str, Any]) -> bool:
        reason = search.ignored_by(run)
        if reason:
            ignored.add(reason)
        return reason is None and search.window.contains(run)

    pages = fetch_pages(client, path, search.params(include_workspace=workspace is None), page_size=page_size,
                        limit=limit, select=wanted, stop=NewestFirst(search.window.after, page_size), deadline=deadline)
    included = pages.included
    if workspace is not None:
        included[("workspaces", workspace.get("id"))] = workspace
    else:
        task.warn(fill_workspaces(client, pages.items, included, deadline))
    runs = [_listed_run(run, included.get(("workspaces", related_id(run, "workspace"))) or workspace,
                        client.site_url) for run in pages.items]
    task.warn(projection.warning(runs))
    if ignored:
        task.warn("This TFE ignored {0}: the runs were filtered here.".format(" and ".join(sorted(ignored))))
    if pages.stopped == REPEATED:
        task.warn("This TFE ignores page[number] (page {0} repeated earlier runs): the listing holds the {1} runs "
                  "its pages held and may be incomplete.".format(pages.pages_fetched, len(runs)))
    elif pages.truncated and pages.stopped != LIMIT:
        task.warn("The listing stopped after {0} pages ({1}): the runs returned are not all the runs that "
                  "match.".format(pages.pages_fetched, pages.stopped))
    total = _pagination_total(pages.first_page)
    if ignored or search.window.bounded:
        # The server's count includes runs filtered out here: exact only when the whole list was read.
        total = None if pages.truncated or limit == 0 else len(runs)
    task.result.update(runs=[projection.apply(run) for run in runs], total_count=total,
                       status_counts=_reported_counts(pages.first_page), pages_fetched=pages.pages_fetched,
                       truncated=pages.truncated)


@verb
def run_info(task: Task, client: TfeClient, *, run_id: Optional[str] = None, workspace_id: Optional[str] = None,
             organization: Optional[str] = None, workspace: Optional[str] = None,
             statuses: Optional[Iterable[str]] = None, status_group: Optional[str] = None,
             operations: Optional[Iterable[str]] = None, sources: Optional[Iterable[str]] = None,
             workspace_names: Optional[Iterable[str]] = None, search: Optional[str] = None,
             user: Optional[str] = None, commit: Optional[str] = None, created_after: Optional[str] = None,
             created_before: Optional[str] = None, limit: int = DEFAULT_LIMIT, page_size: int = MAX_PAGE_SIZE,
             fields: Optional[Iterable[str]] = None, review: Optional[ReviewOptions] = None,
             clock: Callable[[], float] = time.monotonic) -> None:
    """Read runs for ``tfe_run_info``: never changed, the same in check mode.

    ``review`` (one run only) adds the finished plan's changes and log, as ``tfe_run`` returns them.
    """
    deadline = clock() + LIST_DEADLINE
    if run_id:
        options = review or ReviewOptions(changes=False)
        problems = options.problems()
        if problems:
            raise task.fail("Invalid options: {0}.".format("; ".join(problems)))
        _read_one(task, client, run_id, options, deadline)
        return
    task.attempt("check the search")
    try:
        check_listing_size(page_size, limit)
        query = build_run_search(statuses=statuses, status_group=status_group, operations=operations,
                                 sources=sources, workspace_names=workspace_names, search=search, user=user,
                                 commit=commit, created_after=created_after, created_before=created_before)
        projection = Projection(fields)
    except ValueError as error:
        raise task.fail("Invalid search: {0}".format(error))
    found: Optional[Dict[str, Any]] = None
    if workspace_id or workspace:
        named = workspace_id or "{0}/{1}".format(organization, workspace)
        task.attempt("read workspace {0}".format(named))
        found = get_workspace(client, workspace_id=workspace_id, organization=organization, name=workspace,
                              deadline=deadline)
        path = api_path("workspaces", found.get("id") or workspace_id or "", "runs")
        task.attempt("list the runs of workspace {0}".format(named))
    else:
        path = api_path("organizations", organization or "", "runs")
        task.attempt("list the runs of organization {0}".format(organization))
        oldest = datetime.now(timezone.utc) - ORGANIZATION_TIMEFRAME
        if query.window.after is not None and query.window.after < oldest:
            task.warn("The organization run list holds the runs of the last year only: runs created before {0} "
                      "are not listed. List a workspace's runs to see older ones.".format(oldest.date()))
    _list(task, client, path, query, found, limit, page_size, projection, deadline)
