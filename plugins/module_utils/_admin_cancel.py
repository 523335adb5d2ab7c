# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: site-admin force-cancel of stuck runs, on current and on 2018-era TFE.

Current TFE has ``POST /admin/runs/:id/actions/force-cancel`` (the run ends ``canceled``, or
``force_canceled`` by the docs' table); the 201807 release had ``.../actions/cancel`` (the run ends
``errored``, no body). With ``auto`` the first route that exists is found once per task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._admin import build_search, list_admin_runs
from ._api import TfeApiError, TfeClient, TfeHttpError, api_path
from ._runs import Waiter, status_info

ROUTES = {"force_cancel": "force-cancel", "cancel": "cancel"}
CANCELED = "canceled"
ALREADY_FINAL = "already_final"
NOT_FOUND = "not_found"
FAILED = "failed"


def read_admin_run(client: TfeClient, run_id: str) -> Optional[Dict[str, Any]]:
    """The run as the admin API lists it (searched by ID with ``q``, matched exactly), or None."""
    listing = list_admin_runs(client, build_search(run_id=run_id), page_size=20)
    return listing.runs[0] if listing.runs else None


def is_final_status(run: Dict[str, Any]) -> bool:
    return status_info(run.get("status")).final is not None


@dataclass
class AdminCanceller:
    """Cancels runs one by one, remembering which admin route this installation has."""

    client: TfeClient
    endpoint: str = "auto"
    comment: Optional[str] = None
    check_mode: bool = False
    wait: bool = True
    wait_timeout: float = 60.0
    waiter: Waiter = field(default_factory=Waiter)
    detected: Optional[str] = None
    warnings: List[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.endpoint != "auto":
            self.detected = self.endpoint

    def cancel(self, run_id: str) -> Dict[str, Any]:
        """One run's outcome: ``{id, previous_status, status, outcome, endpoint[, reason], run}``.

        Errors of this run become a ``failed`` outcome; a 404 on the admin list itself (not a site
        administrator, or no admin API) is raised, because every other run would fail the same way.
        """
        record: Dict[str, Any] = {"id": run_id, "previous_status": None, "status": None, "outcome": None,
                                  "endpoint": None, "run": None}
        try:
            return self._cancel(run_id, record)
        except TfeHttpError as error:
            if error.status == 404 and record["run"] is None:
                raise
            return dict(record, outcome=FAILED, reason=error.describe())
        except TfeApiError as error:
            return dict(record, outcome=FAILED, reason=error.describe())

    def _cancel(self, run_id: str, record: Dict[str, Any]) -> Dict[str, Any]:
        run = read_admin_run(self.client, run_id)
        if run is None:
            return dict(record, outcome=NOT_FOUND,
                        reason="no run with this ID on the installation (TFE lists every run to site administrators)")
        record.update(previous_status=run.get("status"), status=run.get("status"), run=run)
        if is_final_status(run):
            return dict(record, outcome=ALREADY_FINAL)
        if self.check_mode:
            return dict(record, outcome=CANCELED, endpoint=self.detected)
        try:
            record["endpoint"] = self._post(run_id)
        except TfeHttpError as error:
            if error.status != 409:
                raise
            run = read_admin_run(self.client, run_id) or run
            record.update(status=run.get("status"), run=run)
            if is_final_status(run) and error.attempts > 1:
                # The 409 answered our repeated POST: the first one ended the run, its answer was lost.
                return dict(record, outcome=CANCELED, endpoint=self.detected)
            if is_final_status(run):
                return dict(record, outcome=ALREADY_FINAL)  # someone else ended it meanwhile
            raise
        if not self.wait:
            return dict(record, outcome=CANCELED)
        waited = self.waiter.wait(lambda: read_admin_run(self.client, run_id) or run, is_final_status,
                                  self.wait_timeout)
        record.update(status=waited.value.get("status"), run=waited.value)
        if waited.timed_out:
            return dict(record, outcome=FAILED, reason="still {0} {1} seconds after the cancel".format(
                record["status"], self.wait_timeout))
        return dict(record, outcome=CANCELED)

    def _post(self, run_id: str) -> str:
        """POST the admin cancel on the known route, or find the route (``auto``); returns the route used."""
        routes = [self.detected] if self.detected else ["force_cancel", "cancel"]
        for route in routes:
            try:
                self._post_route(run_id, route)
            except TfeHttpError as error:
                # The admin list just showed this run, so a 404 here means the route does not exist (TFE 201807).
                if error.status == 404 and route != routes[-1]:
                    continue
                if error.status != 404:
                    self.detected = route  # any other answer proves the route exists
                raise
            self.detected = route
            return route
        raise AssertionError("unreachable: the last route either answers or raises")

    def _post_route(self, run_id: str, route: str) -> None:
        body: Optional[Dict[str, Any]] = None
        if route == "force_cancel":
            body = {"comment": self.comment} if self.comment else {}
        elif self.comment and not self.warnings:
            self.warnings.append("The 2018 admin cancel route takes no comment: the comment was not sent.")
        # A repeated admin cancel is harmless: a run already ended answers 409, which is re-read.
        self.client.post(api_path("admin", "runs", run_id, "actions", ROUTES[route]), body, repeatable=True)
