# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What both run listings share: statuses, the creation window, the projection, and ending an ordered walk."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.tfe.runs.plugins.module_utils._budget import RateLimiter
from ansible_collections.tfe.runs.plugins.module_utils._client import TfeClient
from ansible_collections.tfe.runs.plugins.module_utils._listing import CreationWindow, Projection, normalize_statuses
from ansible_collections.tfe.runs.plugins.module_utils._pages import fetch_pages
from ansible_collections.tfe.runs.plugins.module_utils._run_info import NewestFirst
from ansible_collections.tfe.runs.plugins.module_utils._statuses import STATUSES
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

NOW = datetime(2025, 6, 2, 12, 0, 0, tzinfo=timezone.utc)


def run(number, minutes_ago, **attributes):
    created = (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"id": "run-%03d" % number, "type": "runs", "attributes": dict({"created-at": created}, **attributes)}


# --- statuses ------------------------------------------------------------------------------------


def test_every_status_of_the_vocabulary_is_accepted():
    assert normalize_statuses(list(STATUSES)) == list(STATUSES)


def test_statuses_are_normalised_and_deduplicated():
    assert normalize_statuses(["Planning", "policy-checked", "planning", " "]) == ["planning", "policy_checked"]
    assert normalize_statuses(None) == []


def test_unknown_statuses_fail_naming_them_and_the_valid_ones():
    with pytest.raises(ValueError) as caught:
        normalize_statuses(["planning", "stuck", "runing"])
    message = str(caught.value)
    assert "'stuck'" in message and "'runing'" in message
    assert all(status in message for status in STATUSES)


# --- the creation window -------------------------------------------------------------------------


def test_window_keeps_runs_inside_and_runs_without_a_readable_time():
    window = CreationWindow.parse("2h", "1h", NOW)
    assert window.bounded
    assert window.contains(run(1, 90)) and not window.contains(run(2, 30)) and not window.contains(run(3, 150))
    assert window.contains({"id": "run-x", "attributes": {"created-at": "yesterday"}})
    assert not CreationWindow().bounded and CreationWindow().contains(run(4, 10 ** 6))


def test_an_empty_window_is_refused_before_any_request():
    with pytest.raises(ValueError, match="created_after .* is later than created_before"):
        CreationWindow.parse("1h", "2h", NOW)


# --- the projection ------------------------------------------------------------------------------


def test_projection_keeps_id_status_workspace_and_the_named_fields_in_every_run():
    full = {"id": "run-1", "status": "planning", "workspace": {"id": "ws-1"}, "message": "m", "created_at": "t"}
    projection = Projection(["created-at", "status", "source", "created_at"])
    assert projection.apply(full) == {"id": "run-1", "status": "planning", "workspace": {"id": "ws-1"},
                                      "created_at": "t", "source": None}
    assert projection.unseen([full]) == ["source"]
    assert "source" in projection.warning([full]) and projection.warning([]) is None


def test_no_fields_means_every_key():
    full = {"id": "run-1", "status": "planning", "message": "m"}
    assert Projection(None).apply(full) is full and Projection([]).apply(full) is full


@pytest.mark.parametrize("name", ["", "created at", "status_timestamps.planning_at", "a/b"])
def test_a_field_that_cannot_be_a_key_is_refused(name):
    with pytest.raises(ValueError, match="invalid field name"):
        Projection([name])


# --- ending an ordered walk ----------------------------------------------------------------------


def pages_of(runs, size):
    def answer(seen):
        number = int(seen.query.get("page[number]", "1"))
        page = runs[(number - 1) * size:number * size]
        following = number + 1 if number * size < len(runs) else None
        return Reply(body={"data": page, "meta": {"pagination": {"current-page": number, "next-page": following}}})
    return answer


def client_for(server):
    limiter = RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000, sleep=lambda seconds: None)
    return TfeClient(server.url, "tok-Lq8Wz3Rn6Xv2Tb9Mc4Kp7", limiter=limiter, sleep=lambda seconds: None,
                     rng=random.Random(1))


def test_a_newest_first_list_ends_at_the_first_run_older_than_the_window(server):
    runs = [run(n, n * 10) for n in range(50)]  # one every ten minutes, newest first
    server.default = pages_of(runs, 5)
    after = NOW - timedelta(minutes=95)
    window = CreationWindow(after=after)
    pages = fetch_pages(client_for(server), "/api/v2/workspaces/ws-1/runs", page_size=5, select=window.contains,
                        stop=NewestFirst(after, 5))
    assert [item["id"] for item in pages.items] == ["run-%03d" % n for n in range(10)]
    assert pages.pages_fetched == 3 and len(server.requests) == 3  # page 3, all older, ends the walk
    assert pages.truncated is False and pages.stopped is None


def test_a_single_older_run_does_not_end_the_walk():
    after = NOW - timedelta(minutes=95)
    stop = NewestFirst(after, 3)
    assert [stop(run(n, minutes)) for n, minutes in enumerate((10, 100, 110, 120))] == [False, False, False, True]


def test_a_list_that_is_not_newest_first_is_read_to_its_end(server):
    runs = [run(n, n * 10) for n in range(20)]
    runs[4], runs[14] = runs[14], runs[4]  # an old run early, a new one later: the order is not trusted
    server.default = pages_of(runs, 5)
    after = NOW - timedelta(minutes=95)
    pages = fetch_pages(client_for(server), "/api/v2/workspaces/ws-1/runs", page_size=5,
                        select=CreationWindow(after=after).contains, stop=NewestFirst(after, 5))
    assert sorted(item["id"] for item in pages.items) == ["run-%03d" % n for n in range(10)]
    assert len(server.requests) == 4
