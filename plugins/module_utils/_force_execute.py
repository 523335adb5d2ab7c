# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: start a queued run at once by discarding the run that holds its workspace.

``POST /runs/:id/actions/force-execute`` (reference §5.9, the UI's "Run this plan now") needs the
run ``pending``, its workspace locked by another run, and that run discardable; TFE then discards
or cancels every earlier unfinished run. The three conditions are checked here first, so the POST
is sent only when it can work, and the run that held the lock is read again afterwards to report
what became of it. A run that is no longer pending is left alone: the option is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

from ._client import TfeClient
from ._errors import TfeHttpError
from ._jsonapi import api_path
from ._runs import get_run
from ._statuses import run_action, run_status

# A run holds its workspace through this relationship; older releases name only the current run.
_LOCK_RELATIONSHIPS = ("locked-by", "current-run")


@dataclass
class ForceExecution:
    executed: bool = False  # this task sent force-execute and TFE took it (check mode: would send it)
    discarded_run_id: Optional[str] = None  # the run that held the workspace
    discarded_run_status: Optional[str] = None  # its status after (before, in check mode)
    reason: Optional[str] = None  # why nothing was sent
    warn: bool = False  # the reason is one the task's author should hear: the option could not act

    def report(self) -> Dict[str, Any]:
        return {"executed": self.executed, "discarded_run_id": self.discarded_run_id,
                "discarded_run_status": self.discarded_run_status, "reason": self.reason}


def _holder(workspace: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """What locks the workspace, as its relationship says: ``{"type": ..., "id": ...}`` or None."""
    relationships = workspace.get("relationships") or {}
    for name in _LOCK_RELATIONSHIPS:
        data = (relationships.get(name) or {}).get("data")
        if isinstance(data, dict) and data.get("id"):
            return data
    return None


def force_execute(client: TfeClient, run: Optional[Dict[str, Any]], workspace_id: str, *,
                  check_mode: bool) -> ForceExecution:
    """Force-execute ``run`` if it waits behind a discardable run; ``run`` None is the run check mode
    would queue (pending by definition)."""
    run_id = (run or {}).get("id")
    status = run_status(run) if run is not None else "pending"
    if status != "pending":
        return ForceExecution(reason="run {0} is {1}: it does not wait in the queue".format(run_id, status))
    workspace = (client.get(api_path("workspaces", workspace_id)) or {}).get("data") or {}
    holder = _holder(workspace)
    if holder is None or holder.get("id") == run_id:
        return ForceExecution(reason="no other run holds workspace {0}: the run starts without force-execute"
                              .format(workspace_id))
    if holder.get("type") not in (None, "runs"):
        return ForceExecution(reason="workspace {0} is locked by {1} {2}, not by a run: only unlocking it lets the "
                              "run start".format(workspace_id, holder.get("type"), holder.get("id")), warn=True)
    blocking = get_run(client, str(holder["id"]), include=()).run
    found = ForceExecution(discarded_run_id=blocking.get("id") or holder["id"],
                           discarded_run_status=run_status(blocking))
    if not run_action(blocking, "is-discardable"):
        found.reason = "run {0}, which holds workspace {1}, is {2} and cannot be discarded: the run waits for it" \
            .format(found.discarded_run_id, workspace_id, found.discarded_run_status)
        found.warn = True
        return found
    found.executed = True
    if check_mode:
        return found
    try:
        client.post(api_path("runs", run_id, "actions", "force-execute"), None, repeatable=True)
    except TfeHttpError as error:
        # 403: not pending, or not locked; 409: the holder is not discardable. A run still pending was
        # refused for good; one that moved on either started by itself or took our own first POST,
        # whose answer was lost (the 403 then answers the repeat).
        if error.status not in (403, 409):
            raise
        now = run_status(get_run(client, run_id, include=()).run)
        if now == "pending":
            raise
        found.executed = error.attempts > 1
        if not found.executed:
            found.reason = "run {0} started meanwhile ({1})".format(run_id, now)
    found.discarded_run_status = run_status(get_run(client, found.discarded_run_id, include=()).run)
    return found
