# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A scripted TFE for the ScriptedServer that says yes to every route the five modules call.

It echoes the IDs and names it is asked for (``GET /runs/<anything>`` finds a run with that very ID),
so whatever value a module decides to send, the module carries on to its next request: the tests
then see the whole conversation a value causes, and compare it with the one the module should have.
``Call`` is that conversation's unit: a request with its path split into percent-decoded segments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple
from urllib.parse import unquote

from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply, SeenRequest

API_PREFIX = "/api/v2/"
# The workspace every echoed run belongs to, and the ID a workspace looked up by name has.
RUN_WORKSPACE = "ws-AAAAAAAAAAAAAAAA"
NAMED_WORKSPACE = "ws-BBBBBBBBBBBBBBBB"
QUEUED_RUN = "run-QUEUEDQUEUEDQUEU"
LISTED_RUN = "run-LISTEDLISTEDLIST"
CREATED_AT = "2026-01-05T10:00:00.000Z"


@dataclass(frozen=True)
class Call:
    """One request as TFE's router sees it: ``segments`` are the path after /api/v2/, each decoded."""

    method: str
    segments: Tuple[str, ...]
    query: Dict[str, str]
    body: Any = None


def decode(seen: SeenRequest) -> Call:
    """Split and percent-decode the raw path (strictly: a segment must be valid UTF-8); parse the JSON body."""
    if not seen.path.startswith(API_PREFIX):
        return Call(seen.method, ("<outside the API>", seen.path), seen.query, seen.body)
    segments = tuple(unquote(part, errors="strict") for part in seen.path[len(API_PREFIX):].split("/"))
    return Call(seen.method, segments, seen.query, json.loads(seen.body) if seen.body else None)


def _workspace(workspace_id: str, name: str, organization: str) -> Dict[str, Any]:
    return {"id": workspace_id, "type": "workspaces", "attributes": {"name": name},
            "relationships": {"organization": {"data": {"id": organization, "type": "organizations"}}}}


def _run(run_id: str, status: str, workspace_id: str) -> Dict[str, Any]:
    # Confirmable and discardable: tfe_run_apply confirms it, tfe_run_cancel discards it.
    return {"id": run_id, "type": "runs",
            "attributes": {"status": status, "message": "echo", "created-at": CREATED_AT,
                           "actions": {"is-confirmable": True, "is-discardable": True, "is-cancelable": True},
                           "status-timestamps": {"plan-queueable-at": CREATED_AT}},
            "relationships": {"workspace": {"data": {"id": workspace_id, "type": "workspaces"}}}}


def _admin_listing(run_id: str) -> Dict[str, Any]:
    """One page holding one non-final run (the admin cancel has something to cancel)."""
    counts = {"planning": 1, "total": 1}
    return {"data": [_run(run_id, "planning", RUN_WORKSPACE)],
            "included": [_workspace(RUN_WORKSPACE, "web", "acme"), {"id": "acme", "type": "organizations"}],
            "meta": {"pagination": {"current-page": 1, "next-page": None, "total-pages": 1, "total-count": 1},
                     "status-counts": counts}}


def _not_found() -> Reply:
    return Reply(status=404, body={"errors": [{"status": "404", "title": "not found"}]})


def echo_api(seen: SeenRequest) -> Reply:
    """Callable as ``ScriptedServer.default``: a plausible JSON:API answer for each route, 404 otherwise."""
    try:
        call = decode(seen)
    except (UnicodeDecodeError, ValueError):
        return _not_found()
    route = call.segments
    shape = tuple("*" if index % 2 else part for index, part in enumerate(route))  # odd positions hold IDs
    if call.method == "GET":
        if shape == ("workspaces", "*"):
            return Reply(body={"data": _workspace(route[1], "web", "acme")})
        if shape == ("organizations", "*", "workspaces", "*"):
            return Reply(body={"data": _workspace(NAMED_WORKSPACE, route[3], route[1])})
        if shape == ("workspaces", "*", "runs"):
            return Reply(body={"data": []})  # nothing to reuse: tfe_run goes on to queue
        if shape == ("runs", "*"):
            return Reply(body={"data": _run(route[1], "planned", RUN_WORKSPACE),
                               "included": [_workspace(RUN_WORKSPACE, "web", "acme")]})
        if route == ("admin", "runs"):
            return Reply(body=_admin_listing(call.query.get("q") or LISTED_RUN))
    if call.method == "POST":
        if route == ("runs",):
            workspace = (((call.body or {}).get("data") or {}).get("relationships") or {}).get("workspace") or {}
            workspace_id: Optional[str] = (workspace.get("data") or {}).get("id")
            return Reply(status=201, body={"data": _run(QUEUED_RUN, "pending", workspace_id or "")})
        if shape == ("runs", "*", "actions", "*"):
            return Reply(status=202)
        if len(route) == 5 and route[:2] == ("admin", "runs") and route[3] == "actions":
            return Reply(status=200)
    return _not_found()
