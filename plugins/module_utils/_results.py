# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: the result shapes every module shares: a run, a workspace, plan/apply summaries, durations.

Values that may be secret never get in: run variable values (keys only) and blob URLs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, Optional
from urllib.parse import quote

from ._jsonapi import related_id
from ._runs import RunView
from ._timestamps import parse_timestamp

SUMMARY_COUNTS = ("resource_additions", "resource_changes", "resource_destructions", "resource_imports")
# Blob URLs carry their own secret: they never leave the collection.
_SECRET_ATTRIBUTES = frozenset(("log-read-url",))


def snake_keys(value: Any) -> Any:
    """Every mapping key with hyphens turned into underscores, recursively."""
    if isinstance(value, dict):
        return {str(k).replace("-", "_"): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


def workspace_summary(workspace: Optional[Dict[str, Any]], organization: Optional[str] = None) -> Dict[str, Any]:
    """The one workspace shape of every result: ``{id, name, organization}``."""
    workspace = workspace or {}
    attributes = workspace.get("attributes") or {}
    return {
        "id": workspace.get("id"),
        "name": attributes.get("name"),
        "organization": related_id(workspace, "organization") or organization,
    }


def run_web_url(site: str, organization: Optional[str], workspace_name: Optional[str], run_id: str) -> Optional[str]:
    """The run's page in the TFE UI, or None when the workspace is not known."""
    if not (organization and workspace_name and run_id):
        return None
    return "{0}/app/{1}/workspaces/{2}/runs/{3}".format(
        site, quote(organization, safe=""), quote(workspace_name, safe=""), quote(run_id, safe=""))


def run_result(run: Dict[str, Any], workspace: Optional[Dict[str, Any]], site: str) -> Dict[str, Any]:
    """The one run shape of every module: attributes in snake_case plus ``id`` and ``web_url``.

    Run variables are reported by key only: their values may be secrets.
    """
    attributes = dict(run.get("attributes") or {})
    if "variables" in attributes:
        attributes["variables"] = [v.get("key") for v in attributes.get("variables") or [] if isinstance(v, dict)]
    result = snake_keys(attributes)
    summary = workspace_summary(workspace)
    result["id"] = run.get("id")
    result["web_url"] = run_web_url(site, summary["organization"], summary["name"], run.get("id") or "")
    return result


def phase_summary(resource: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """A plan or apply: ID, status, resource counts and timestamps; never its log URL."""
    if not resource:
        return None
    attributes = {k: v for k, v in (resource.get("attributes") or {}).items() if k not in _SECRET_ATTRIBUTES}
    summary = {"id": resource.get("id"), "status": attributes.get("status")}
    for count in SUMMARY_COUNTS:
        summary[count] = attributes.get(count.replace("_", "-"))
    if "has-changes" in attributes:
        summary["has_changes"] = attributes["has-changes"]
    summary["status_timestamps"] = snake_keys(attributes.get("status-timestamps") or {})
    return summary


_PLAN_STARTS = ("planning-at",)
_PLAN_ENDS = ("planned-at", "planned-and-finished-at", "planned-and-saved-at")
_APPLY_STARTS = ("applying-at",)
_APPLY_ENDS = ("applied-at",)
_QUEUE_STARTS = ("plan-queueable-at",)
_FINAL_ENDS = ("applied-at", "planned-and-finished-at", "errored-at", "discarded-at", "canceled-at",
               "force-canceled-at", "policy-soft-failed-at")
_ABORT_ENDS = ("errored-at", "canceled-at", "force-canceled-at", "discarded-at")


def _first(timestamps: Dict[str, Any], keys: Iterable[str]) -> Optional[datetime]:
    found = [parse_timestamp(timestamps.get(k)) for k in keys]
    found = [t for t in found if t is not None]
    return min(found) if found else None


def _seconds(start: Optional[datetime], end: Optional[datetime]) -> Optional[float]:
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds(), 3)


def phase_durations(run: Dict[str, Any]) -> Dict[str, float]:
    """Seconds spent queued, planning, applying and in total, from the run's status timestamps.

    A phase that ended by an error or a cancel ends at that timestamp; phases not reached are left out.
    """
    attributes = run.get("attributes") or {}
    stamps = attributes.get("status-timestamps") or {}
    queued_at = _first(stamps, _QUEUE_STARTS) or parse_timestamp(attributes.get("created-at"))
    planning_at = _first(stamps, _PLAN_STARTS)
    applying_at = _first(stamps, _APPLY_STARTS)
    aborted_at = _first(stamps, _ABORT_ENDS)
    plan_end = _first(stamps, _PLAN_ENDS) or (aborted_at if applying_at is None else None)
    apply_end = _first(stamps, _APPLY_ENDS) or (aborted_at if applying_at is not None else None)
    final_at = _first(stamps, _FINAL_ENDS)
    candidates = {
        "queued": _seconds(queued_at, planning_at),
        "plan": _seconds(planning_at, plan_end),
        "apply": _seconds(applying_at, apply_end),
        "total": _seconds(queued_at, final_at),
    }
    return {name: value for name, value in candidates.items() if value is not None}


def run_report(view: RunView, workspace: Optional[Dict[str, Any]], site: str) -> Dict[str, Any]:
    """The result keys every run module returns: run, workspace, plan, apply, phase_durations."""
    workspace = workspace or view.workspace
    return {
        "run": run_result(view.run, workspace, site),
        "workspace": workspace_summary(workspace),
        "plan": phase_summary(view.plan),
        "apply": phase_summary(view.apply),
        "phase_durations": phase_durations(view.run),
    }
