"""The filters and searches of the run lists (contract 5.3, 5.4), shared by the workspace and
the organization run list so that both read every parameter the same way.

- ``filter[operation]``: plan-only runs are hidden unless it names ``plan_only``;
- ``filter[status]`` (comma list), ``filter[status_group]`` (``final``, ``non_final``,
  ``discardable``), both dropped on an installation with ``ignore_status_filter``;
- ``filter[source]`` (comma list of ``tfe-api``, ``tfe-ui``, ``tfe-configuration-version``...);
- ``filter[agent_pool_names]``: accepted; every simulated run executes remotely, on no agent
  pool, so any name leaves nothing;
- ``filter[timeframe]``: ``year`` (the last 365 days) or a four-digit year (that calendar year,
  UTC); any other value matches nothing (an unknown filter value is an empty set, not an error);
- ``search[user]``: the creator's username or the commit's VCS sender, case-insensitively equal;
  ``search[commit]``: a prefix of the commit SHA; ``search[basic]``: a case-insensitive substring
  of the run ID, message, creator, VCS sender or commit SHA. ``search[user]`` and
  ``search[commit]`` take priority: with either, ``search[basic]`` is ignored.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable, List, Mapping, Optional, Set, Tuple

from . import lifecycle
from .context import installation
from .model import Run, World
from .statuses import status_group_matches

YEAR_SECONDS = 365 * 86400.0
RunFilter = Callable[[Run], bool]


def split_list(value: Optional[str]) -> List[str]:
    """A comma-separated query value as its non-empty items."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _set_or_none(value: Optional[str]) -> Optional[Set[str]]:
    return set(split_list(value)) or None


def timeframe_window(value: Optional[str], now: float) -> Optional[Tuple[float, float]]:
    """[start, end) epoch seconds for a ``filter[timeframe]`` value; None means no limit; an
    empty window (end <= start) for a value no run can match."""
    if value is None:
        return None
    text = value.strip().lower()
    if text == "year":
        return now - YEAR_SECONDS, float("inf")
    if len(text) == 4 and text.isdigit() and 0 < int(text) < 9999:
        start = datetime.datetime(int(text), 1, 1, tzinfo=datetime.timezone.utc).timestamp()
        end = datetime.datetime(int(text) + 1, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
        return start, end
    return 0.0, 0.0


@dataclass(frozen=True)
class _Identity:
    """What the searches compare: the run's creator, VCS sender and commit SHA (lower case)."""

    creator: str
    sender: str
    sha: str


def _identity(world: World, run: Run) -> _Identity:
    creator = world.users.get(run.created_by, "") if run.created_by else ""
    version = world.configuration_versions.get(run.configuration_version_id or "")
    ingress = (version.ingress if version is not None else None) or {}
    return _Identity(creator.lower(), str(ingress.get("sender-username") or "").lower(),
                     str(ingress.get("commit-sha") or "").lower())


def _search(world: World, query: Mapping[str, str]) -> Optional[RunFilter]:
    user = (query.get("search[user]") or "").strip().lower()
    commit = (query.get("search[commit]") or "").strip().lower()
    basic = (query.get("search[basic]") or "").strip().lower()
    if user or commit:
        def targeted(run: Run) -> bool:
            who = _identity(world, run)
            return ((not user or user in (who.creator, who.sender))
                    and (not commit or (bool(who.sha) and who.sha.startswith(commit))))
        return targeted
    if basic:
        def anywhere(run: Run) -> bool:
            who = _identity(world, run)
            texts = (run.id.lower(), str(run.attributes["message"]).lower(), who.creator, who.sender, who.sha)
            return any(basic in text for text in texts)
        return anywhere
    return None


def run_filter(world: World, query: Mapping[str, str], now: float,
               default_timeframe: Optional[str] = None) -> RunFilter:
    """The predicate for a run list's query; ``default_timeframe`` applies when the query has none
    (the organization list shows the last year unless asked otherwise)."""
    operations = _set_or_none(query.get("filter[operation]"))
    statuses: Optional[Set[str]] = None
    group: Optional[str] = None
    if not installation().ignore_status_filter:
        statuses = _set_or_none(query.get("filter[status]"))
        group = query.get("filter[status_group]") or None
    sources = _set_or_none(query.get("filter[source]"))
    agent_pools = _set_or_none(query.get("filter[agent_pool_names]"))
    window = timeframe_window(query.get("filter[timeframe]", default_timeframe), now)
    search = _search(world, query)

    def keep(run: Run) -> bool:
        operation = lifecycle.operation(run)
        if (operation == "plan_only") if operations is None else (operation not in operations):
            return False
        if statuses is not None and run.status not in statuses:
            return False
        if group and not status_group_matches(group, run.status):
            return False
        if sources is not None and run.attributes["source"] not in sources:
            return False
        if agent_pools is not None:
            return False  # no simulated run executes on an agent pool
        if window is not None and not window[0] <= run.created_at < window[1]:
            return False
        return search is None or search(run)

    return keep
