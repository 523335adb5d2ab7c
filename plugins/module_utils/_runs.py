# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: reading runs and workspaces, and waiting for a run.

Knows the TFE runs domain and the layer-1 client; knows nothing about Ansible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Optional

from ._client import TfeClient
from ._jsonapi import api_path, included_index, related_id
from ._statuses import run_status
from ._waiting import WaitOutcome, Waiter

RUN_INCLUDES = ("plan", "apply", "workspace")
# The related resources a run view carries: (relationship, JSON:API type, path of the resource).
_RELATED = (("plan", "plans"), ("apply", "applies"), ("workspace", "workspaces"))


def get_workspace(client: TfeClient, workspace_id: Optional[str] = None, organization: Optional[str] = None,
                  name: Optional[str] = None, deadline: Optional[float] = None) -> Dict[str, Any]:
    """The workspace resource, by ID or by organization + name."""
    if workspace_id:
        path = api_path("workspaces", workspace_id)
    elif organization and name:
        path = api_path("organizations", organization, "workspaces", name)
    else:
        raise ValueError("give a workspace ID, or an organization and a workspace name")
    return (client.get(path, deadline=deadline) or {}).get("data") or {}


@dataclass
class RunView:
    """A run with the related resources TFE returned alongside it."""

    run: Dict[str, Any]
    plan: Optional[Dict[str, Any]] = None
    apply: Optional[Dict[str, Any]] = None
    workspace: Optional[Dict[str, Any]] = None

    @property
    def status(self) -> str:
        return run_status(self.run)

    @property
    def id(self) -> str:
        return str(self.run.get("id") or "")


def run_view(document: Dict[str, Any]) -> RunView:
    """Split a run document into the run and its included plan, apply and workspace."""
    run = document.get("data") or {}
    index = included_index(document)
    related = {name: index.get((kind, related_id(run, name))) for name, kind in _RELATED}
    return RunView(run=run, **related)


def get_run(client: TfeClient, run_id: str, include: Iterable[str] = RUN_INCLUDES,
            deadline: Optional[float] = None) -> RunView:
    """One run, with its plan, apply and workspace when asked for (one request)."""
    params = {"include": ",".join(include)} if include else None
    document = client.get(api_path("runs", run_id), params, deadline=deadline) or {}
    return run_view(document)


def complete_view(client: TfeClient, view: RunView, deadline: Optional[float] = None) -> RunView:
    """Fetch the plan, apply and workspace that ``include`` should have brought but did not.

    Some servers and proxies ignore ``include``; then each missing resource costs one request, made
    only here (for a result), never on every poll.
    """
    for name, kind in _RELATED:
        related = related_id(view.run, name)
        if related and getattr(view, name) is None:
            document = client.get(api_path(kind, related), deadline=deadline) or {}
            setattr(view, name, document.get("data") or None)
    return view


def wait_for_run(client: TfeClient, run_id: str, done: Callable[[Dict[str, Any]], bool], deadline: float,
                 waiter: Waiter, first: Optional[RunView] = None) -> WaitOutcome:
    """Poll the run (with its plan, apply and workspace) until ``done(run)`` or the deadline.

    ``deadline`` is a ``waiter.clock()`` value shared by the whole task; no request's retries may
    sleep past it. ``outcome.value`` is the last ``RunView``.
    """
    return waiter.wait(lambda: get_run(client, run_id, deadline=deadline), lambda view: done(view.run),
                       deadline, first=first)
