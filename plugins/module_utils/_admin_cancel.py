# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2, the verb "force-cancel stuck runs" (site admins), on current and on 2018-era TFE.

Current TFE has ``POST /admin/runs/:id/actions/force-cancel`` (the run ends ``canceled``, or
``force_canceled`` by the docs' table); the 201807 release had ``.../actions/cancel`` (the run ends
``errored``). Both answer 200 with the run, which is used when it carries the run; with ``auto`` the
first route that exists is found once per task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._admin import NOT_ADMIN_HINT, admin_run_result, build_search, read_admin_runs
from ._client import TfeClient
from ._errors import TfeApiError, TfeHttpError
from ._jsonapi import api_path, included_index
from ._outcome import Task, verb
from ._statuses import is_final, run_status
from ._waiting import Waiter

ROUTES = {"force_cancel": "force-cancel", "cancel": "cancel"}
ENDPOINTS = ("auto",) + tuple(ROUTES)
CANCELED = "canceled"
ALREADY_FINAL = "already_final"
NOT_FOUND = "not_found"
FAILED = "failed"


@dataclass
class _Canceller:
    """Cancels runs one by one, remembering which admin route this installation has."""

    client: TfeClient
    endpoint: str
    comment: Optional[str]
    check_mode: bool
    wait: bool
    wait_timeout: float
    waiter: Waiter
    task: Task
    detected: Optional[str] = None
    deadline: float = 0.0
    included: Dict[Any, Dict[str, Any]] = field(default_factory=dict)

    def read(self, run_id: str) -> Optional[Dict[str, Any]]:
        """The run as the admin API lists it (searched by ID with ``q``, matched exactly), or None."""
        listing = read_admin_runs(self.client, build_search(run_id=run_id), page_size=20)
        self.included.update(listing.included)
        return listing.runs[0] if listing.runs else None

    def record(self, run_id: str, outcome: str, before: Optional[Dict[str, Any]] = None,
               after: Optional[Dict[str, Any]] = None, endpoint: Optional[str] = None, **extra: Any) -> Dict[str, Any]:
        """One run's entry: ``{id, previous_status, status, outcome, endpoint, run[, reason]}``."""
        shown = after or before
        entry = {"id": run_id, "previous_status": run_status(before) if before else None,
                 "status": run_status(shown) if shown else None, "outcome": outcome, "endpoint": endpoint,
                 "run": admin_run_result(shown, self.included, self.client.site_url) if shown else None}
        entry.update(extra)
        return entry

    def cancel(self, run_id: str) -> Dict[str, Any]:
        """One run's outcome. A 404 on the admin list itself (not a site administrator, or no admin API)
        is raised: every other run would fail the same way. Other errors fail only this run."""
        before = None
        # Each run has the whole wait_timeout for its own wait.
        self.deadline = self.waiter.deadline(self.wait_timeout)
        try:
            before = self.read(run_id)
            return self._cancel(run_id, before)
        except TfeHttpError as error:
            if error.status == 404 and before is None:
                raise
            return self.record(run_id, FAILED, before, reason=error.describe())
        except TfeApiError as error:
            return self.record(run_id, FAILED, before, reason=error.describe())

    def _cancel(self, run_id: str, before: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        if before is None:
            return self.record(run_id, NOT_FOUND, reason="no run with this ID on the installation (TFE lists "
                                                         "every run to site administrators)")
        if is_final(before):
            return self.record(run_id, ALREADY_FINAL, before)
        if self.check_mode:
            return self.record(run_id, CANCELED, before, endpoint=self.detected)
        try:
            route, answered = self._post(run_id)
        except TfeHttpError as error:
            if error.status != 409:
                raise
            now = self.read(run_id) or before
            if is_final(now) and error.attempts > 1:
                # The 409 answered our repeated POST: the first one ended the run, its answer was lost.
                return self.record(run_id, CANCELED, before, now, self.detected)
            if is_final(now):
                return self.record(run_id, ALREADY_FINAL, now)  # someone else ended it meanwhile
            raise
        after = answered or before
        if not self.wait or is_final(after):
            return self.record(run_id, CANCELED, before, after, route)
        lost: List[bool] = []

        def fetch() -> Dict[str, Any]:
            found = self.read(run_id)
            if found is None:
                lost.append(True)  # the listing no longer shows it (some hide final runs): stop looking
            return found or after

        waited = self.waiter.wait(fetch, lambda run: bool(lost) or is_final(run), self.deadline, first=after)
        if lost:
            return self.record(run_id, CANCELED, before, after, route, confirmed=False,
                               reason="canceled; the admin list no longer shows the run, so its final status is "
                                      "unconfirmed")
        if waited.timed_out:
            return self.record(run_id, FAILED, before, waited.value, route, reason="still {0} after the cancel, at the "
                               "end of wait_timeout".format(run_status(waited.value)))
        return self.record(run_id, CANCELED, before, waited.value, route)

    def _post(self, run_id: str) -> Any:
        """POST the admin cancel on the known route, or find it (``auto``): the route and the run it answered."""
        routes = [self.detected] if self.detected else list(ROUTES)
        for route in routes:  # left only by the break of an answer: the last route answers or raises
            try:
                document = self._post_route(run_id, route) or {}
                break
            except TfeHttpError as error:
                # The admin list just showed this run, so a 404 here means the route does not exist (TFE 201807).
                if error.status == 404 and route != routes[-1]:
                    continue
                if error.status != 404:
                    self.detected = route  # any other answer proves the route exists
                raise
        self.detected = route
        self.included.update(included_index(document))
        run = document.get("data")
        return route, run if isinstance(run, dict) and run.get("id") == run_id else None

    def _post_route(self, run_id: str, route: str) -> Optional[Dict[str, Any]]:
        body: Optional[Dict[str, Any]] = None
        if route == "force_cancel":
            body = {"comment": self.comment} if self.comment else {}
        elif self.comment:
            self.task.warn("The 2018 admin cancel route takes no comment: the comment was not sent.")
        # A repeated admin cancel is harmless: a run already ended answers 409, which is re-read.
        return self.client.post(api_path("admin", "runs", run_id, "actions", ROUTES[route]), body, repeatable=True)


@verb
def admin_cancel_runs(task: Task, client: TfeClient, run_ids: List[str], *, endpoint: str = "auto",
                      comment: Optional[str] = None, wait: bool = True, wait_timeout: float = 60,
                      check_mode: bool = False, waiter: Optional[Waiter] = None) -> None:
    """Force-cancel each run; ``runs`` lists every run's outcome, the task fails if any could not be cancelled."""
    canceller = _Canceller(client, endpoint, comment, check_mode, wait, wait_timeout, waiter or Waiter(client.limiter), task,
                           detected=None if endpoint == "auto" else endpoint)
    task.attempt("read runs through the admin API", hint_404=NOT_ADMIN_HINT)
    runs = [canceller.cancel(run_id) for run_id in dict.fromkeys(run_ids)]
    task.changed(any(entry["outcome"] == CANCELED for entry in runs))
    task.result.update(runs=runs, endpoint=canceller.detected)
    problems = ["{0}: {1} ({2})".format(e["id"], e["outcome"], e.get("reason")) for e in runs
                if e["outcome"] in (FAILED, NOT_FOUND)]
    if problems:
        raise task.fail("Could not cancel {0} of {1} runs: {2}".format(len(problems), len(runs), "; ".join(problems)))
