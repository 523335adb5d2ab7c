# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 1 (the API client) against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import os
import random
import re
import socket
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests

from ansible_collections.tfe.runs.plugins.module_utils import _client as _api
from ansible_collections.tfe.runs.plugins.module_utils._budget import RateLimiter
from ansible_collections.tfe.runs.plugins.module_utils._client import RetryPolicy, TfeClient, server_retry_delay
from ansible_collections.tfe.runs.plugins.module_utils._errors import TfeHttpError, TfeTransportError, strip_urls
from ansible_collections.tfe.runs.plugins.module_utils._jsonapi import api_path, site_url
from ansible_collections.tfe.runs.plugins.module_utils._pages import announced_pages, fetch_pages
from ansible_collections.tfe.runs.plugins.module_utils._version import COLLECTION_VERSION
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply, ScriptedServer

TOKEN = "tok-Vq3x9ZrL0pK7mN2wY8sT4uB6cD1eF5gH"
COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


class Sleeps(list):
    """Records requested sleeps instead of sleeping, and moves a virtual clock by them."""

    def __init__(self):
        super().__init__()
        self.now = 1000.0

    def __call__(self, seconds):
        self.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now


def make_client(server, sleeps=None, **kwargs):
    # The limiter's own waits (a 429's hold) are not what these tests measure: never really sleep.
    kwargs.setdefault("limiter", RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000, sleep=lambda seconds: None))
    sleeps = sleeps if sleeps is not None else Sleeps()
    kwargs.setdefault("clock", sleeps.clock)
    return TfeClient(server.url, TOKEN, sleep=sleeps, rng=random.Random(7), **kwargs)


# --- addresses and paths ---------------------------------------------------------------------


@pytest.mark.parametrize("address, expected", [
    ("tfe.example.com", "https://tfe.example.com"),
    ("https://tfe.example.com", "https://tfe.example.com"),
    ("https://tfe.example.com/", "https://tfe.example.com"),
    ("https://tfe.example.com/api/v2", "https://tfe.example.com"),
    ("https://tfe.example.com/api/v2/", "https://tfe.example.com"),
    ("https://TFE.Example.com:8443/api/v2", "https://tfe.example.com:8443"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    (None, "https://app.terraform.io"),
    ("", "https://app.terraform.io"),
])
def test_site_url_accepts_every_address_form(address, expected):
    assert site_url(address) == expected


@pytest.mark.parametrize("address", ["ftp://tfe.example.com", "https://", "https:///api/v2"])
def test_site_url_refuses_what_is_not_an_address(address):
    with pytest.raises(ValueError, match="not a TFE address"):
        site_url(address)


def test_api_path_encodes_each_segment_so_ids_cannot_change_the_route():
    assert api_path("runs", "run-abc") == "runs/run-abc"
    assert api_path("organizations", "my org", "workspaces", "a/b?c#d%") == \
        "organizations/my%20org/workspaces/a%2Fb%3Fc%23d%25"
    for bad in ("", ".", ".."):
        with pytest.raises(ValueError):
            api_path("runs", bad)


def test_user_agent_names_the_collection_version_which_matches_galaxy_yml(server):
    with open(os.path.join(COLLECTION_ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        galaxy_version = re.search(r"^version:\s*['\"]?([^'\"\s]+)", handle.read(), re.M).group(1)
    assert COLLECTION_VERSION == galaxy_version
    make_client(server).get("ping")
    assert "tfe.runs/" + COLLECTION_VERSION in server.requests[0].headers["User-Agent"]


# --- what is sent ----------------------------------------------------------------------------


def test_requests_carry_bearer_token_and_jsonapi_headers(server):
    client = make_client(server)
    client.post("runs", {"data": {"type": "runs"}})
    seen = server.requests[0]
    assert seen.path == "/api/v2/runs"
    assert seen.headers["Authorization"] == "Bearer " + TOKEN
    assert seen.headers["Content-Type"] == "application/vnd.api+json"
    assert seen.headers["Accept"] == "application/vnd.api+json"
    assert seen.body == b'{"data": {"type": "runs"}}'


def test_query_brackets_are_percent_encoded(server):
    make_client(server).get("admin/runs", {"filter[status]": "pending,planning", "page[size]": 5})
    assert server.requests[0].query == {"filter[status]": "pending,planning", "page[size]": "5"}


def test_netrc_entry_cannot_replace_the_token(server, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password other-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    make_client(server).get("ping")
    assert server.requests[0].headers["Authorization"] == "Bearer " + TOKEN


class RecordingAdapter(requests.adapters.HTTPAdapter):
    """Transport-level fake: records the keyword arguments requests passes down, answers 200."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def send(self, request, **kwargs):
        self.calls.append(kwargs)
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        response.request = request
        response.url = request.url
        return response


@pytest.mark.parametrize("validate_certs, ca_path, expected", [
    (False, None, False),
    (True, "/etc/tfe-ca.pem", "/etc/tfe-ca.pem"),
    (False, "/etc/tfe-ca.pem", "/etc/tfe-ca.pem"),
])
def test_verify_is_passed_explicitly_so_an_environment_bundle_cannot_override_it(
        monkeypatch, validate_certs, ca_path, expected):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/somewhere/else.pem")
    client = TfeClient("https://tfe.example.com", TOKEN, validate_certs=validate_certs, ca_path=ca_path)
    adapter = RecordingAdapter()
    client.session.mount("https://", adapter)
    client.get("ping")
    assert adapter.calls[0]["verify"] == expected
    assert adapter.calls[0]["timeout"] == (10.0, 30.0)


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("body, title, detail", [
    ({"errors": [{"status": "409", "title": "transition not allowed"}]}, "transition not allowed", ""),
    ({"errors": [{"status": 422, "title": "unprocessable entity", "detail": "Configuration version is missing"}]},
     "unprocessable entity", "Configuration version is missing"),
    ({"errors": ["something broke", "again"]}, "something broke", ""),
])
def test_jsonapi_error_documents_become_one_typed_error(server, body, title, detail):
    server.queue(Reply(status=422, body=body))
    with pytest.raises(TfeHttpError) as caught:
        make_client(server).post("runs", {})
    error = caught.value
    assert (error.status, error.title, error.detail, error.method, error.path) == \
        (422, title, detail, "POST", "/api/v2/runs")
    assert TOKEN not in str(error)


def test_html_page_from_a_proxy_is_summarised_without_tags_or_urls(server):
    page = b"<html><body><h1>Bad Gateway</h1><a href='https://proxy.internal/x?sig=secret'>help</a></body></html>"
    server.queue(Reply(status=502, raw=page, headers={"Content-Type": "text/html"}))
    with pytest.raises(TfeHttpError) as caught:
        make_client(server, retry=RetryPolicy(max_retries=0)).get("runs/run-1")
    message = str(caught.value)
    assert "502" in message and "Bad Gateway" in message and "text/html" in message
    assert "<h1>" not in message and "secret" not in message


UNUSABLE_BODIES = [(b'{"data": {"id": "run-1", "attrib', "not valid JSON"), (b"<html>oops</html>", "not valid JSON"),
                   (b"\x00\x01", "not valid JSON"), (b"", "answer is empty")]


@pytest.mark.parametrize("raw, complaint", UNUSABLE_BODIES)
def test_success_status_with_unusable_body_is_an_error_not_a_crash(server, raw, complaint):
    server.queue(Reply(status=200, raw=raw))
    with pytest.raises(TfeHttpError, match=complaint):
        make_client(server, retry=RetryPolicy(max_retries=0)).get("runs/run-1")


@pytest.mark.parametrize("raw, complaint", UNUSABLE_BODIES)
def test_a_read_answered_with_an_unusable_body_is_read_again(server, raw, complaint):
    server.queue(Reply(status=200, raw=raw), Reply(body={"data": {"id": "run-1"}}))
    assert make_client(server).get("runs/run-1") == {"data": {"id": "run-1"}}
    assert len(server.requests) == 2


def test_a_create_answered_with_an_unusable_body_is_not_repeated(server):
    # POST /runs may have created the run: only the caller, who can look for it, may decide.
    server.queue(Reply(status=201, raw=b'{"data": {"id": "run-'), Reply(status=201, body={"data": {"id": "run-2"}}))
    with pytest.raises(TfeHttpError) as caught:
        make_client(server).post("runs", {"data": {}})
    assert caught.value.status == 201 and len(server.requests) == 1


def test_empty_success_body_of_a_write_is_none(server):
    server.queue(Reply(status=202, raw=b""))
    assert make_client(server).post("runs/run-1/actions/apply", {"comment": "ok"}) is None


def test_a_server_echoing_the_token_never_gets_it_into_the_error(server):
    server.queue(Reply(status=401, body={"errors": [{"status": "401", "title": "unauthorized",
                                                     "detail": "token " + TOKEN + " is invalid"}]}))
    with pytest.raises(TfeHttpError) as caught:
        make_client(server).get("ping")
    assert TOKEN not in str(caught.value)
    assert "********" in str(caught.value)


# --- retries ---------------------------------------------------------------------------------

def rate_limited(**headers):
    return Reply(status=429, headers=headers, body={"errors": [{"status": 429, "title": "Too many requests"}]})


@pytest.mark.parametrize("headers, expected_sleep", [
    ({"Retry-After": "3"}, 3.0),
    ({"X-RateLimit-Reset": "0.75"}, 0.75),
    ({"Retry-After": "2", "X-RateLimit-Reset": "9"}, 2.0),
])
def test_429_honours_the_server_hint_for_any_method(server, headers, expected_sleep):
    server.queue(rate_limited(**headers), Reply(status=201, body={"data": {"id": "run-1"}}))
    sleeps = Sleeps()
    document = make_client(server, sleeps).post("runs", {"data": {}})
    assert document["data"]["id"] == "run-1"
    assert len(server.requests) == 2
    # The server's delay, plus up to a second of jitter so that clients told the same reset spread out.
    assert len(sleeps) == 1 and expected_sleep <= sleeps[0] <= expected_sleep + 1.0


def test_retry_after_as_http_date():
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    delay = server_retry_delay({"Retry-After": format_datetime(when, usegmt=True)})
    assert 28 <= delay <= 31


def test_429_without_hints_backs_off_exponentially_with_jitter(server):
    server.queue(rate_limited(), rate_limited(), rate_limited(), Reply(body={"data": []}))
    sleeps = Sleeps()
    make_client(server, sleeps).get("runs")
    assert len(sleeps) == 3
    for number, slept in enumerate(sleeps):
        assert 0.5 * 2 ** number <= slept <= 2 ** number + 1.0


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_for_get(server, status):
    server.queue(Reply(status=status), Reply(body={"data": {"id": "run-1"}}))
    assert make_client(server).get("runs/run-1")["data"]["id"] == "run-1"
    assert len(server.requests) == 2


def test_plain_500_is_not_retried(server):
    server.queue(Reply(status=500), Reply(body={}))
    with pytest.raises(TfeHttpError):
        make_client(server).get("runs/run-1")
    assert len(server.requests) == 1


def test_post_is_not_repeated_after_a_gateway_error_unless_marked_repeatable(server):
    server.queue(Reply(status=503))
    with pytest.raises(TfeHttpError) as caught:
        make_client(server).post("runs", {"data": {}})
    assert caught.value.status == 503 and len(server.requests) == 1
    server.queue(Reply(status=503), Reply(status=202, raw=b""))
    make_client(server).post("runs/run-1/actions/discard", {}, repeatable=True)
    assert len(server.requests) == 3


def test_dropped_connection_is_retried_for_get_but_is_ambiguous_for_post(server):
    server.queue(Reply(drop=True), Reply(body={"data": {"id": "run-1"}}))
    assert make_client(server).get("runs/run-1")["data"]["id"] == "run-1"
    server.queue(Reply(drop=True))
    before = len(server.requests)
    with pytest.raises(TfeTransportError) as caught:
        make_client(server).post("runs", {"data": {}})
    assert caught.value.maybe_processed is True
    assert len(server.requests) == before + 1


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_is_safe_to_retry_even_for_post():
    sleeps = Sleeps()
    client = TfeClient("http://127.0.0.1:{0}".format(closed_port()), TOKEN, sleep=sleeps,
                       retry=RetryPolicy(max_retries=2), rng=random.Random(1))
    with pytest.raises(TfeTransportError) as caught:
        client.post("runs", {"data": {}})
    error = caught.value
    assert error.maybe_processed is False and error.reason == "connect"
    assert error.attempts == 3 and len(sleeps) == 2
    assert "127.0.0.1" not in str(error).split(": ", 1)[0]


def test_read_timeout_is_ambiguous(server):
    gate = threading.Event()
    server.default = lambda request: (gate.wait(5), Reply(body={}))[1]
    client = make_client(server, timeout=0.3, retry=RetryPolicy(max_retries=0))
    with pytest.raises(TfeTransportError) as caught:
        client.post("runs", {"data": {}})
    gate.set()
    assert caught.value.reason == "timeout" and caught.value.maybe_processed is True


def test_retries_stop_at_max_retries(server):
    server.default = lambda request: Reply(status=503)
    with pytest.raises(TfeHttpError) as caught:
        make_client(server, retry=RetryPolicy(max_retries=3)).get("runs/run-1")
    assert len(server.requests) == 4 and caught.value.attempts == 4
    assert "after 4 attempts" in str(caught.value)


def test_total_sleep_of_server_errors_is_capped(server):
    server.default = lambda request: Reply(status=503, headers={"Retry-After": "50"})
    sleeps = Sleeps()
    with pytest.raises(TfeHttpError) as caught:
        make_client(server, sleeps, retry=RetryPolicy(max_retries=10, max_total_sleep=20)).get("runs")
    assert sum(sleeps) <= 20 and caught.value.status == 503


def test_a_429_is_retried_for_the_patience_not_a_count(server):
    """A 429 was not processed: retried as long as the task has time, never failed after N tries."""
    server.default = lambda request: rate_limited(**{"Retry-After": "50"})
    sleeps = Sleeps()
    with pytest.raises(TfeHttpError) as caught:
        make_client(server, sleeps, retry=RetryPolicy(max_retries=1, patience=300)).get("runs")
    assert len(sleeps) == 5 and all(50 <= slept <= 51 for slept in sleeps) and sum(sleeps) < 300
    assert caught.value.status == 429 and caught.value.retry_after == 50 and caught.value.attempts == 6
    server.default = lambda request: rate_limited(**{"Retry-After": "1"})
    server.queue(*[rate_limited(**{"Retry-After": "1"}) for dummy in range(20)], Reply(body={"data": []}))
    assert make_client(server, retry=RetryPolicy(max_retries=1)).get("runs") == {"data": []}


def test_a_429_while_waiting_is_retried_up_to_the_wait_deadline(server):
    server.default = lambda request: rate_limited(**{"X-RateLimit-Reset": "10"})
    sleeps = Sleeps()
    with pytest.raises(TfeHttpError):
        make_client(server, sleeps, retry=RetryPolicy(patience=5)).get("runs/run-1", deadline=sleeps.now + 100)
    assert len(sleeps) == 9 and sleeps.now <= 1100  # past the patience, never past the deadline


def test_no_sleep_runs_past_the_callers_deadline(server):
    server.default = lambda request: rate_limited(**{"Retry-After": "20"})
    clock = [1000.0]
    sleeps = Sleeps()
    client = make_client(server, sleeps, clock=lambda: clock[0])
    with pytest.raises(TfeHttpError):
        client.get("runs", deadline=1010.0)
    assert sleeps == [] and len(server.requests) == 1


# --- redirects and blobs ---------------------------------------------------------------------


def test_post_never_follows_a_redirect(server):
    server.queue(Reply(status=307, headers={"Location": "/api/v2/elsewhere"}))
    with pytest.raises(TfeHttpError) as caught:
        make_client(server).post("runs", {"data": {}})
    assert caught.value.status == 307
    assert [r.path for r in server.requests] == ["/api/v2/runs"]


def test_get_redirect_to_another_host_does_not_carry_the_token(server):
    other = ScriptedServer().start()
    try:
        target = other.url.replace("127.0.0.1", "localhost") + "/file"
        server.queue(Reply(status=307, headers={"Location": target}))
        make_client(server).get("runs/run-1/plan/json-output")
        assert "Authorization" not in other.requests[0].headers
    finally:
        other.stop()


def test_blob_tail_is_fetched_without_the_token(server):
    log = b"\x02" + b"".join(b"line %d\n" % n for n in range(1000)) + b"\x03"
    server.queue(Reply(raw=log, headers={"Content-Type": "text/plain"}))
    tail = make_client(server).fetch_blob_tail(server.url + "/_archivist/v1/object/secret", max_bytes=64)
    assert tail.endswith(b"line 999\n\x03") and len(tail) == 64
    assert "Authorization" not in server.requests[0].headers


def test_absolute_urls_are_refused_as_api_paths(server):
    with pytest.raises(ValueError):
        make_client(server).get("https://evil.example.com/api/v2/runs")


def test_transport_error_text_strips_urls():
    error = _api.transport_error(requests.exceptions.ConnectionError(
        "HTTPSConnectionPool: Max retries exceeded with url: https://archivist.example/v1/object/SECRET"), "GET", "<log>")
    assert "SECRET" not in str(error) and "<url>" in str(error)


# --- pagination ------------------------------------------------------------------------------


def page(items, current, **pagination):
    meta = dict(pagination)
    meta["current-page"] = current
    return {"data": [{"id": "run-%d" % n} for n in items], "meta": {"pagination": meta},
            "links": {"next": "https://elsewhere.invalid/never-used"}}


def pages(*documents):
    return [Reply(body=document) for document in documents]


def fetched_ids(server, path, params=None, page_size=2):
    return [item["id"] for item in fetch_pages(make_client(server), path, params, page_size=page_size).items]


def test_pages_follow_next_page_numbers_not_links(server):
    server.queue(*pages(page([1, 2], 1, **{"next-page": 2, "total-pages": 3}),
                        page([3, 4], 2, **{"next-page": 3, "total-pages": 3}),
                        page([5], 3, **{"next-page": None, "total-pages": 3})))
    assert fetched_ids(server, "admin/runs", {"q": "x"}) == ["run-1", "run-2", "run-3", "run-4", "run-5"]
    assert [r.query["page[number]"] for r in server.requests] == ["1", "2", "3"]
    assert all(r.query["page[size]"] == "2" and r.query["q"] == "x" for r in server.requests)


def test_endpoints_without_totals_end_on_a_short_or_empty_page(server):
    server.queue(*pages(page([1, 2], 1), page([3], 2)))
    assert len(fetched_ids(server, "organizations/o/runs")) == 3
    server.queue(*pages(page([1, 2], 1), page([], 2)))
    assert len(fetched_ids(server, "organizations/o/runs")) == 2


def test_page_size_is_clamped_to_the_api_maximum(server):
    make_client(server).get_page("admin/runs", None, 1, 500)
    assert server.requests[0].query["page[size]"] == "100"


@pytest.mark.parametrize("document, expected", [
    ({"data": []}, None),
    (page([1], 1, **{"total-pages": 4}), 4),
    (page([1], 1, **{"total-count": 7, "page-size": 2}), 4),
    (page([1], 3, **{"next-page": None}), 3),
    ({"data": [{"id": "run-1"}], "meta": {"pagination": "nonsense"}}, None),
])
def test_announced_pages_reads_every_form_of_total(document, expected):
    assert announced_pages(document, 2) == expected


# --- client-side rate limit --------------------------------------------------------------------


def test_limiter_allows_a_burst_then_spaces_requests():
    limiter = RateLimiter(rate=10, burst=3, clock=lambda: 0.0, sleep=lambda s: None)
    waits = [limiter.acquire() for dummy in range(6)]
    assert waits == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3])


def test_limiter_is_thread_safe():
    limiter = RateLimiter(rate=20, burst=5, clock=lambda: 0.0, sleep=lambda s: None)
    waits = []
    lock = threading.Lock()

    def worker():
        for dummy in range(25):
            wait = limiter.acquire()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # What one caller alone is given for 200 requests: racing threads must lose no update of the budget.
    alone = RateLimiter(rate=20, burst=5, clock=lambda: 0.0, sleep=lambda s: None)
    expected = [alone.acquire() for dummy in range(200)]
    assert expected[:5] == [0.0] * 5 and expected[5] > 0.0 and expected == sorted(expected)
    assert sorted(waits) == pytest.approx(expected)


def test_limiter_hold_delays_every_caller():
    now = [0.0]
    limiter = RateLimiter(rate=100, burst=100, clock=lambda: now[0], sleep=lambda s: None)
    limiter.hold(2.5)
    assert limiter.acquire() == pytest.approx(2.5)


def test_default_limit_stays_under_thirty_requests_in_any_second():
    limiter = RateLimiter()
    assert limiter.rate + limiter.burst <= 30


def test_urllib3_error_texts_lose_the_path_that_may_hold_a_log_secret():
    text = ("HTTPConnectionPool(host='127.0.0.1', port=80): Max retries exceeded with url: "
            "/_archivist/v1/object/dmF1bHQ6djE6c2VjcmV0 (Caused by ProtocolError('Connection aborted.'))")
    cleaned = strip_urls(text)
    assert "dmF1bHQ6djE6c2VjcmV0" not in cleaned and "with url: <url> (Caused by" in cleaned


def test_an_error_page_echoing_the_token_is_cut_after_masking_so_no_half_token_escapes(server):
    page = "<html><pre>" + "x" * 150 + "Authorization: Bearer " + TOKEN + "</pre></html>"
    server.queue(Reply(status=500, raw=page.encode(), headers={"Content-Type": "text/html"}))
    with pytest.raises(TfeHttpError) as caught:
        make_client(server).get("runs/run-1")
    message = str(caught.value) + caught.value.detail
    assert not any(TOKEN[start:start + 12] in message for start in range(0, len(TOKEN) - 12))
