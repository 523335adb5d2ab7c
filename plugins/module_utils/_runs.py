# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: what runs are. Status meanings, workspace lookup, the waiter and the result shapes.

Knows the TFE runs domain and the layer-1 client; knows nothing about Ansible.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional
from urllib.parse import quote

from ._api import TfeClient, api_path, included_index, related_id

# --- statuses -----------------------------------------------------------------------------------

MOVING = None
SUCCESS = "success"
FAILURE = "failure"


@dataclass(frozen=True)
class StatusInfo:
    """What one run status means for a client.

    ``final`` is None (still moving), "success" or "failure". ``human_gate``: the run waits for a
    person (an override or a decision), not for TFE. ``apply_phase``: the plan was confirmed.
    ``may_await_confirmation``: a plan-side state where a run *can* pause for confirmation; whether it
    does is only ever read from ``actions.is-confirmable``.
    """

    final: Optional[str] = MOVING
    human_gate: bool = False
    apply_phase: bool = False
    may_await_confirmation: bool = False


_MOVING = StatusInfo()
_GATE = StatusInfo(human_gate=True)
_PAUSE_POINT = StatusInfo(may_await_confirmation=True)
_APPLYING = StatusInfo(apply_phase=True)

# Every status of the contract's vocabulary (reference section 4.1). Statuses TFE adds later are
# treated as "still moving" by status_info(), never as an error.
STATUSES: Dict[str, StatusInfo] = {
    "pending": _MOVING,
    "fetching": _MOVING,
    "fetching_completed": _MOVING,
    "pre_plan_running": _MOVING,
    "pre_plan_completed": _MOVING,
    "pre_plan_awaiting_decision": _GATE,
    "queuing": _MOVING,
    "plan_queued": _MOVING,
    "planning": _MOVING,
    "planned": _PAUSE_POINT,
    "tf_policy_checked": _PAUSE_POINT,
    "tf_policy_override": _GATE,
    "post_plan_running": _MOVING,
    "post_plan_completed": _PAUSE_POINT,
    "post_plan_awaiting_decision": _GATE,
    "cost_estimating": _MOVING,
    "cost_estimated": _PAUSE_POINT,
    "policy_checking": _MOVING,
    "policy_override": _GATE,
    "policy_checked": _PAUSE_POINT,
    "policy_soft_failed": StatusInfo(final=FAILURE),
    "planned_and_saved": _GATE,
    "confirmed": _APPLYING,
    "pre_apply_running": _APPLYING,
    "pre_apply_completed": _APPLYING,
    "queuing_apply": _APPLYING,
    "apply_queued": _APPLYING,
    "applying": _APPLYING,
    "post_apply_running": _APPLYING,
    "post_apply_completed": _APPLYING,
    "applied": StatusInfo(final=SUCCESS, apply_phase=True),
    "planned_and_finished": StatusInfo(final=SUCCESS),
    "discarded": StatusInfo(final=FAILURE),
    "errored": StatusInfo(final=FAILURE),
    "canceled": StatusInfo(final=FAILURE),
    "force_canceled": StatusInfo(final=FAILURE),
    "assessing": _MOVING,
    "assessed": StatusInfo(final=SUCCESS),
}

# The statuses the admin API accepts in filter[status] (reference section 6.1, current generation).
ADMIN_FILTER_STATUSES = (
    "pending", "plan_queued", "planning", "planned", "confirmed", "apply_queued", "applying", "applied",
    "discarded", "errored", "canceled", "cost_estimating", "cost_estimated", "policy_checking",
    "policy_override", "policy_soft_failed", "policy_checked", "planned_and_finished",
)


def status_info(status: Optional[str]) -> StatusInfo:
    """The meaning of ``status``; unknown statuses are still moving, except any ``*_awaiting_decision``."""
    known = STATUSES.get(status or "")
    if known is not None:
        return known
    if (status or "").endswith("_awaiting_decision"):
        return _GATE
    return _MOVING


def run_status(run: Dict[str, Any]) -> str:
    return str((run.get("attributes") or {}).get("status") or "")


def is_final(run: Dict[str, Any]) -> bool:
    return status_info(run_status(run)).final is not None


def is_final_success(run: Dict[str, Any]) -> bool:
    return status_info(run_status(run)).final == SUCCESS


def is_human_gate(run: Dict[str, Any]) -> bool:
    return status_info(run_status(run)).human_gate


def is_apply_phase(run: Dict[str, Any]) -> bool:
    return status_info(run_status(run)).apply_phase


def run_action(run: Dict[str, Any], name: str) -> bool:
    """``actions.<name>`` of a run (``is-confirmable``, ``is-discardable`` ...), False when absent."""
    return bool(((run.get("attributes") or {}).get("actions") or {}).get(name))


def is_confirmable(run: Dict[str, Any]) -> bool:
    """Waiting for confirmation: read from the API's own verdict, never guessed from the status."""
    return run_action(run, "is-confirmable")


def plan_settled(run: Dict[str, Any]) -> bool:
    """The plan side is over: final, waiting for a confirmation or a person, or already applying."""
    info = status_info(run_status(run))
    return info.final is not None or info.human_gate or info.apply_phase or is_confirmable(run)


# --- waiting ------------------------------------------------------------------------------------


@dataclass
class PollSchedule:
    """When to poll next: every ``initial`` s at first, then a ``growth`` share of the time waited so
    far, at most every ``cap`` s.

    A wait therefore ends at most about ``growth`` x its length after the run did (``cap`` s at
    worst, half that on average): a 10-second run is seen within a second, a 5-minute one within
    10 s. A wait of T seconds costs about 10 + ln(T/10)/ln(1 + growth) polls until the interval
    reaches the cap, then one per ``cap`` s (about 56 for 5 minutes; docs/performance.md compares
    this with fixed and backoff pollers). Status changes do not reset it: they say nothing about
    when the run will end, and resetting made long runs cost twice as many requests.
    """

    initial: float = 1.0
    growth: float = 0.1
    cap: float = 10.0
    jitter: float = 0.1

    def next_interval(self, waited: float) -> float:
        return min(self.cap, max(self.initial, self.growth * waited))


@dataclass
class WaitOutcome:
    value: Any
    polls: int
    timed_out: bool
    elapsed: float


class Waiter:
    """Poll ``fetch`` until ``done(value)`` holds or the deadline passes; clock and sleep are injectable."""

    def __init__(self, schedule: Optional[PollSchedule] = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, rng: Optional[random.Random] = None) -> None:
        self.schedule = schedule or PollSchedule()
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()

    def wait(self, fetch: Callable[[], Any], done: Callable[[Any], bool], timeout: float,
             first: Any = None) -> WaitOutcome:
        """Return as soon as ``done`` holds. ``first`` is a value already fetched (saves one request)."""
        start = self.clock()
        deadline = start + max(timeout, 0.0)
        polls = 0
        value = first
        if value is None:
            value = fetch()
            polls += 1
        while not done(value):
            now = self.clock()
            if now >= deadline:
                return WaitOutcome(value, polls, True, now - start)
            interval = self.schedule.next_interval(now - start)
            pause = interval * self.rng.uniform(1.0 - self.schedule.jitter, 1.0 + self.schedule.jitter)
            self.sleep(min(pause, deadline - now))
            value = fetch()
            polls += 1
        return WaitOutcome(value, polls, False, self.clock() - start)


# --- lookups ------------------------------------------------------------------------------------

RUN_INCLUDES = ("plan", "apply", "workspace")


def get_workspace(client: TfeClient, workspace_id: Optional[str] = None, organization: Optional[str] = None,
                  name: Optional[str] = None) -> Dict[str, Any]:
    """The workspace resource, by ID or by organization + name."""
    if workspace_id:
        path = api_path("workspaces", workspace_id)
    elif organization and name:
        path = api_path("organizations", organization, "workspaces", name)
    else:
        raise ValueError("give a workspace ID, or an organization and a workspace name")
    return (client.get(path) or {}).get("data") or {}


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


def get_run(client: TfeClient, run_id: str, include: Iterable[str] = RUN_INCLUDES,
            deadline: Optional[float] = None) -> RunView:
    """One run, with its plan, apply and workspace when asked for (one request)."""
    params = {"include": ",".join(include)} if include else None
    document = client.get(api_path("runs", run_id), params, deadline=deadline) or {}
    return run_view(document)


def run_view(document: Dict[str, Any]) -> RunView:
    """Split a run document into the run and its included plan, apply and workspace."""
    run = document.get("data") or {}
    index = included_index(document)
    return RunView(
        run=run,
        plan=index.get(("plans", related_id(run, "plan"))),
        apply=index.get(("applies", related_id(run, "apply"))),
        workspace=index.get(("workspaces", related_id(run, "workspace"))),
    )


def wait_for_run(client: TfeClient, run_id: str, done: Callable[[Dict[str, Any]], bool], timeout: float,
                 waiter: Optional[Waiter] = None, first: Optional[RunView] = None) -> WaitOutcome:
    """Poll the run (with its plan, apply and workspace) until ``done(run)`` or ``timeout`` seconds.

    No request's retries may sleep past the deadline. ``outcome.value`` is the last ``RunView``.
    """
    waiter = waiter or Waiter()
    deadline = waiter.clock() + max(timeout, 0.0)
    return waiter.wait(lambda: get_run(client, run_id, deadline=deadline), lambda view: done(view.run), timeout,
                       first=first)


# --- result shapes ------------------------------------------------------------------------------

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


_FRACTION_RE = re.compile(r"\.(\d+)")


def parse_timestamp(text: Optional[str]) -> Optional[datetime]:
    """RFC 3339 / ISO 8601 as TFE writes it (``Z`` or an offset, any fraction) to an aware datetime.

    ``datetime.fromisoformat`` before Python 3.11 rejects ``Z`` and fractions other than 3 or 6 digits.
    """
    if not text:
        return None
    value = str(text).strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    value = _FRACTION_RE.sub(lambda m: "." + (m.group(1) + "000000")[:6], value, count=1)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


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


# --- logs ---------------------------------------------------------------------------------------

_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def log_tail(client: TfeClient, resource: Optional[Dict[str, Any]], lines: int = 20) -> List[str]:
    """The last ``lines`` lines of a plan's or apply's log (framing bytes and colours removed).

    Failures to read the log are not errors of the task: an empty list comes back instead.
    """
    url = ((resource or {}).get("attributes") or {}).get("log-read-url")
    if not url or lines <= 0:
        return []
    try:
        raw = client.fetch_blob_tail(url)
    except Exception:  # pylint: disable=broad-except
        # The log is a courtesy on an already failed result; never let it mask the real failure.
        return []
    text = _ANSI_RE.sub("", raw.decode("utf-8", "replace")).replace("\x02", "").replace("\x03", "")
    return [line for line in text.splitlines() if line.strip()][-lines:]


# --- reports ------------------------------------------------------------------------------------


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


def waiting_reason(run: Dict[str, Any]) -> str:
    """Why a run that is not final is not moving on by itself, in words for a failure message."""
    status = run_status(run)
    if is_confirmable(run):
        return ("it is waiting for confirmation: apply it with tfe.runs.tfe_run_apply "
                "or discard it with tfe.runs.tfe_run_cancel")
    if status in ("policy_override", "tf_policy_override"):
        return ("a soft-mandatory policy failed and waits for an override: override it in TFE, "
                "or discard the run with tfe.runs.tfe_run_cancel")
    if status == "planned_and_saved":
        return "it is a saved plan waiting to be applied (tfe.runs.tfe_run_apply) or discarded"
    if status.endswith("_awaiting_decision"):
        return "a run task stage waits for an override decision in TFE"
    if status == "pending":
        return "it is queued behind other runs of the workspace"
    return "it is still {0}".format(status or "in an unknown state")


def failure_log_tail(client: TfeClient, view: RunView, lines: int = 20) -> List[str]:
    """The end of the log of the phase that failed: the apply's once the apply started, else the plan's."""
    apply_status = ((view.apply or {}).get("attributes") or {}).get("status")
    resource = view.apply if apply_status not in (None, "pending", "unreachable") else view.plan
    return log_tail(client, resource, lines)
