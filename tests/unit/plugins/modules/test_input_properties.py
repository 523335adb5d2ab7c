# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bad input, property-based: every ID, name and free-text option of every module, given empty,
blank, unicode, very long, ``/``, ``..``, ``?``, ``#``, ``%``, NUL ... or a wrong-prefix ID, is either

* refused before any request: the task fails, naming the option, without a traceback; or
* sent safely: the module makes exactly the requests it documents for those arguments (``*_calls``
  below), the value being one whole path segment, or intact in the JSON body or in a documented
  query parameter (admin ``q``, the reuse search), and the task succeeds.

The ``*_calls`` oracles list those requests per module, from the modules' documentation and the API
they call, against echo_api.py, a scripted TFE that finds whatever it is asked for. Comparing the whole
conversation catches another endpoint, a segment split by ``/`` or ``?``, a value dropped, trimmed,
leaked into the URL or altered in the body. Each test prints how many inputs it tried (``pytest -s``).
"""

from __future__ import annotations

import operator
import re
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ansible_collections.tfe.runs.plugins.module_utils._run_request import ALL_OPERATIONS
from ansible_collections.tfe.runs.plugins.module_utils._statuses import STATUSES
from ansible_collections.tfe.runs.plugins.modules import (
    tfe_admin_run_cancel, tfe_admin_run_info, tfe_run, tfe_run_apply, tfe_run_cancel)
from ansible_collections.tfe.runs.tests.unit.module_runner import run_module
from ansible_collections.tfe.runs.tests.unit.plugins.modules.echo_api import (
    NAMED_WORKSPACE, RUN_WORKSPACE, Call, decode, echo_api)
from ansible_collections.tfe.runs.tests.unit.scripted_server import ScriptedServer

TOKEN = "tok-input-properties-Qm7Zx2Lp9Vb4"
# Generated examples per option, on top of the fixed edge cases; about 2,000 module runs in all, ~15 s.
GENERATED_PER_OPTION = 60

# --- generated values ---------------------------------------------------------------------------

SPECIALS = ("/", "..", ".", "?", "#", "%", "&", "=", " ", "\n", "\r", "\t", "\x00", "\\", "+", ";", "~",
            "%2F", "%2e%2e", "%00", "%", "?q=1", "#x", "&a=b")
PREFIXES = ("run-", "ws-", "cv-", "plan-", "apply-", "")  # wrong prefixes included: any module may get any
valid_looking = st.builds(operator.add, st.sampled_from(PREFIXES),
                          st.text(string.ascii_letters + string.digits, min_size=1, max_size=20))
blank = st.text(st.sampled_from(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2003\u3000"), max_size=6)
unicode_text = st.text(max_size=24)  # every code point but surrogates, NUL and controls included
special_mix = st.lists(st.one_of(st.sampled_from(SPECIALS), valid_looking, unicode_text),
                       min_size=1, max_size=6).map("".join)
# Thousands of characters, kept under http.server's 64 KiB request line once percent-encoded.
very_long = st.builds(lambda unit, size: (unit * size)[:size],
                      st.one_of(st.sampled_from(SPECIALS), st.text(min_size=1, max_size=6)), st.integers(1000, 4000))
VALUES = st.one_of(valid_looking, blank, unicode_text, special_mix, very_long)

EDGE_VALUES = (
    "", " ", "\t\n", ".", "..", "...", "/", "//", "./", "../", "a/b", "../admin/runs", "a/../b", "..%2F",
    "%2e%2e", "%2F", "%", "%00", "?", "a?b=c", "#", "a#b", "&", "a&b=c", "=", "a b", "a\nb", "\x00", "a\x00b",
    " run-CZcmD7eagjhyX0vN", "run-CZcmD7eagjhyX0vN ", "run-CZcmD7eagjhyX0vN", "ws-6jrRyVDv1J8zQMB5",
    "cv-ntv3HbhJqvFzamy7", "apply-47MBvjwzBG8YKc2v", "ünïcødé-ворк-空间-🚀", "x" * 5000, "/" * 3000, "é" * 3000,
)
PLAIN = re.compile(r"[A-Za-z0-9-]+")  # a valid-looking ID or name: never refused
TRACEBACK = "Traceback (most recent call last)"
# ansible-core 2.21 (not 2.16) fails any module given a NUL in a string argument before the module runs, because
# syslog cannot log the invocation (unless no_target_syslog is set): a refusal, but in core's words.
CORE_NUL_REFUSAL = "Failed to log to syslog (embedded null character)"

# --- the oracles: the requests each module documents --------------------------------------------

RUN_INCLUDE = {"include": "plan,apply,workspace"}
ADMIN_INCLUDE = "workspace,workspace.organization"
RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
REFUSE = None  # an oracle's answer for arguments that cannot be sent at all


class Like:
    """Equal to any string matching ``pattern`` (inside an expected Call, where the exact text is not known)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, str) and re.fullmatch(self.pattern, other) is not None

    def __repr__(self) -> str:
        return "Like({0!r})".format(self.pattern)


Expected = Optional[Tuple[List[Call], Optional[str]]]  # the calls, and a text the failure must contain


def comment_body(args: Dict[str, Any]) -> Dict[str, Any]:
    return {"comment": args["comment"]} if args.get("comment") else {}


def tfe_run_calls(args: Dict[str, Any]) -> Expected:
    """Find the workspace, search for a run to reuse (reuse != never), POST /runs (not in check mode)."""
    if args.get("workspace_id") is not None:
        workspace = args["workspace_id"]
        calls = [Call("GET", ("workspaces", workspace), {})]
    else:
        workspace = NAMED_WORKSPACE
        calls = [Call("GET", ("organizations", args["organization"], "workspaces", args["workspace"]), {})]
    message = args.get("run_message")
    if args.get("reuse", "never") != "never":
        calls.append(Call("GET", ("workspaces", workspace, "runs"),
                          {"search[basic]": message, "filter[operation]": ALL_OPERATIONS, "page[size]": "100"}))
    if not args.get("_ansible_check_mode"):
        attributes = {"message": Like(r"Queued by tfe\.runs\.tfe_run \[[0-9a-f]+\]") if message is None else message}
        for option in ("plan_only", "terraform_version", "target_addrs"):
            if option in args:
                attributes[option.replace("_", "-")] = args[option]
        relationships: Dict[str, Any] = {"workspace": {"data": {"type": "workspaces", "id": workspace}}}
        if args.get("configuration_version_id") is not None:
            relationships["configuration-version"] = {
                "data": {"type": "configuration-versions", "id": args["configuration_version_id"]}}
        calls.append(Call("POST", ("runs",), {}, {"data": {"type": "runs", "attributes": attributes,
                                                           "relationships": relationships}}))
    return calls, None


def run_action_calls(action: str, args: Dict[str, Any]) -> Expected:
    """Read the run, POST its action with the comment, read it again; check mode only reads."""
    read = Call("GET", ("runs", args["run_id"]), RUN_INCLUDE)
    if args.get("workspace_id") not in (None, RUN_WORKSPACE):
        return [read], "belongs to workspace"  # tfe_run_apply's guard: refused once the run is known
    if args.get("_ansible_check_mode"):
        return [read], None
    return [read, Call("POST", ("runs", args["run_id"], "actions", action), {}, comment_body(args)), read], None


def admin_instant(text: str) -> Any:
    """What filter[from]/filter[to] carry for ``text``: the same instant in UTC when it is an ISO time."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return Like(RFC3339)  # an age such as 2h, or a text the module will refuse
    try:
        moment = (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except OverflowError:
        return REFUSE  # outside the years 1-9999 once in UTC: no time TFE can be sent
    return "{0:04d}-{1:02d}-{2:02d}T{3:02d}:{4:02d}:{5:02d}Z".format(
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def admin_info_calls(args: Dict[str, Any]) -> Expected:
    """One GET /admin/runs page; the search text and the run ID travel as q (trimmed), filters as documented."""
    query = {"include": ADMIN_INCLUDE, "page[number]": "1", "page[size]": "100"}
    if args.get("run_id") is not None:
        query["q"] = args["run_id"]  # an exact ID, searched for exactly (a blank one could only list every run)
    elif (args.get("query") or "").strip():
        query["q"] = args["query"].strip()  # fuzzy search text: trimmed, and blank means no search
    statuses: List[str] = []
    for value in args.get("status") or []:
        status = value.strip().lower().replace("-", "_")
        if status and status not in STATUSES:
            return REFUSE
        if status and status not in statuses:
            statuses.append(status)
    if statuses:
        query["filter[status]"] = ",".join(statuses)
    for option, parameter in (("created_after", "filter[from]"), ("created_before", "filter[to]")):
        if args.get(option):
            query[parameter] = admin_instant(args[option])
            if query[parameter] is REFUSE:
                return REFUSE
    return [Call("GET", ("admin", "runs"), query)], None


def admin_cancel_calls(args: Dict[str, Any]) -> Expected:
    """Per run, in order and once: find it by exact ID in the admin list, POST the admin cancel route."""
    run_ids = [args["run_id"]] if "run_id" in args else list(dict.fromkeys(args["run_ids"]))
    route = "cancel" if args.get("endpoint") == "cancel" else "force-cancel"
    calls = []
    for run_id in run_ids:
        calls.append(Call("GET", ("admin", "runs"),
                          {"include": ADMIN_INCLUDE, "q": run_id, "page[number]": "1", "page[size]": "20"}))
        if not args.get("_ansible_check_mode"):
            body = comment_body(args) if route == "force-cancel" else None  # the 2018 route takes no body
            calls.append(Call("POST", ("admin", "runs", run_id, "actions", route), {}, body))
    return calls, None


# --- the options under test ---------------------------------------------------------------------

RUN_ID = "run-CZcmD7eagjhyX0vN"
TFE_RUN_BY_ID = {"workspace_id": "ws-6jrRyVDv1J8zQMB5", "run_message": "Deploy build 42", "wait": False}
TFE_RUN_BY_NAME = {"organization": "acme", "workspace": "web", "run_message": "Deploy build 42", "wait": False}
TFE_RUN_MODES = st.fixed_dictionaries({"reuse": st.sampled_from(["never", "active"]),
                                       "_ansible_check_mode": st.booleans()})
CHECK_MODE = st.fixed_dictionaries({"_ansible_check_mode": st.booleans()})
ADMIN_CANCEL_MODES = st.fixed_dictionaries({"_ansible_check_mode": st.booleans(),
                                            "endpoint": st.sampled_from(["auto", "force_cancel", "cancel"])})
status_words = st.builds(lambda word, style: style(word), st.sampled_from(sorted(STATUSES)), st.sampled_from(
    [str, str.upper, str.title, lambda w: w.replace("_", "-"), " {0}\t".format]))
# ISO 8601 times across the whole datetime range, naive (UTC) or with any whole-minute offset.
offsets = st.one_of(st.none(), st.integers(-1439, 1439).map(lambda minutes: timezone(timedelta(minutes=minutes))))
iso_times = st.builds(lambda moment, offset, separator: moment.replace(tzinfo=offset).isoformat(separator),
                      st.datetimes(), offsets, st.sampled_from("T "))
# Ages such as 30m or "2 H"; "y" is no unit, and the huge ones reach before year 1.
ages = st.builds("{0}{1}{2}".format, st.one_of(st.integers(0, 10 ** 6), st.integers(0, 10 ** 30)),
                 st.sampled_from(["", " "]), st.sampled_from("smhdwSMHDWy"))
TIMES = st.one_of(iso_times, ages, VALUES)
TIME_EDGES = EDGE_VALUES + ("2025-01-31", "2025-01-31T09:00:00Z", "2025-01-31T10:00:00+01:00", "30m", " 2h ", "3d",
                            "1w", "0001-01-01T00:00:00", "0999-12-31T23:59:59", "0001-01-01T00:00:00+01:00",
                            "9999-12-31T23:59:59-01:00", "99999999999w", "100000000d", "9" * 5000 + "s")


@dataclass
class Case:
    module: Any
    option: str
    base: Dict[str, Any]
    oracle: Callable[[Dict[str, Any]], Expected]
    values: Any = VALUES
    edges: Tuple[Any, ...] = EDGE_VALUES
    modes: Any = field(default_factory=lambda: st.just({}))
    plain_must_pass: bool = True  # a valid-looking ID or text (PLAIN) is never refused

    @property
    def name(self) -> str:
        return "{0}.{1}".format(self.module.__name__.rsplit(".", 1)[-1], self.option)


def as_lists(values: Any) -> Any:
    return st.lists(values, max_size=4)


LIST_EDGES = tuple([value] for value in EDGE_VALUES) + ([], [RUN_ID, RUN_ID], [RUN_ID, ""], [RUN_ID, "../" + RUN_ID])
BY_RUN_ID = {"run_id": RUN_ID, "wait": False}

CASES = [
    Case(tfe_run, "workspace_id", TFE_RUN_BY_ID, tfe_run_calls, modes=TFE_RUN_MODES),
    Case(tfe_run, "organization", TFE_RUN_BY_NAME, tfe_run_calls, modes=TFE_RUN_MODES),
    Case(tfe_run, "workspace", TFE_RUN_BY_NAME, tfe_run_calls, modes=TFE_RUN_MODES),
    Case(tfe_run, "configuration_version_id", TFE_RUN_BY_ID, tfe_run_calls, modes=TFE_RUN_MODES),
    Case(tfe_run, "run_message", TFE_RUN_BY_ID, tfe_run_calls, modes=TFE_RUN_MODES),
    Case(tfe_run, "terraform_version", dict(TFE_RUN_BY_ID, plan_only=True), tfe_run_calls, modes=TFE_RUN_MODES),
    Case(tfe_run, "target_addrs", TFE_RUN_BY_ID, tfe_run_calls, values=as_lists(VALUES), edges=LIST_EDGES,
         modes=TFE_RUN_MODES),
    Case(tfe_run_apply, "run_id", BY_RUN_ID, lambda args: run_action_calls("apply", args), modes=CHECK_MODE),
    Case(tfe_run_apply, "comment", BY_RUN_ID, lambda args: run_action_calls("apply", args), modes=CHECK_MODE),
    # Never sent: compared with the run's workspace, refused after reading the run when it differs.
    Case(tfe_run_apply, "workspace_id", BY_RUN_ID, lambda args: run_action_calls("apply", args),
         values=st.one_of(VALUES, st.just(RUN_WORKSPACE)), edges=EDGE_VALUES + (RUN_WORKSPACE,), modes=CHECK_MODE),
    Case(tfe_run_cancel, "run_id", BY_RUN_ID, lambda args: run_action_calls("discard", args), modes=CHECK_MODE),
    Case(tfe_run_cancel, "comment", BY_RUN_ID, lambda args: run_action_calls("discard", args), modes=CHECK_MODE),
    Case(tfe_admin_run_info, "query", {}, admin_info_calls),
    Case(tfe_admin_run_info, "run_id", {}, admin_info_calls),
    Case(tfe_admin_run_info, "status", {}, admin_info_calls,
         values=st.one_of(as_lists(status_words), as_lists(st.one_of(status_words, VALUES))),
         edges=LIST_EDGES + ([" Planning ", "policy-checked", "APPLIED", "planning"],), plain_must_pass=False),
    Case(tfe_admin_run_info, "created_after", {}, admin_info_calls, values=TIMES, edges=TIME_EDGES,
         plain_must_pass=False),
    Case(tfe_admin_run_info, "created_before", {}, admin_info_calls, values=TIMES, edges=TIME_EDGES,
         plain_must_pass=False),
    Case(tfe_admin_run_cancel, "run_id", BY_RUN_ID, admin_cancel_calls, modes=ADMIN_CANCEL_MODES),
    Case(tfe_admin_run_cancel, "run_ids", {"wait": False}, admin_cancel_calls, values=as_lists(VALUES),
         edges=LIST_EDGES, modes=ADMIN_CANCEL_MODES),
    Case(tfe_admin_run_cancel, "comment", BY_RUN_ID, admin_cancel_calls, modes=ADMIN_CANCEL_MODES),
]


# --- the property -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    scripted = ScriptedServer()
    scripted.default = echo_api
    yield scripted.start()
    scripted.stop()


def shorten(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else "{0}... ({1} characters)".format(text[:70], len(text))


def names_option(option: str, message: str) -> bool:
    return re.search(r"(?<![A-Za-z0-9_]){0}(?![A-Za-z0-9_])".format(re.escape(option)), message) is not None


def try_value(server: ScriptedServer, case: Case, value: Any, mode: Dict[str, Any]) -> str:
    """Run the module with ``value``; assert it was refused cleanly or sent as documented. Says which."""
    args = dict(case.base, **mode)
    args[case.option] = value
    server.requests.clear()
    # Thousands of examples share the machine-wide budget of one host and token: do not pace them.
    result = run_module(case.module.main, dict(args, tfe_address=server.url, tfe_token=TOKEN, request_rate=1e6))
    seen = [decode(request) for request in server.requests]
    message = str(result.get("msg", ""))
    context = "{0} {1}={2} -> {3}".format(case.name, case.option, shorten(value), message[:300])
    assert "exception" not in result and TRACEBACK not in message, "traceback: " + context
    if result.get("failed") and not seen:
        if message.startswith(CORE_NUL_REFUSAL) and "\x00" in "".join(value if isinstance(value, list) else [value]):
            return "refused by ansible-core"
        assert names_option(case.option, message), "refused without naming the option: " + context
        assert not (case.plain_must_pass and isinstance(value, str) and PLAIN.fullmatch(value)), \
            "a valid-looking value was refused: " + context
        return "refused"
    expected = case.oracle(args)
    assert expected is not REFUSE, "sent although no request can carry it: " + context
    calls, failure = expected
    assert seen == calls, "not the documented requests: " + context
    if failure:
        assert result.get("failed") and failure in message, context
    else:
        assert not result.get("failed"), "failed after sending: " + context
    return "sent"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_every_value_is_refused_before_any_request_or_sent_as_documented(server, case):
    tally = {"refused": 0, "refused by ansible-core": 0, "sent": 0}

    @settings(max_examples=GENERATED_PER_OPTION, deadline=None, database=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(value=case.values, mode=case.modes)
    def check(value, mode):
        tally[try_value(server, case, value, mode)] += 1

    for edge in case.edges:  # every fixed edge case is tried, whatever the generator draws
        check = example(value=edge, mode={})(check)
    check()
    total = sum(tally.values())
    counts = (case.name, total, tally["refused"], tally["refused by ansible-core"], tally["sent"])
    print("\n[input properties] {0}: {1} inputs: {2} refused before any request naming the option, "
          "{3} refused by ansible-core (NUL), {4} sent as documented".format(*counts))
    assert total >= len(case.edges) + GENERATED_PER_OPTION // 2
