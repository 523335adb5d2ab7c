# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The concurrent pager (layer 1) and the admin runs domain (layer 2) against a real HTTP server."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.tfe.runs.plugins.module_utils._admin import (
    AdminRunSearch, admin_run_result, build_search, read_admin_runs, undocumented_filter_statuses)
from ansible_collections.tfe.runs.plugins.module_utils._budget import RateLimiter
from ansible_collections.tfe.runs.plugins.module_utils._client import TfeClient
from ansible_collections.tfe.runs.plugins.module_utils._errors import TfeHttpError
from ansible_collections.tfe.runs.plugins.module_utils._pages import fetch_pages
from ansible_collections.tfe.runs.plugins.module_utils._timestamps import parse_created_time, rfc3339
from ansible_collections.tfe.runs.tests.unit.plugins.modules.admin_runs_api import (
    START, AdminRunsApi, FakeRun, make_runs, too_many_requests)
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

TOKEN = "tok-admin-Wq4Lz8Rn2Xv6Tb1Mc9Kp3Hs7Jd5"
NOW = datetime(2025, 6, 2, 12, 0, 0, tzinfo=timezone.utc)


def make_client(server):
    return TfeClient(server.url, TOKEN, limiter=RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000, sleep=lambda seconds: None),
                     sleep=lambda seconds: None, rng=random.Random(3))


def serve(server, runs, **kwargs):
    api = AdminRunsApi(runs, **kwargs)
    server.default = api
    return api


def ids(items):
    return [item["id"] for item in items]


def page_numbers(server):
    return sorted(int(request.query["page[number]"]) for request in server.requests)


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("2h", NOW - timedelta(hours=2)),
    ("30m", NOW - timedelta(minutes=30)),
    ("3d", NOW - timedelta(days=3)),
    ("1w", NOW - timedelta(weeks=1)),
    ("45s", NOW - timedelta(seconds=45)),
    (" 2H ", NOW - timedelta(hours=2)),
    ("2025-01-31T09:00:00Z", datetime(2025, 1, 31, 9, tzinfo=timezone.utc)),
    ("2025-01-31T10:00:00+01:00", datetime(2025, 1, 31, 9, tzinfo=timezone.utc)),
    ("2025-01-31T09:00:00", datetime(2025, 1, 31, 9, tzinfo=timezone.utc)),
    ("2025-01-31T09:00:00.123456789Z", datetime(2025, 1, 31, 9, tzinfo=timezone.utc)),
    ("2025-01-31", datetime(2025, 1, 31, tzinfo=timezone.utc)),
])
def test_created_times_accept_relative_ages_and_iso_8601_with_utc_by_default(text, expected):
    assert parse_created_time(text, NOW, "created_after") == expected


def test_relative_ages_count_back_from_now_in_whole_seconds():
    now = datetime(2025, 6, 2, 12, 0, 0, 987654, tzinfo=timezone.utc)
    assert parse_created_time("2h", now) == datetime(2025, 6, 2, 10, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["yesterday", "2 hours", "-2h", "2y", "h2", "31/01/2025", "2025-13-01"])
def test_unreadable_created_times_name_the_option_and_the_accepted_forms(text):
    with pytest.raises(ValueError) as caught:
        parse_created_time(text, NOW, "created_before")
    message = str(caught.value)
    assert "created_before" in message and text in message and "ISO 8601" in message and "2h" in message


def test_times_are_sent_as_rfc3339_utc():
    assert rfc3339(datetime(2025, 1, 31, 10, 0, tzinfo=timezone(timedelta(hours=1)))) == "2025-01-31T09:00:00Z"


def test_search_parameters():
    search = build_search(query="acme", statuses=["planning", "pending"], created_after="2025-06-01T00:00:00+02:00",
                          created_before="2h", now=NOW)
    assert search.params() == {
        "include": "workspace,workspace.organization", "q": "acme", "filter[status]": "planning,pending",
        "filter[from]": "2025-05-31T22:00:00Z", "filter[to]": "2025-06-02T10:00:00Z"}
    assert build_search(now=NOW).params() == {"include": "workspace,workspace.organization"}
    assert build_search(query="acme", run_id=" run-abc ", now=NOW).params()["q"] == "run-abc"


def test_an_empty_date_window_is_refused():
    with pytest.raises(ValueError, match="created_after .* is later than created_before"):
        build_search(created_after="1h", created_before="2h", now=NOW)


# --- statuses ------------------------------------------------------------------------------------


def test_statuses_outside_the_documented_admin_filter_are_pointed_out():
    requested = ["planning", "fetching", "planned_and_saved"]
    assert undocumented_filter_statuses(requested) == ["fetching", "planned_and_saved"]


# --- the concurrent pager ------------------------------------------------------------------------


def test_all_pages_come_back_in_order_even_when_answered_out_of_order(server):
    runs = make_runs(10)
    api = serve(server, runs)
    page_four_seen = threading.Event()
    out_of_order = []

    def hold_page_two_until_page_four(number, attempt):
        if number == 4:
            page_four_seen.set()
        elif number == 2:
            out_of_order.append(page_four_seen.wait(10))
        return None

    api.intercept = hold_page_two_until_page_four
    pages = fetch_pages(make_client(server), "admin/runs", {"include": "workspace"}, page_size=3, workers=4)
    assert out_of_order == [True]  # pages 2-4 were in flight together and page 4 was answered first
    assert ids(pages.items) == [run.id for run in runs]
    assert pages.pages_fetched == 4 and pages.truncated is False
    assert page_numbers(server) == [1, 2, 3, 4]
    assert all(request.query["page[size]"] == "3" for request in server.requests)
    assert ("workspaces", "ws-acme-ws0") in pages.included and ("organizations", "globex") in pages.included


def test_partial_last_page_and_single_page(server):
    serve(server, make_runs(7))
    pages = fetch_pages(make_client(server), "admin/runs", page_size=5)
    assert len(pages.items) == 7 and pages.pages_fetched == 2
    server.requests.clear()
    serve(server, make_runs(5))
    pages = fetch_pages(make_client(server), "admin/runs", page_size=5)
    assert len(pages.items) == 5 and page_numbers(server) == [1]


def test_empty_list_costs_one_request(server):
    serve(server, [])
    pages = fetch_pages(make_client(server), "admin/runs", page_size=5)
    assert pages.items == [] and pages.pages_fetched == 1 and pages.truncated is False
    assert pages.first_page["meta"]["pagination"]["total-count"] == 0


def test_a_page_past_the_end_ends_the_listing_without_an_error(server):
    api = serve(server, make_runs(9))
    # The list shrank after page 1 announced three pages: page 3 no longer exists.
    api.intercept = lambda number, attempt: Reply(body={"data": [], "meta": {"pagination": {
        "current-page": 3, "total-pages": 2, "total-count": 6}}}) if number == 3 else None
    pages = fetch_pages(make_client(server), "admin/runs", page_size=3)
    assert ids(pages.items) == ["run-%05d" % n for n in range(6)]
    assert pages.pages_fetched == 3 and pages.truncated is False


def test_a_list_that_grows_while_paging_yields_every_run_once(server):
    runs = make_runs(12)
    api = serve(server, runs)

    def new_run_after_page_one(number):
        if number == 1:
            runs.insert(0, FakeRun("run-new", "pending", START + timedelta(minutes=1)))

    api.after_page = new_run_after_page_one
    pages = fetch_pages(make_client(server), "admin/runs", page_size=3)
    # Page 2 repeats run-00002 (pushed down by the new run) and a fifth page appears for run-00011.
    assert ids(pages.items) == ["run-%05d" % n for n in range(12)]
    assert page_numbers(server) == [1, 2, 3, 4, 5]


def test_limit_stops_early_and_says_the_list_was_truncated(server):
    serve(server, make_runs(10))
    pages = fetch_pages(make_client(server), "admin/runs", page_size=2, limit=5)
    assert ids(pages.items) == ["run-%05d" % n for n in range(5)]
    assert pages.truncated is True and page_numbers(server) == [1, 2, 3]


def test_limit_at_or_above_the_total_is_not_truncation(server):
    serve(server, make_runs(10))
    pages = fetch_pages(make_client(server), "admin/runs", page_size=5, limit=10)
    assert len(pages.items) == 10 and pages.truncated is False
    server.requests.clear()
    pages = fetch_pages(make_client(server), "admin/runs", page_size=5, limit=50)
    assert len(pages.items) == 10 and pages.truncated is False and page_numbers(server) == [1, 2]


def test_limit_zero_is_one_request_for_the_counts(server):
    serve(server, make_runs(10))
    pages = fetch_pages(make_client(server), "admin/runs", page_size=100, limit=0)
    assert pages.items == [] and pages.truncated is True
    assert len(server.requests) == 1 and server.requests[0].query["page[size]"] == "1"
    assert pages.first_page["meta"]["pagination"]["total-count"] == 10


def test_select_drops_items_before_limit_counts_them(server):
    serve(server, make_runs(20))
    pages = fetch_pages(make_client(server), "admin/runs", page_size=4, limit=3,
                        select=lambda item: item["attributes"]["status"] == "errored")
    # errored is every fifth run: run-00002, run-00007, run-00012 (pages 1, 2 and 4).
    assert ids(pages.items) == ["run-00002", "run-00007", "run-00012"]
    assert pages.truncated is True


def test_a_429_in_the_middle_of_the_listing_is_retried_and_the_listing_completes(server):
    api = serve(server, make_runs(25))
    api.intercept = lambda number, attempt: too_many_requests() if number == 3 and attempt == 1 else None
    pages = fetch_pages(make_client(server), "admin/runs", page_size=5)
    assert ids(pages.items) == ["run-%05d" % n for n in range(25)]
    assert pages.pages_fetched == 5
    assert page_numbers(server) == [1, 2, 3, 3, 4, 5]


def test_a_page_that_keeps_failing_fails_the_listing(server):
    api = serve(server, make_runs(25))
    api.intercept = lambda number, attempt: Reply(
        status=500, body={"errors": [{"status": "500", "title": "internal error"}]}) if number == 4 else None
    with pytest.raises(TfeHttpError) as caught:
        fetch_pages(make_client(server), "admin/runs", page_size=5)
    assert caught.value.status == 500


def test_endpoints_without_totals_are_walked_one_page_after_the_other(server):
    def page(number):
        data = [{"id": "run-%d" % n} for n in range(3 * (number - 1), min(3 * number, 7))]
        return Reply(body={"data": data, "meta": {"pagination": {"current-page": number}}})

    server.default = lambda seen: page(int(seen.query["page[number]"]))
    pages = fetch_pages(make_client(server), "organizations/acme/runs", page_size=3)
    assert ids(pages.items) == ["run-%d" % n for n in range(7)]
    assert [int(r.query["page[number]"]) for r in server.requests] == [1, 2, 3]


def test_negative_limit_is_refused(server):
    with pytest.raises(ValueError):
        fetch_pages(make_client(server), "admin/runs", limit=-1)
    assert server.requests == []


# --- listing admin runs --------------------------------------------------------------------------


def read(client, search, **kwargs):
    """The listing with its runs in the result shape the module returns."""
    listing = read_admin_runs(client, search, **kwargs)
    listing.runs = [admin_run_result(run, listing.included, client.site_url) for run in listing.runs]
    return listing


def test_each_run_carries_its_workspace_and_web_url(server):
    serve(server, make_runs(4))
    listing = read(make_client(server), AdminRunSearch(), page_size=2)
    first = listing.runs[0]
    assert first["id"] == "run-00000" and first["status"] == "applied" and first["has_changes"] is True
    assert first["created_at"] == "2025-06-02T12:00:00.000Z"
    assert first["status_timestamps"] == {"plan_queueable_at": "2025-06-02T12:00:00.000Z"}
    assert first["workspace"] == {"id": "ws-acme-ws0", "name": "ws0", "organization": "acme"}
    assert first["web_url"] == server.url + "/app/acme/workspaces/ws0/runs/run-00000"
    assert listing.runs[1]["workspace"] == {"id": "ws-globex-ws1", "name": "ws1", "organization": "globex"}
    assert server.requests[0].query["include"] == "workspace,workspace.organization"


def test_counts_are_the_apis_with_snake_case_keys(server):
    serve(server, make_runs(10))
    listing = read(make_client(server), build_search(statuses=["planning"], now=NOW), limit=1)
    assert listing.total_count == 2  # run-00001 and run-00006
    assert listing.status_counts["policy_checked"] == 2 and listing.status_counts["total"] == 10
    assert "policy-checked" not in listing.status_counts
    assert listing.truncated is True and len(listing.runs) == 1


def test_date_window_is_applied_here_when_the_installation_ignores_it(server):
    serve(server, make_runs(10), honour_dates=False)
    search = build_search(created_after="2025-06-02T11:53:00Z", created_before="2025-06-02T11:56:00", now=NOW)
    listing = read(make_client(server), search, page_size=3)
    assert ids(listing.runs) == ["run-00004", "run-00005", "run-00006", "run-00007"]
    assert server.requests[0].query["filter[from]"] == "2025-06-02T11:53:00Z"
    # The server counted all ten runs; the counts describe what was returned instead.
    assert listing.total_count == 4 and listing.status_counts["total"] == 4
    assert listing.status_counts["policy_checked"] == 1 and listing.status_counts["errored"] == 1
    assert listing.status_counts["pending"] == 0  # a key the API reported stays, at zero
    # The result is exact; the one warning tells the user the installation ignores the window.
    assert len(listing.warnings) == 1 and "ignored the created_after/created_before" in listing.warnings[0]


def test_ignored_date_window_with_a_limit_keeps_server_counts_and_warns(server):
    serve(server, make_runs(10), honour_dates=False)
    search = build_search(created_before="2025-06-02T11:56:00Z", now=NOW)
    listing = read(make_client(server), search, page_size=3, limit=2)
    assert ids(listing.runs) == ["run-00004", "run-00005"]
    assert listing.total_count == 10 and listing.truncated is True
    assert "ignored the created_after/created_before" in listing.warnings[0]


def test_honoured_date_window_keeps_the_server_counts(server):
    serve(server, make_runs(10))
    listing = read(make_client(server), build_search(created_after="5m", now=NOW), page_size=3)
    assert ids(listing.runs) == ["run-%05d" % n for n in range(6)]
    assert listing.total_count == 6 and listing.warnings == []


def test_run_id_returns_only_the_exact_run(server):
    serve(server, make_runs(30))
    listing = read(make_client(server), build_search(run_id="run-00001", now=NOW))
    # q=run-00001 also matches run-00010 ... run-00019 on the server.
    assert ids(listing.runs) == ["run-00001"]
    assert listing.total_count == 1 and listing.status_counts["total"] == 1
    assert listing.status_counts["planning"] == 1
    assert server.requests[0].query["q"] == "run-00001"
    assert read(make_client(server), build_search(run_id="run-99999", now=NOW)).runs == []
