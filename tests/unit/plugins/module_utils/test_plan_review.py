# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a reviewer sees of a plan: its changes without values, its log, and the protective gates."""

from __future__ import annotations

import json
import random

import pytest

from ansible_collections.tfe.runs.plugins.module_utils._budget import RateLimiter
from ansible_collections.tfe.runs.plugins.module_utils._client import TfeClient
from ansible_collections.tfe.runs.plugins.module_utils._logs import LOG_CHUNK, read_log
from ansible_collections.tfe.runs.plugins.module_utils._plan_changes import change_action, changes_of, read_plan_changes
from ansible_collections.tfe.runs.plugins.module_utils._protections import Protection, parse_protections, violations
from ansible_collections.tfe.runs.tests.unit.scripted_server import Reply

TOKEN = "tok-review-Vx3Lq8Wz5Rn1Tb7Mc2Kp"
SECRET = "s3cr3t-db-password-Zq9"


def client_for(server):
    limiter = RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000, sleep=lambda seconds: None)
    return TfeClient(server.url, TOKEN, limiter=limiter, sleep=lambda seconds: None, rng=random.Random(2))


def entry(address, actions, **extra):
    base, dummy, name = address.rpartition(".")
    module = base.rpartition(".")[0] if base.startswith("module.") else None
    return dict({"address": address, "module_address": module, "type": base.rpartition(".")[2], "name": name,
                 "change": {"actions": actions, "before": {"password": SECRET}, "after": {"password": SECRET}}},
                **extra)


JSON_PLAN = {
    "format_version": "1.2",
    "variables": {"db_password": {"value": SECRET}},
    "resource_changes": [
        entry("aws_instance.web", ["create"]),
        entry("module.db.aws_db_instance.main", ["delete", "create"], action_reason="replace_because_cannot_update"),
        entry("aws_s3_bucket.logs", ["update"]),
        entry("aws_iam_role.old", ["delete"]),
        entry("aws_security_group.edge", ["create", "delete"]),
        entry("data.aws_ami.base", ["read"]),
        entry("aws_vpc.main", ["no-op"]),
        dict(entry("aws_eip.ip", ["no-op"]), change={"actions": ["no-op"], "importing": {"id": "eip-1"}}),
    ],
    "output_changes": {"endpoint": {"actions": ["update"], "after": SECRET}, "same": {"actions": ["no-op"]}},
}


@pytest.mark.parametrize("actions, expected", [
    (["create"], "create"), (["update"], "update"), (["delete"], "delete"), (["read"], "read"),
    (["delete", "create"], "replace"), (["create", "delete"], "replace"), (["no-op"], None), ([], None),
    ("create", None), (None, None), (["forget"], None),
])
def test_terraform_actions_become_one_action(actions, expected):
    assert change_action(actions) == expected


def test_changes_name_every_change_and_no_value():
    found = changes_of(JSON_PLAN)
    assert [(c["address"], c["action"]) for c in found.changes] == [
        ("aws_instance.web", "create"), ("module.db.aws_db_instance.main", "replace"), ("aws_s3_bucket.logs", "update"),
        ("aws_iam_role.old", "delete"), ("aws_security_group.edge", "replace"), ("data.aws_ami.base", "read"),
        ("aws_eip.ip", "import")]
    replaced = found.changes[1]
    assert replaced == {"address": "module.db.aws_db_instance.main", "module_address": "module.db",
                        "type": "aws_db_instance", "name": "main", "action": "replace", "actions": ["replace"],
                        "action_reason": "replace_because_cannot_update", "importing": False}
    assert found.output_changes == [{"name": "endpoint", "action": "update", "actions": ["update"]}]
    assert found.counts == {"create": 1, "update": 1, "delete": 1, "replace": 2, "read": 1, "import": 1}
    assert SECRET not in json.dumps(found.report())


def serve_plan(server, answer):
    """json-output redirects (307) to a blob on the same host, as a TFE behind one hostname may."""
    def reply(seen):
        if seen.path.endswith("/json-output"):
            return answer if isinstance(answer, Reply) else Reply(status=307, headers={"Location": server.url + "/blob/x"})
        return Reply(raw=json.dumps(JSON_PLAN).encode(), headers={"Content-Type": "application/json"})
    server.default = reply


def test_the_json_plan_is_read_without_sending_the_token_to_the_blob(server):
    serve_plan(server, None)
    found = read_plan_changes(client_for(server), "plan-1")
    assert found.known and len(found.changes) == 7 and found.unavailable is None
    api, blob = server.requests
    assert api.path == "/api/v2/plans/plan-1/json-output" and api.headers.get("Authorization") == "Bearer " + TOKEN
    assert blob.path == "/blob/x" and "Authorization" not in blob.headers


@pytest.mark.parametrize("answer, reason", [
    (Reply(status=204, raw=b""), "has not finished"),
    (Reply(status=403, body={"errors": [{"status": "403", "title": "forbidden"}]}), "no admin access"),
    (Reply(status=404, body={"errors": [{"status": 404, "title": "not found"}]}), "organization tokens"),
    (Reply(status=422, body={"errors": [{"status": "422", "title": "unprocessable"}]}), "older than 0.12"),
    (Reply(status=307, raw=b""), "without the JSON plan's location"),
])
def test_without_the_json_plan_the_changes_are_missing_with_the_reason(server, answer, reason):
    if answer.status == 307:
        server.default = lambda seen: answer
    else:
        serve_plan(server, answer)
    found = read_plan_changes(client_for(server), "plan-1")
    assert found.changes is None and reason in found.unavailable
    assert found.report()["changes"] is None


class Clock:
    """A clock that sleeping moves on, and the sleeps it saw."""

    def __init__(self):
        self.now, self.slept = 100.0, []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def paused_client(server, clock):
    limiter = RateLimiter(rate=1000, burst=1000, list_rate=1000, list_burst=1000, sleep=lambda seconds: None)
    return TfeClient(server.url, TOKEN, limiter=limiter, sleep=clock.sleep, clock=lambda: clock.now)


def json_output_requests(server):
    return [seen for seen in server.requests if seen.path.endswith("/json-output")]


def test_a_json_plan_not_ready_at_once_is_asked_for_again_and_read(server):
    answers = [Reply(status=204, raw=b""), Reply(status=200, raw=b"")]  # neither names the JSON yet

    def reply(seen):
        if seen.path.endswith("/json-output") and answers:
            return answers.pop(0)
        if seen.path.endswith("/json-output"):
            return Reply(status=307, headers={"Location": server.url + "/blob/x"})
        return Reply(raw=json.dumps(JSON_PLAN).encode(), headers={"Content-Type": "application/json"})
    server.default = reply
    clock = Clock()
    found = read_plan_changes(paused_client(server, clock), "plan-1", deadline=clock.now + 60)
    assert found.known and len(found.changes) == 7 and found.unavailable is None
    assert len(json_output_requests(server)) == 3 and clock.slept == [1.0, 2.0]


@pytest.mark.parametrize("seconds_left, asked, slept", [(60, 4, [1.0, 2.0, 4.0]), (2.5, 2, [1.0]), (0.5, 1, [])])
def test_a_json_plan_never_ready_is_missing_after_a_few_tries_within_the_deadline(server, seconds_left, asked, slept):
    serve_plan(server, Reply(status=204, raw=b""))
    clock = Clock()
    found = read_plan_changes(paused_client(server, clock), "plan-1", deadline=clock.now + seconds_left)
    assert found.changes is None and "has not finished" in found.unavailable
    assert len(json_output_requests(server)) == asked and clock.slept == slept


def test_a_blob_that_is_not_json_is_a_reason_not_a_failure(server):
    def reply(seen):
        if seen.path.endswith("/json-output"):
            return Reply(status=307, headers={"Location": server.url + "/blob/x"})
        return Reply(raw=b"<html>proxy</html>")
    server.default = reply
    assert read_plan_changes(client_for(server), "plan-1").unavailable == "the JSON plan is not valid JSON"


# --- the log -------------------------------------------------------------------------------------


def log_server(server, text, honour_limit=True):
    def reply(seen):
        if not honour_limit:
            return Reply(raw=text)
        offset, limit = int(seen.query.get("offset", "0")), int(seen.query.get("limit", "0"))
        return Reply(raw=text[offset:offset + limit])
    server.default = reply


def test_the_log_is_read_in_chunks_until_its_end(server):
    text = b"\x02" + b"".join(b"\x1b[1mline %d\x1b[0m\n" % n for n in range(12000)) + b"\x03"
    log_server(server, text)
    raw, cut = read_log(client_for(server), server.url + "/log")
    assert raw == text and cut is False
    assert [int(r.query["offset"]) for r in server.requests] == list(range(0, len(text), LOG_CHUNK))
    assert all("Authorization" not in r.headers for r in server.requests)


def test_a_server_that_ignores_limit_is_read_once(server):
    text = b"\x02" + b"x" * (3 * LOG_CHUNK) + b"\x03"
    log_server(server, text, honour_limit=False)
    raw, cut = read_log(client_for(server), server.url + "/log")
    assert raw == text and cut is False and len(server.requests) == 1


def test_a_log_over_the_cap_is_cut_and_says_so(server):
    text = b"\x02" + b"y" * (3 * LOG_CHUNK) + b"\x03"
    log_server(server, text)
    raw, cut = read_log(client_for(server), server.url + "/log", max_bytes=2 * LOG_CHUNK)
    assert len(raw) == 2 * LOG_CHUNK and cut is True and len(server.requests) == 2


# --- protections ---------------------------------------------------------------------------------


def test_protections_match_globs_and_what_each_action_forbids():
    changes = changes_of(JSON_PLAN).changes
    protections = parse_protections([
        {"address": "module.db.*"},                                    # delete and replace by default
        {"address": "aws_s3_bucket.*", "actions": ["replace"]},        # an update is allowed
        {"address": "aws_iam_role.old", "actions": "delete"},
        {"address": "data.*", "actions": ["any"]},                     # a read is not a change
    ])
    assert violations(changes, protections) == [
        {"address": "module.db.aws_db_instance.main", "action": "replace", "protection": "module.db.*"},
        {"address": "aws_iam_role.old", "action": "delete", "protection": "aws_iam_role.old"}]
    # A bare pattern protects against delete and replace; module.db... does not start with aws_.
    assert violations(changes, parse_protections(["aws_*"])) == [
        {"address": "aws_iam_role.old", "action": "delete", "protection": "aws_*"},
        {"address": "aws_security_group.edge", "action": "replace", "protection": "aws_*"}]


def test_brackets_in_a_pattern_are_literal_indexes():
    web0 = {"address": "aws_instance.web[0]", "action": "delete"}
    assert Protection("aws_instance.web[0]").forbids(web0)
    assert not Protection("aws_instance.web[0]").forbids({"address": "aws_instance.web0", "action": "delete"})
    assert Protection("aws_instance.web[*]").forbids(web0)


@pytest.mark.parametrize("items, message", [
    ([{"address": ""}], "has no address pattern"),
    ([{"address": "a.*", "actions": ["destroy"]}], "unknown actions destroy"),
    ([{"address": "a.*", "action": ["delete"]}], "unknown keys action"),
    ([3], "must be an address pattern or a mapping"),
])
def test_wrong_protections_are_refused(items, message):
    with pytest.raises(ValueError, match=message):
        parse_protections(items)
