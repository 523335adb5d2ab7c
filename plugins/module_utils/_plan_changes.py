# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: what a plan will do, resource by resource, from its JSON plan, without a single value.

The JSON plan (reference 5.5) holds every before and after value in clear, sensitive ones included.
Only names and actions are taken from it: the document itself never leaves this module, and neither
does its blob URL. When it cannot be read (no admin access, Terraform before 0.12, the plan not
finished) the changes are missing with the reason, never a failure of the task.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._client import TfeClient
from ._errors import TfeApiError, TfeHttpError
from ._jsonapi import api_path

CREATE, UPDATE, DELETE, REPLACE, READ = "create", "update", "delete", "replace", "read"
# An import that changes nothing else is still a change a reviewer must see.
IMPORT = "import"
ACTIONS = (CREATE, UPDATE, DELETE, REPLACE, READ, IMPORT)
# A JSON plan of a very large configuration is tens of megabytes; beyond this it is not read.
MAX_JSON_PLAN_BYTES = 64 * 1024 * 1024


def change_action(actions: Any) -> Optional[str]:
    """One action for Terraform's ``change.actions`` list; None for a no-op (or an unreadable list)."""
    if not isinstance(actions, list):
        return None
    found = [str(action) for action in actions]
    if sorted(found) == ["create", "delete"]:
        return REPLACE  # delete-then-create or create-then-delete: either way the object is replaced
    if len(found) == 1 and found[0] in (CREATE, UPDATE, DELETE, READ):
        return found[0]
    return None


def _text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def resource_change(entry: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """One entry of ``resource_changes`` reduced to names and actions; None when it changes nothing."""
    change = entry.get("change") if isinstance(entry.get("change"), dict) else {}
    action = change_action(change.get("actions"))
    importing = bool(change.get("importing"))
    if action is None and not importing:
        return None
    return {
        "address": _text(entry.get("address")),
        "module_address": _text(entry.get("module_address")),
        "type": _text(entry.get("type")),
        "name": _text(entry.get("name")),
        # ``action`` for a Jinja test (selectattr), ``actions`` in the shape of Terraform's own list.
        "action": action or IMPORT,
        "actions": [action or IMPORT],
        "action_reason": _text(entry.get("action_reason")),
        "importing": importing,
    }


@dataclass
class PlanChanges:
    """The plan's changes, or why they are missing (``unavailable``)."""

    changes: Optional[List[Dict[str, Any]]] = None
    output_changes: Optional[List[Dict[str, Any]]] = None
    unavailable: Optional[str] = None
    counts: Dict[str, int] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.changes is not None

    def report(self) -> Dict[str, Any]:
        """The keys added to a result's ``plan``."""
        return {"changes": self.changes, "output_changes": self.output_changes, "change_counts": self.counts or None,
                "changes_unavailable": self.unavailable}


def changes_of(document: Dict[str, Any]) -> PlanChanges:
    """The changes of a parsed JSON plan, in the plan's order."""
    entries = document.get("resource_changes") if isinstance(document.get("resource_changes"), list) else []
    changes = [found for found in (resource_change(e) for e in entries if isinstance(e, dict)) if found]
    outputs = []
    for name, output in sorted((document.get("output_changes") or {}).items()):
        action = change_action((output or {}).get("actions")) if isinstance(output, dict) else None
        if action is not None:
            outputs.append({"name": str(name), "action": action, "actions": [action]})
    counts = {action: 0 for action in ACTIONS}
    for change in changes:
        counts[change["action"]] += 1
        if change["importing"] and change["action"] != IMPORT:
            counts[IMPORT] += 1
    return PlanChanges(changes=changes, output_changes=outputs, counts=counts)


_UNAVAILABLE = {
    204: "the plan has not finished yet",
    403: "the token has no admin access to the workspace, which reading a JSON plan needs",
    404: "the plan's JSON is not readable with this token (organization tokens cannot read it) or does not exist",
    422: "the run's Terraform version is older than 0.12, which has no JSON plan",
}


# A plan can be reported finished a moment before its JSON is stored, so a "not finished yet" answer
# is asked again after these pauses (7 s in all, never past the task's deadline) before a reviewer is
# told the changes are missing, or a protection fails closed on it.
NOT_READY_PAUSES = (1.0, 2.0, 4.0)


def _json_plan_answer(client: TfeClient, plan_id: str, deadline: Optional[float]) -> Dict[str, Any]:
    """json-output's answer (status and redirect location), asked again while the JSON is not ready."""
    pauses = list(NOT_READY_PAUSES)
    while True:
        answer = client.request("GET", api_path("plans", plan_id, "json-output"), deadline=deadline, locate=True)
        answer = answer if isinstance(answer, dict) else {}
        not_ready = answer.get("status") == 204 or (answer.get("status") == 200 and not answer.get("location"))
        if not not_ready:
            return answer
        if not pauses or not client.pause(pauses.pop(0), deadline):
            return {"status": 204}


def read_plan_changes(client: TfeClient, plan_id: Optional[str], deadline: Optional[float] = None) -> PlanChanges:
    """The changes of the plan ``plan_id``: two requests (the API's redirect, then the blob, without the token)."""
    if not plan_id:
        return PlanChanges(unavailable="the run has no plan")
    try:
        answer = _json_plan_answer(client, plan_id, deadline)
        status, location = answer.get("status"), answer.get("location")
        if status == 204:
            return PlanChanges(unavailable=_UNAVAILABLE[204])
        if not location:
            return PlanChanges(unavailable="TFE answered {0} without the JSON plan's location".format(status))
        body, cut = client.fetch_blob(location, MAX_JSON_PLAN_BYTES, shown="<JSON plan url>")
    except TfeHttpError as error:
        reason = _UNAVAILABLE.get(error.status or 0) or "reading the JSON plan failed ({0})".format(error.status)
        return PlanChanges(unavailable=reason)
    except TfeApiError as error:
        return PlanChanges(unavailable="reading the JSON plan failed ({0})".format(error.describe()))
    if cut:
        return PlanChanges(unavailable="the JSON plan is larger than {0} MiB".format(MAX_JSON_PLAN_BYTES >> 20))
    try:
        document = json.loads(body.decode("utf-8"))
    except ValueError:
        return PlanChanges(unavailable="the JSON plan is not valid JSON")
    if not isinstance(document, dict):
        return PlanChanges(unavailable="the JSON plan is not a JSON object")
    return changes_of(document)
