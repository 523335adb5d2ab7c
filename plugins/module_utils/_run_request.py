# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: queueing a run. The request, its validation, reuse of a matching run, and never a duplicate.

``POST /runs`` is not idempotent: after an answer that leaves open whether the run was created (a
timeout, a dropped connection, a 5xx, a 201 without a usable body), the run is looked for instead
of being queued again.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional

from ._client import TfeClient
from ._errors import TfeApiError, TfeHttpError, TfeTransportError
from ._hcl import hcl_literal
from ._jsonapi import api_path
from ._statuses import is_final, is_final_success
from ._timestamps import parse_timestamp

# Every operation, so that the workspace run list does not hide plan-only runs (reference §5.3).
ALL_OPERATIONS = "plan_only,plan_and_apply,save_plan,refresh_only,destroy,empty_apply,action_only"
# Run attributes of POST /runs (reference §5.1) that the module exposes, by their API names.
RUN_ATTRIBUTES = ("message", "is-destroy", "auto-apply", "plan-only", "save-plan", "refresh", "refresh-only",
                  "target-addrs", "replace-addrs", "allow-empty-apply", "allow-config-generation",
                  "terraform-version", "debugging-mode", "invoke-action-addrs", "policy-paths")
# What makes a run "the same run" for reuse and recovery, besides the workspace and the message.
_MATCH_FLAGS = ("is-destroy", "plan-only", "refresh-only", "save-plan")
_MATCH_LISTS = ("target-addrs", "replace-addrs", "invoke-action-addrs", "policy-paths")
# Server Date has one-second resolution and clocks differ a little: look slightly further back.
RECOVERY_SLACK = timedelta(seconds=2)


def option_name(attribute: str) -> str:
    return attribute.replace("-", "_")


def default_message() -> str:
    """A message unique to this task, so that recovery after an ambiguous failure matches exactly."""
    return "Queued by tfe.runs.tfe_run [{0}]".format(secrets.token_hex(6))


@dataclass
class RunRequest:
    """What to send to ``POST /runs``: only the attributes the user set (plus the message)."""

    workspace_id: str
    attributes: Dict[str, Any] = field(default_factory=dict)
    variables: Optional[Dict[str, Any]] = None
    configuration_version_id: Optional[str] = None

    def _flag(self, name: str) -> Any:
        return self.attributes.get(name)

    def problems(self) -> List[str]:
        """Combinations TFE or Terraform refuse, caught before any request."""
        found = []
        if self._flag("is-destroy") and self._flag("refresh-only"):
            found.append("is_destroy and refresh_only cannot be combined")
        if self._flag("terraform-version") and not self._flag("plan-only"):
            found.append("terraform_version is only valid with plan_only=true")
        if self._flag("save-plan") and self._flag("plan-only"):
            found.append("save_plan and plan_only cannot be combined (a plan-only run cannot be saved for apply)")
        if self._flag("refresh-only") and self._flag("refresh") is False:
            found.append("refresh_only needs refresh; do not set refresh=false with it")
        if self._flag("refresh-only") and self._flag("replace-addrs"):
            found.append("replace_addrs cannot be used with refresh_only")
        for flag in ("auto-apply", "allow-empty-apply"):
            if self._flag(flag) and self._flag("plan-only"):
                found.append("{0} has no meaning for plan_only runs, which are never applied".format(option_name(flag)))
        if self._flag("auto-apply") and self._flag("save-plan"):
            found.append("saved plans are never auto-applied: do not combine auto_apply and save_plan")
        for name in _MATCH_LISTS:
            if any(not str(item).strip() for item in self._flag(name) or []):
                found.append("{0} cannot hold an empty entry".format(option_name(name)))
        for key in self.variables or {}:
            if not str(key).strip():
                found.append("variable names cannot be empty")
        return found

    def rendered_variables(self) -> List[Dict[str, str]]:
        return [{"key": str(key), "value": hcl_literal(value, "variables.{0}".format(key))}
                for key, value in (self.variables or {}).items()]

    def payload(self) -> Dict[str, Any]:
        attributes = dict(self.attributes)
        if self.variables:
            attributes["variables"] = self.rendered_variables()
        relationships: Dict[str, Any] = {"workspace": {"data": {"type": "workspaces", "id": self.workspace_id}}}
        if self.configuration_version_id:
            relationships["configuration-version"] = {
                "data": {"type": "configuration-versions", "id": self.configuration_version_id}}
        return {"data": {"type": "runs", "attributes": attributes, "relationships": relationships}}

    def sent_attributes(self) -> Dict[str, Any]:
        """The attributes as reported back to the user: snake_case, variables by name only."""
        shown = {option_name(k): v for k, v in self.attributes.items()}
        if self.variables:
            shown["variables"] = sorted(str(key) for key in self.variables)
        return shown

    def matches(self, run: Dict[str, Any]) -> bool:
        """Same message, destroy/plan-only/refresh-only/save-plan flags, targets and replacements."""
        attributes = run.get("attributes") or {}
        if attributes.get("message") != self.attributes.get("message"):
            return False
        for flag in _MATCH_FLAGS:
            if bool(attributes.get(flag)) != bool(self.attributes.get(flag)):
                return False
        for name in _MATCH_LISTS:
            if sorted(attributes.get(name) or []) != sorted(self.attributes.get(name) or []):
                return False
        return True


def matching_runs(client: TfeClient, request: RunRequest) -> List[Dict[str, Any]]:
    """Runs of the workspace that match ``request``, newest first (one request to a 30/minute endpoint)."""
    params = {"search[basic]": request.attributes.get("message") or "", "filter[operation]": ALL_OPERATIONS,
              "page[size]": 100}
    document = client.get(api_path("workspaces", request.workspace_id, "runs"), params) or {}
    return [run for run in document.get("data") or [] if request.matches(run)]


def find_reusable_run(client: TfeClient, request: RunRequest, mode: str) -> Optional[Dict[str, Any]]:
    """The newest matching run to reuse: ``active`` takes a non-final one; ``any`` also a successful one.

    Errored, canceled and discarded runs are never reused, so a retried job can still succeed.
    """
    for run in matching_runs(client, request):
        if not is_final(run) or (mode == "any" and is_final_success(run)):
            return run
    return None


class AmbiguousCreateError(TfeApiError):
    """POST /runs may or may not have created a run, and looking for it did not settle the question."""

    def __init__(self, cause: TfeApiError, candidates: List[Dict[str, Any]]) -> None:
        self.cause = cause
        self.candidate_ids = [run.get("id") for run in candidates]
        if self.candidate_ids:
            detail = "several matching runs appeared: {0}; none was adopted".format(", ".join(self.candidate_ids))
        else:
            detail = "no matching run appeared, so whether one was queued is unknown"
        super().__init__("outcome of queueing the run is unknown ({0})".format(cause.describe()), detail=detail,
                         method="POST", path=cause.path, attempts=cause.attempts)


@dataclass
class CreateOutcome:
    run: Dict[str, Any]
    recovered: bool = False
    posts: int = 1


def _is_ambiguous(error: TfeApiError) -> bool:
    if isinstance(error, TfeTransportError):
        return error.maybe_processed
    if isinstance(error, TfeHttpError):
        # 5xx: the app may have created the run before failing; 2xx: created, but the body was unusable.
        return error.status is not None and (error.status >= 500 or error.status < 300)
    return False


def _created_after(run: Dict[str, Any], not_before: datetime) -> bool:
    created = parse_timestamp((run.get("attributes") or {}).get("created-at"))
    return created is None or created >= not_before


def _post_run(client: TfeClient, request: RunRequest) -> Any:
    """The created run, or the error that leaves open whether it was created."""
    try:
        document = client.post("runs", request.payload())
    except TfeApiError as error:
        if not _is_ambiguous(error):
            raise
        return error
    run = (document or {}).get("data")
    if isinstance(run, dict) and run.get("id"):
        return run
    return TfeHttpError(201, "created, but the answer carried no run", method="POST", path=client.base_path + "/runs")


def create_run(client: TfeClient, request: RunRequest, *, recovery_window: float = 10.0,
               recovery_interval: float = 2.0, max_posts: int = 3, sleep: Callable[[float], None] = time.sleep,
               clock: Callable[[], float] = time.monotonic) -> CreateOutcome:
    """Queue the run once. After an ambiguous failure, adopt the one matching new run, or raise.

    Runs created before the last server answer preceding the POST (minus a small slack) are not
    candidates: they existed before this task tried. TFE creates the run before it answers, so when
    the server keeps answering the search for ``recovery_window`` seconds and no candidate appears,
    the POST did not create one and is sent again (``max_posts`` in all). When the search itself
    keeps failing, nothing is known and nothing is sent again.
    """
    not_before = (client.last_response_date or datetime.now(timezone.utc)) - RECOVERY_SLACK
    for posts in range(1, max_posts + 1):
        outcome = _post_run(client, request)
        if not isinstance(outcome, TfeApiError):
            return CreateOutcome(outcome, posts=posts)
        cause = outcome
        deadline = clock() + recovery_window
        while True:
            try:
                candidates = [run for run in matching_runs(client, request) if _created_after(run, not_before)]
                answered = True
            except TfeApiError:
                candidates, answered = [], False  # the server may still be failing: keep looking
            if len(candidates) == 1:
                return CreateOutcome(candidates[0], recovered=True, posts=posts)
            if len(candidates) > 1 or (clock() >= deadline and not answered):
                raise AmbiguousCreateError(cause, candidates)
            if clock() >= deadline:
                break  # the server answered, and no run appeared: this POST created nothing
            sleep(min(recovery_interval, max(deadline - clock(), 0.0)))
    raise cause  # every POST failed and none created a run: a plain failure, nothing is ambiguous
