# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: what both run listings share (the admin list and the workspace and organization lists).

Checking the user's statuses, creation window, sizes and fields before any request; the workspaces a
server left out of ``include``; and the projection that keeps a listing of thousands of runs small.
Knows nothing about Ansible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ._client import TfeClient
from ._jsonapi import MAX_PAGE_SIZE, api_path, related_id
from ._statuses import STATUSES
from ._timestamps import parse_created_time, parse_timestamp, rfc3339

# Workspaces fetched one by one when the server ignored include=workspace (beyond this, names stay null).
MAX_WORKSPACE_LOOKUPS = 50
# What a projected run always keeps: enough to name it, judge it and act on it.
ALWAYS_KEPT = ("id", "status", "workspace")


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


@dataclass
class CreationWindow:
    """Runs created at or after ``after`` and at or before ``before`` (aware UTC datetimes, either may be None)."""

    after: Optional[datetime] = None
    before: Optional[datetime] = None

    @classmethod
    def parse(cls, created_after: Optional[str], created_before: Optional[str],
              now: Optional[datetime] = None) -> "CreationWindow":
        """The user's window; an unreadable time or an empty window is a ``ValueError``."""
        now = now or datetime.now(timezone.utc)
        after = parse_created_time(created_after, now, "created_after") if created_after else None
        before = parse_created_time(created_before, now, "created_before") if created_before else None
        if after is not None and before is not None and after > before:
            raise ValueError("created_after ({0}) is later than created_before ({1}): no run can match".format(
                rfc3339(after), rfc3339(before)))
        return cls(after, before)

    @property
    def bounded(self) -> bool:
        return self.after is not None or self.before is not None

    def contains(self, run: Dict[str, Any]) -> bool:
        """Whether the run was created inside the window; a run without a readable ``created-at`` is kept."""
        created = created_at(run)
        if created is None:
            return True
        if self.after is not None and created < self.after:
            return False
        return self.before is None or created <= self.before


def created_at(run: Dict[str, Any]) -> Optional[datetime]:
    return parse_timestamp((run.get("attributes") or {}).get("created-at"))


def check_listing_size(page_size: int, limit: Optional[int]) -> None:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError("page_size must be between 1 and {0}, got {1}".format(MAX_PAGE_SIZE, page_size))
    if limit is not None and limit < 0:
        raise ValueError("limit must be 0 (only the counts) or more, got {0}".format(limit))


def fill_workspaces(client: TfeClient, runs: List[Dict[str, Any]], included: Dict[Tuple[str, str], Dict[str, Any]],
                    deadline: Optional[float]) -> Optional[str]:
    """Fetch the workspaces a server left out of ``included`` (it ignored ``include``), a few at most.

    Returns a warning when some stayed unknown.
    """
    missing = {related_id(run, "workspace") for run in runs} - {None}
    missing -= {key[1] for key in included if key[0] == "workspaces"}
    for workspace_id in sorted(missing)[:MAX_WORKSPACE_LOOKUPS]:
        document = client.get(api_path("workspaces", workspace_id), deadline=deadline) or {}
        if isinstance(document.get("data"), dict):
            included[("workspaces", workspace_id)] = document["data"]
    if len(missing) > MAX_WORKSPACE_LOOKUPS:
        return ("This installation ignored include=workspace: the names of {0} workspaces were looked up, the "
                "others are null.".format(MAX_WORKSPACE_LOOKUPS))
    return None


class Projection:
    """The run keys a listing returns: everything, or ``id``, ``status``, ``workspace`` and the named fields.

    Names are the result's snake_case keys (``created_at``, ``status_timestamps``, ``web_url``...);
    ``created-at`` is accepted too. A field a run lacks is returned as null, so every run has the same keys.
    """

    def __init__(self, fields: Optional[Iterable[str]] = None) -> None:
        names: List[str] = []
        for value in fields or []:
            name = str(value).strip().replace("-", "_")
            if not name or not name.replace("_", "").isalnum():
                raise ValueError("invalid field name {0!r}: use a run attribute name such as created_at".format(value))
            if name not in names and name not in ALWAYS_KEPT:
                names.append(name)
        self.fields: Optional[Tuple[str, ...]] = tuple(names) if fields else None

    def apply(self, run: Dict[str, Any]) -> Dict[str, Any]:
        if self.fields is None:
            return run
        kept = {key: run.get(key) for key in ALWAYS_KEPT}
        kept.update((name, run.get(name)) for name in self.fields)
        return kept

    def unseen(self, runs: List[Dict[str, Any]]) -> List[str]:
        """The fields no run (in its full shape) carried: most likely a misspelled name."""
        if not self.fields or not runs:
            return []
        return [name for name in self.fields if not any(name in run for run in runs)]

    def warning(self, runs: List[Dict[str, Any]]) -> Optional[str]:
        unseen = self.unseen(runs)
        if not unseen:
            return None
        return ("No run returned has the field{0} {1}: {2} null. Field names are the run's attribute names in "
                "snake_case, such as created_at, status_timestamps, message or web_url.".format(
                    "s" if len(unseen) > 1 else "", ", ".join(unseen), "they are" if len(unseen) > 1 else "it is"))
