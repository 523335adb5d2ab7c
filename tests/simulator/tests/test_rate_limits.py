"""The installation's rate limits (contract 7.2): ``api_rate_limit_per_second`` on every /api/v2/
request and ``run_list_rate_limit_per_minute`` on the run lists, per user (not per token), with
refused requests counted or not, on the wall or the simulator clock; ``/_sim/stats`` counts the 429s.

Windows slide with ``advance_clock`` (``rate_limit_clock: simulator``); a burst that must fit in
one real second runs under :func:`in_one_window`, which retries a burst that a slow machine spread
over more than a window instead of asserting on it. Two tests sleep: requests that arrive apart while
the simulator is busy must count as apart as they arrived.
"""
from __future__ import annotations

import re
import socket
import threading
import time
from typing import Callable, List, TypeVar

import pytest
import requests
from conftest import SEED, Api, error_of
from tfesim import SeedError, Simulator
from tfesim.ratelimit import SlidingWindowLimiter
from tfesim.__main__ import _apply_flags, main, parse_args

MANUAL = "ws-Manual0000000001"
LIST = "/api/v2/workspaces/%s/runs" % MANUAL
ORG_LIST = "/api/v2/organizations/acme/runs"
PING = "/api/v2/ping"
T = TypeVar("T")


def control(sim, method, path, body=None):
    """Call a /_sim/ endpoint (no token) and return the response."""
    return requests.request(method, sim.url + "/_sim/" + path, json=body, timeout=10)


def in_one_window(sim: Simulator, burst: Callable[[], T], seconds: float = 0.9, attempts: int = 5) -> T:
    """Run ``burst`` and return its result if it took less than ``seconds`` of real time (so every request
    fell in one 1-second window); otherwise forget the counted requests and try again."""
    for _attempt in range(attempts):
        start = time.monotonic()
        result = burst()
        if time.monotonic() - start < seconds:
            return result
        sim.backend.rate_limits.reset()
    raise AssertionError("this machine cannot fit the burst in %s s" % seconds)


def codes(api: Api, path: str, count: int) -> List[int]:
    """Status codes of ``count`` GETs of ``path``."""
    return [api.get(path).status_code for _request in range(count)]


# -- knobs -----------------------------------------------------------------------------------

def test_rate_limit_knobs_default_off(sim, api):
    """Off by default (tests that poll a lot are not throttled); refusals count and the wall clock rules;
    ping's X-RateLimit-Limit names the enforced per-second limit once there is one."""
    knobs = sim.installation()
    assert (knobs["api_rate_limit_per_second"], knobs["run_list_rate_limit_per_minute"]) == (0, 0)
    assert (knobs["rate_limit_counts_rejected"], knobs["rate_limit_clock"]) == (True, "wall")
    assert set(codes(api, PING, 100)) == {200}
    assert api.get(PING).headers["X-RateLimit-Limit"] == "30"  # TFE's default, announced by ping
    sim.set_installation(api_rate_limit_per_second=45)
    assert api.get(PING).headers["X-RateLimit-Limit"] == "45"  # the enforced limit


@pytest.mark.parametrize("knob, value", [
    ("api_rate_limit_per_second", -1), ("api_rate_limit_per_second", 1.5), ("api_rate_limit_per_second", True),
    ("rate_limit_counts_rejected", "yes"), ("rate_limit_clock", "sundial"), ("run_list_rate_limit_per_minute", -3),
])
def test_bad_rate_limit_values_are_422(sim, knob, value):
    """PATCH /_sim/installation refuses them, naming the knob."""
    response = control(sim, "PATCH", "installation", {knob: value})
    assert response.status_code == 422 and knob in response.json()["errors"][0]["detail"]


def test_rate_limit_knobs_from_seed_and_command_line():
    """The seed's installation section and --installation set them; --token ROLE:KIND:ORGS:USER names a user."""
    seed = dict(SEED, installation={"api_rate_limit_per_second": 30, "rate_limit_clock": "simulator"})
    with Simulator(seed=seed) as sim:
        assert sim.installation()["api_rate_limit_per_second"] == 30
        assert control(sim, "PATCH", "installation", {"rate_limit_counts_rejected": False}).status_code == 200
        assert sim.installation()["rate_limit_counts_rejected"] is False
    with pytest.raises(SeedError, match="seed installation: rate_limit_clock must be one of wall, simulator"):
        Simulator(seed=dict(SEED, installation={"rate_limit_clock": "sundial"}))
    args = parse_args(["--empty", "--organization", "acme", "--installation", "api_rate_limit_per_second=30",
                       "--installation", "rate_limit_counts_rejected=false", "--token", "ci:user:acme:alice",
                       "--token", "laptop:site_admin::alice", "--token", "bob:user:acme"])
    cli = Simulator(seed={})
    _apply_flags(cli, args)
    assert (cli.installation()["api_rate_limit_per_second"], cli.installation()["rate_limit_counts_rejected"]) \
        == (30, False)
    principals = cli.backend.world.principals_by_role
    assert principals["ci"].identity == principals["laptop"].identity != principals["bob"].identity
    assert main(["--empty", "--installation", "api_rate_limit_per_second=-1"]) == 2


# -- 30 per second on every /api/v2/ request -------------------------------------------------

def test_per_second_limit_answers_429(sim, api):
    """Beyond the limit: 429, JSON:API "Too many requests" with the documented detail, X-RateLimit-Limit and
    X-RateLimit-Reset (seconds until a slot frees, 3 decimals); any /api/v2/ path counts."""
    run_id = api.new_run(MANUAL)
    sim.set_installation(api_rate_limit_per_second=30, rate_limit_clock="simulator")  # windows start afresh

    def burst():
        return codes(api, PING, 10) + codes(api, "/api/v2/runs/" + run_id, 19) + codes(api, LIST, 1), api.get(PING)

    answered, limited = in_one_window(sim, burst)
    assert answered == [200] * 30
    assert limited.status_code == 429
    error = error_of(limited)
    assert (error["title"], error["detail"]) == ("Too many requests", "You have exceeded the API's rate limit.")
    assert limited.headers["X-RateLimit-Limit"] == "30"
    reset = limited.headers["X-RateLimit-Reset"]
    assert len(reset.partition(".")[2]) == 3 and 0 < float(reset) <= 1.0
    assert "Retry-After" not in limited.headers
    sim.advance_clock(1.0)
    assert api.get(PING).status_code == 200


def test_per_second_limit_spares_control_discovery_and_blobs(sim, api):
    """/_sim/, /.well-known/ and the blob host /_archivist/ are never limited (nor counted)."""
    run_id = sim.create_runs("acme/manual", status="applied")[0]
    log_url = api.get("/api/v2/runs/%s/plan" % run_id).json()["data"]["attributes"]["log-read-url"]
    sim.set_installation(api_rate_limit_per_second=1, rate_limit_clock="simulator")

    def burst():
        first = api.get(PING).status_code
        others = [requests.get(log_url, timeout=10).status_code, control(sim, "GET", "clock").status_code,
                  api.get("/.well-known/terraform.json").status_code]
        return first, others * 5, api.get(PING).status_code

    first, others, last = in_one_window(sim, burst)
    assert (first, set(others), last) == (200, {200}, 429)


def test_per_second_limit_is_on_the_wall_clock_by_default(sim, api):
    """rate_limit_clock wall: advancing the simulator clock frees nothing (a real-time client must wait)."""
    sim.set_installation(api_rate_limit_per_second=5)

    def burst():
        before = codes(api, PING, 6)
        sim.advance_clock(120)
        return before, api.get(PING).status_code

    assert in_one_window(sim, burst) == ([200] * 5 + [429], 429)


def test_requests_count_when_they_arrived_not_when_a_busy_simulator_serves_them(sim):
    """A TFE counts requests at its edge: two requests 1.5 s apart fit a limit of 1 a second even when
    the simulator serves them together (here: held up behind the state lock, as a CPU-starved
    simulator's threads are), instead of refusing the second as if they had come at once."""
    sim.set_installation(api_rate_limit_per_second=1)
    clients = [Api(sim), Api(sim)]
    answers: List[int] = []

    def send(client: Api) -> None:
        answers.append(client.get(PING).status_code)

    senders = [threading.Thread(target=send, args=(client,)) for client in clients]
    with sim.backend.world.lock:
        senders[0].start()
        time.sleep(1.5)
        senders[1].start()
        time.sleep(0.3)  # both wait for the lock now
    for sender in senders:
        sender.join(10)
    assert answers == [200, 200]


def test_a_request_read_late_counts_when_its_bytes_arrived(sim):
    """The kernel's receive stamp, not the read, places a request: on one keep-alive connection, a
    request sent 0.5 s after one that the simulator is still serving (held here behind the state
    lock) is read only when that one is done, 1.5 s later, yet a limit of 1 a second refuses it, as
    a TFE that saw both arrive 0.5 s apart does."""
    sim.set_installation(api_rate_limit_per_second=1)
    request = "GET %s HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer %s\r\n" % (PING, sim.tokens["admin"])
    with socket.create_connection((sim.host, sim.port), timeout=10) as connection:
        with sim.backend.world.lock:
            connection.sendall((request + "\r\n").encode())
            time.sleep(0.5)
            connection.sendall((request + "Connection: close\r\n\r\n").encode())
            time.sleep(1.5)
        answers = b""
        while chunk := connection.recv(65536):
            answers += chunk
    assert re.findall(rb"HTTP/1.1 (\d{3}) ", answers) == [b"200", b"429"]


def test_a_request_counted_late_sees_only_those_that_arrived_before_it():
    """Out-of-order counting: each request's window ends when it arrived, and a later request's
    check does not forget hits that a request counted late still needs."""
    limiter = SlidingWindowLimiter(1.0)
    limiter.record("user", 10.5)
    assert limiter.retry_in("user", 1, 10.2) is None  # it arrived before the one already counted
    limiter.record("user", 10.2)
    assert limiter.retry_in("user", 2, 10.6) == pytest.approx(0.6)  # both in (9.6, 10.6]; 10.2 leaves first
    assert limiter.retry_in("user", 1, 11.3) == pytest.approx(0.2)  # 10.2 has left; 10.5 leaves at 11.5
    assert limiter.retry_in("user", 1, 10.4) == pytest.approx(0.8)  # counted late, it still sees 10.2


def test_per_user_not_per_token(sim, api):
    """Two tokens of one user share one budget; another user, an organization token and unauthenticated
    requests (per client address) each have their own (contract 7.2: several tokens don't multiply it)."""
    sim.add_token("alice-ci", "user", ["acme"], user="alice")
    sim.add_token("alice-laptop", "user", ["acme"], user="alice")
    sim.set_installation(api_rate_limit_per_second=4, rate_limit_clock="simulator")
    alice_ci, alice_laptop = Api(sim, "alice-ci"), Api(sim, "alice-laptop")

    def burst():
        shared = codes(alice_ci, PING, 2) + codes(alice_laptop, PING, 2) + codes(alice_ci, PING, 1) \
            + codes(alice_laptop, PING, 1)
        others = [codes(Api(sim, role), PING, 4) for role in ("user", "admin", "org")]
        anonymous = codes(Api(sim, None), PING, 4) + [Api(sim, None).get(PING, headers={
            "Authorization": "Bearer not-a-token"}).status_code]
        return shared, others, anonymous

    shared, others, anonymous = in_one_window(sim, burst)
    assert shared == [200] * 4 + [429, 429]
    assert others == [[200] * 4] * 3
    assert anonymous == [200] * 4 + [429]  # an unknown token counts as its client address


def test_tokens_of_one_user_act_as_that_user(sim, api):
    """A token naming an existing user (here the seed's role-named ``user``) is that user: same created-by."""
    sim.add_token("user-2", "user", ["acme"], user="user")
    first, second = Api(sim, "user").new_run(MANUAL), Api(sim, "user-2").new_run(MANUAL)
    created_by = [api.run(run_id)["relationships"]["created-by"]["data"]["id"] for run_id in (first, second)]
    assert created_by[0] == created_by[1]
    assert control(sim, "POST", "tokens", {"role": "o", "kind": "organization", "organizations": ["acme"],
                                           "user": "user"}).status_code == 422


@pytest.mark.parametrize("counts_rejected", [True, False])
def test_per_second_refusals_count_or_not(sim, api, counts_rejected):
    """Per second: with rate_limit_counts_rejected the refusals of a hammering client fill the window, so once
    its successes have left it the client is still refused until it pauses; without, it is admitted again."""
    sim.set_installation(api_rate_limit_per_second=5, rate_limit_clock="simulator",
                         rate_limit_counts_rejected=counts_rejected)

    def hammer():
        succeeded = codes(api, PING, 5)
        sim.advance_clock(0.5)  # half a window later the client is still hammering
        refused = codes(api, PING, 10)
        sim.advance_clock(0.5)  # the successes have left the window; the refusals have not
        return succeeded, refused, api.get(PING)

    succeeded, refused, after = in_one_window(sim, hammer, seconds=0.4)
    assert succeeded == [200] * 5 and refused == [429] * 10
    assert after.status_code == (429 if counts_rejected else 200)
    if counts_rejected:
        assert float(after.headers["X-RateLimit-Reset"]) > 0
        sim.advance_clock(1.0)  # the client pauses a full window
        assert api.get(PING).status_code == 200


def test_exactly_the_limit_per_second_without_counting_refusals(sim, api):
    """rate_limit_counts_rejected false: of 40 requests in one second exactly 10 succeed, in every window."""
    sim.set_installation(api_rate_limit_per_second=10, rate_limit_clock="simulator", rate_limit_counts_rejected=False)
    for _window in range(2):
        answered = in_one_window(sim, lambda: codes(api, PING, 40))
        assert answered == [200] * 10 + [429] * 30
        sim.advance_clock(1.0)


@pytest.mark.parametrize("counts_rejected", [True, False])
def test_hammering_100_requests(sim, api, counts_rejected):
    """A client hammers a run list limited to 30 (the minute window makes the timing exact): 100 requests,
    30 succeed. Counting refusals, it keeps getting 429 after its successes have left the window, until it
    pauses a whole window; not counting them, exactly 30 per window succeed."""
    sim.set_installation(run_list_rate_limit_per_minute=30, rate_limit_clock="simulator",
                         rate_limit_counts_rejected=counts_rejected)
    assert codes(api, LIST, 100) == [200] * 30 + [429] * 70
    sim.advance_clock(30)
    assert set(codes(api, LIST, 100)) == {429}  # still hammering, half a window later
    sim.advance_clock(31)  # the 30 successes have left the window, the refusals of 31 s ago have not
    if counts_rejected:
        assert set(codes(api, LIST, 100)) == {429}
        sim.advance_clock(61)  # the client pauses a full window
        assert api.get(LIST).status_code == 200
    else:
        assert codes(api, LIST, 100) == [200] * 30 + [429] * 70


# -- 30 per minute on the run lists ---------------------------------------------------------

def test_run_list_limit_is_per_user_and_covers_both_run_lists(sim, api):
    """run_list_rate_limit_per_minute counts GET /workspaces/:id/runs and /organizations/:org/runs together,
    per user: two tokens of one user share it, other users and other endpoints are unaffected."""
    sim.add_token("user-2", "user", ["acme"], user="user")
    sim.set_installation(run_list_rate_limit_per_minute=3, rate_limit_clock="simulator")
    user, user_2 = Api(sim, "user"), Api(sim, "user-2")
    assert user.get(LIST).status_code == 200
    assert user_2.get(LIST).status_code == 200
    assert user.get(ORG_LIST).status_code != 429  # counted whether or not this simulator serves it yet
    limited = user_2.get(LIST)
    assert limited.status_code == 429 and error_of(limited)["title"] == "Too many requests"
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert 0 < float(limited.headers["X-RateLimit-Reset"]) <= 60
    assert user.get(ORG_LIST).status_code == 429
    assert user.get("/api/v2/workspaces/" + MANUAL).status_code == 200
    assert api.get(LIST).status_code == 200  # another user
    sim.advance_clock(61)
    assert user.get(LIST).status_code == 200


def test_run_list_limit_counts_refusals_by_default(sim, api):
    """With refusals counted (the default), retrying a refused list keeps the minute window full."""
    sim.set_installation(run_list_rate_limit_per_minute=2, rate_limit_clock="simulator")
    assert codes(api, LIST, 2) == [200, 200]
    sim.advance_clock(30)
    assert codes(api, LIST, 2) == [429, 429]
    sim.advance_clock(31)  # the two successes have left the window, the refusals of 30 s ago have not
    assert api.get(LIST).status_code == 429
    sim.set_installation(rate_limit_counts_rejected=False)  # changing a limit knob starts afresh
    assert codes(api, LIST, 3) == [200, 200, 429]
    sim.advance_clock(61)
    assert api.get(LIST).status_code == 200


def test_run_list_limit_on_the_wall_clock_by_default(sim, api):
    """Default clock: a minute of simulator time frees nothing."""
    sim.set_installation(run_list_rate_limit_per_minute=2)
    assert codes(api, LIST, 3) == [200, 200, 429]
    sim.advance_clock(120)
    assert api.get(LIST).status_code == 429


def test_run_lists_count_against_both_limits(sim, api):
    """A run-list request counts in the per-second and the per-minute window; the 429 names the limit hit."""
    sim.set_installation(api_rate_limit_per_second=3, run_list_rate_limit_per_minute=4, rate_limit_clock="simulator",
                         rate_limit_counts_rejected=False)
    lists, ping = in_one_window(sim, lambda: (codes(api, LIST, 3), api.get(PING)))
    assert lists == [200] * 3
    assert ping.status_code == 429 and ping.headers["X-RateLimit-Limit"] == "3"  # the lists used the second
    sim.advance_clock(1.01)
    assert api.get(LIST).status_code == 200  # the fourth list this minute
    minute = api.get(LIST)
    assert minute.status_code == 429 and minute.headers["X-RateLimit-Limit"] == "4"
    assert float(minute.headers["X-RateLimit-Reset"]) > 50
    assert api.get(PING).status_code == 200  # the per-second window still has room


# -- counting 429s: /_sim/stats ---------------------------------------------------------------

def test_stats_count_requests_and_429s_per_route(sim, api):
    """GET /_sim/stats (and sim.stats()) count requests and 429 answers over the request log, in all and per
    route kind; clearing the log clears them."""
    run_id = api.new_run(MANUAL)
    sim.set_installation(api_rate_limit_per_second=5, rate_limit_clock="simulator")

    def burst():
        sim.clear_request_log()  # a retried burst is counted once
        codes(api, "/api/v2/runs/" + run_id, 10)
        api.get("/api/v2/no/such/route")
        api.create_run(MANUAL)

    in_one_window(sim, burst)
    stats = control(sim, "GET", "stats").json()
    assert stats == sim.stats()
    assert (stats["requests"], stats["rate_limited"]) == (12, 7)
    assert stats["kinds"] == {"GET /api/v2/runs/{run_id}": {"requests": 10, "rate_limited": 5},
                              "GET (no route)": {"requests": 1, "rate_limited": 1},
                              "POST /api/v2/runs": {"requests": 1, "rate_limited": 1}}
    sim.clear_request_log()
    assert sim.stats() == {"requests": 0, "rate_limited": 0, "kinds": {}}
