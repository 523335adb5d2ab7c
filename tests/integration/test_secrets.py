# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""No token and no log URL in anything Ansible, ansible-runner or the API traffic shows.

Every module runs on its success and failure paths (404, a token revoked while the task waits, a run
that errors so its log tail is read from the blob URL, a log read that loses its connection, 5xx
until the retries run out, a proxy that echoes the Authorization header into its error page, check
mode) at -vvvv. Then every byte the user or AWX could see is searched: stdout, stderr, every task
result (msg, warnings, deprecations, invocation, exception ...), every file ansible-runner leaves in
its artifact directory, and every request the simulator received (method, path, query, body,
headers). The token may appear in one place only: the Authorization header of API requests (never
of log blob requests).

The scan searches for each token whole *and* for 24-character slices of its secret part, because
Ansible's ``no_log`` masking only replaces whole values: a token cut in half (a truncated error
excerpt) would slip past it. Log URLs are searched as ``_archivist``, ``log-read-url`` and every blob
secret the simulator handed out, fetched or not.

Counts of what was scanned are printed (``pytest -s``) and recorded as test properties
(``secrets_outputs``, ``secrets_bytes``, ``secrets_requests``), per test and for the whole file.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import threading
from typing import Any, Dict, Iterable, List, Optional, Tuple

import pytest

from conftest import PHASE, TOKENS  # pylint: disable=import-error
from harness import run_with_ansible_runner  # pylint: disable=import-error
from tfesim import Response  # pylint: disable=import-error
from tfesim.plan_changes import SECRET_MARKER  # pylint: disable=import-error

MARKER = ".atlasv1."
LOG_MARKERS = ("_archivist", "log-read-url", "log_read_url")
# Totals over the file, printed once at the end (see the ``totals`` fixture).
TOTALS = {"tests": 0, "outputs": 0, "bytes": 0, "requests": 0}


def new_token() -> str:
    """Same shape as conftest's tokens: long and random, so masking cannot mangle other text."""
    return "{0}{1}{2}".format(secrets.token_hex(7), MARKER, secrets.token_hex(40))


# --- what the simulator saw ---------------------------------------------------------------------


class Wiretap:
    """A middleware recording every API request as it arrived, headers and body included.

    The simulator's own request log has no headers or bodies, and only says *whether* an
    Authorization header was sent; this keeps its value apart so the scan can tell where a token was.
    Installed last, it is the outermost middleware (the built-in faults run inside every middleware):
    it sees each request as the client sent it, also those a fault or a LeakyProxy answers.
    """

    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self._lock = threading.Lock()

    @classmethod
    def install(cls, sim) -> "Wiretap":
        tap = cls()
        sim.add_middleware(tap)
        return tap

    def __call__(self, request, next_handler):
        authorization = request.authorization
        response = next_handler(request)
        entry = {
            "method": request.method, "path": request.path, "query": dict(request.query),
            "body": request.body.decode("utf-8", "replace"),
            "headers": {k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            "authorization": authorization, "status": response.status,
        }
        with self._lock:
            self.requests.append(entry)
        return response


class LeakyProxy:
    """A proxy (or a debug error page) that reflects the request's Authorization header in its answer.

    ``html``: a 502 page where the token sits right across the 200-character excerpt the client keeps
    of a non-JSON body, so only part of it would survive a naive cut. ``json``: a JSON:API 500 with
    the header in ``detail``. Only requests carrying one of the given tokens are affected.
    """

    def __init__(self, styles: Dict[str, str]) -> None:
        self.styles = styles  # token -> "html" or "json"

    def __call__(self, request, next_handler):
        header = request.authorization or ""
        style = self.styles.get(header.partition(" ")[2])
        if style == "html":
            # Tags stripped, the header value starts at character 144: the client's 200-character
            # excerpt of the page ends 56 characters into the token, in the middle of its secret.
            lead = "Bad gateway. The upstream did not answer. Request headers follow for support: " + "x" * 40
            page = "<html><body><h1>502</h1><p>{0} Authorization: {1}</p></body></html>".format(
                lead, html.escape(header))
            return Response(502, page.encode("utf-8"), {"Content-Type": "text/html"})
        if style == "json":
            error = {"status": "500", "title": "internal server error",
                     "detail": "rejected request with Authorization: " + header}
            return Response.document(500, {"errors": [error]})
        return next_handler(request)


# --- the scan -----------------------------------------------------------------------------------


class LeakScan:
    """Searches texts for tokens (whole or sliced) and log URLs; counts what it searched."""

    def __init__(self, tokens: Iterable[Tuple[str, str]], blob_secrets: Iterable[str]) -> None:
        self.needles: List[Tuple[str, str]] = []
        for role, token in tokens:
            secret = token.split(MARKER, 1)[1]
            self.needles.append(("token of " + role, token))
            for start in (0, 28, len(secret) - 24):  # head, middle and tail of the secret part
                self.needles.append(("24-char slice of the {0} token".format(role), secret[start:start + 24]))
        for secret in blob_secrets:
            self.needles.append(("log blob secret", secret))
        for marker in LOG_MARKERS:
            self.needles.append(("log URL marker", marker))
        # The modules read JSON plans (plan.changes), whose values the simulator marks with this.
        self.needles.append(("a value of a JSON plan", SECRET_MARKER))
        self.outputs = 0
        self.bytes = 0
        self.requests = 0
        self.leaks: List[str] = []

    def text(self, where: str, text: str, output: bool = True) -> None:
        self.outputs += output
        self.bytes += len(text.encode("utf-8"))
        for label, needle in self.needles:
            if needle in text:
                at = text.index(needle)
                self.leaks.append("{0} in {1}: ...{2}...".format(label, where, text[max(0, at - 80):at + 40]))

    def request(self, entry: Dict[str, Any], tokens: Dict[str, str]) -> None:
        """Everything but the Authorization header must be clean (the blob path carries its own
        secret by design, so only tokens are searched there); the header holds a known token or is
        absent, and is absent on every blob request."""
        self.requests += 1
        visible = json.dumps({k: entry[k] for k in ("method", "path", "query", "body", "headers")})
        self.bytes += len(visible.encode("utf-8"))
        where = "request {0} {1}".format(entry["method"], entry["path"][:40])
        for label, needle in self.needles:
            if needle not in visible:
                continue
            if label in ("log blob secret", "log URL marker"):
                if entry["path"].startswith("/_archivist/") and entry["method"] == "GET":
                    continue  # the log request itself: its URL is the blob's credential
            self.leaks.append("{0} in {1}".format(label, where))
        header = entry["authorization"]
        if entry["path"].startswith("/_archivist/"):
            if header is not None:
                self.leaks.append("an Authorization header on the log request " + where)
        elif header is not None and (not header.startswith("Bearer ") or header[7:] not in tokens.values()):
            self.leaks.append("an unexpected Authorization header on " + where)

    def run_output(self, label: str, run: Any) -> None:
        """stdout, stderr and every task result of one ansible or ansible-playbook run."""
        self.text(label + " stdout", run.stdout)
        self.text(label + " stderr", run.stderr)
        for result in run.results:
            self.text("{0} result of {1!r}".format(label, result.task), json.dumps(result.result))

    def runner_artifacts(self, label: str, root: str, given_env: Dict[str, str]) -> int:
        """Every file of an ansible-runner artifact directory, binary-safe.

        ``command`` is ansible-runner's own record of the job's inputs (argv, cwd and the whole
        environment, env/envvars included), written mode 0600 before Ansible starts; AWX keeps it in
        the job's private data directory and never shows it. The credential is in it by construction,
        so there it may appear only as the environment variable it was given in, and the rest of the
        file is scanned like everything else.
        """
        count = 0
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(folder, name)
                with open(path, "rb") as stream:
                    text = stream.read().decode("utf-8", "replace")
                if os.path.relpath(path, root) == "command":
                    assert os.stat(path).st_mode & 0o077 == 0, "ansible-runner's command file is readable by others"
                    record = json.loads(text)
                    for key, value in given_env.items():
                        assert record["env"].pop(key) == value
                    text = json.dumps(record)
                self.text("{0} {1}".format(label, os.path.relpath(path, root)), text)
                count += 1
        return count

    def report(self, name: str, record_property) -> None:
        for key in ("outputs", "bytes", "requests"):
            record_property("secrets_" + key, getattr(self, key))
            TOTALS[key] += getattr(self, key)
        TOTALS["tests"] += 1
        print("\n[secrets] {0}: scanned {1} outputs, {2} bytes, {3} requests; {4} leaks".format(
            name, self.outputs, self.bytes, self.requests, len(self.leaks)))
        assert not self.leaks, "\n".join(self.leaks)


@pytest.fixture(scope="module", autouse=True)
def totals(record_testsuite_property):
    yield
    for key, value in TOTALS.items():
        record_testsuite_property("secrets_total_" + key, value)
    print("\n[secrets] total over {tests} tests: scanned {outputs} outputs, {bytes} bytes, "
          "{requests} requests".format(**TOTALS))


def scan_everything(sim, wiretap: Wiretap, outputs, tokens: Optional[Dict[str, str]] = None) -> LeakScan:
    """The scan over ``outputs(scan)`` and every request the simulator saw, for ``tokens`` (by
    default the simulator's: pass them when some were revoked, the simulator forgets those)."""
    tokens = tokens or sim.tokens
    with sim.backend.world.lock:
        blob_secrets = list(sim.backend.world.blobs)
    scan = LeakScan(sorted(tokens.items()), blob_secrets)
    outputs(scan)
    for entry in wiretap.requests:
        scan.request(entry, tokens)
    for entry in sim.request_log:  # the simulator's own log, as GET /_sim/requests shows it
        blob = entry["path"].startswith("/_archivist/")  # its path is the blob's credential, by design
        scan.text("simulator request log", json.dumps(dict(entry, path="<log blob>" if blob else entry["path"])),
                  output=False)
    return scan


def test_the_scan_finds_what_it_looks_for():
    """The scan itself: a whole token, half a token, a log URL are each found; other text is not."""
    token, blob = new_token(), secrets.token_urlsafe(32)
    scan = LeakScan([("probe", token)], [blob])
    for text in (token, "Bearer " + token[:60], token[-30:], "x/_archivist/v1/object/" + blob, blob,
                 '{"log-read-url": null}', '{"password": "' + SECRET_MARKER + '0123456789abcdef01234567"}'):
        before = len(scan.leaks)
        scan.text("probe", text)
        assert len(scan.leaks) > before, text
    scan.leaks.clear()
    scan.text("probe", token.split(MARKER)[0] + MARKER + "0123456789abcdef" * 5)  # same prefix, other secret
    assert scan.leaks == []


# --- the playbook ---------------------------------------------------------------------------------

def task(name: str, module: str, token_role: str = "", check: bool = False, **args: Any) -> Dict[str, Any]:
    """A task that may fail; ``token_role`` passes that role's token as the tfe_token option (from an
    environment variable, the way a vault or AWX would hand it over); otherwise TFE_TOKEN is used."""
    if token_role:
        args["tfe_token"] = "{{ lookup('ansible.builtin.env', 'SECRETS_TOKEN_" + token_role.upper() + "') }}"
    entry = {"name": name, "tfe.runs." + module: args, "ignore_errors": True, "register": re.sub(r"\W", "_", name)}
    if check:
        entry["check_mode"] = True
    return entry


def run_id(name: str) -> str:
    return "{{ " + re.sub(r"\W", "_", name) + ".run.id }}"


def arm_scenarios(sim) -> Dict[str, str]:
    """Extra tokens, each failing its own way, so one fault cannot disturb another task.

    Returns role -> token for the tokens the playbook passes as tfe_token.
    """
    extra = {}
    for role, kind in (("revoked_run", "user"), ("revoked_apply", "user"), ("revoked_cancel", "user"),
                       ("revoked_admin", "site_admin"), ("flaky", "user"), ("flaky_admin", "site_admin"),
                       ("echo_html", "user"), ("echo_json", "user")):
        extra[role] = sim.add_token(role, kind, organizations=None if kind == "site_admin" else ["acme"],
                                    token=new_token())
    extra["admin"] = TOKENS["admin"]
    # Workspaces whose plans last long enough for a token to be revoked between two polls, even when a busy
    # machine starts the next task late.
    for name in ("slow-run", "slow-apply"):
        sim.add_workspace("acme", name, knobs={"phase_seconds": PHASE, "durations": {"planning": 600}})
    # 401 from the second read of the run on: the task has started waiting when its token dies.
    for role in ("revoked_run", "revoked_apply", "revoked_cancel"):
        sim.add_fault("revoke_token", role=role, method="GET", path="/api/v2/runs/*", skip=1)
    sim.add_fault("revoke_token", role="revoked_admin", method="GET", path="/api/v2/admin/runs", skip=1)
    # 5xx on every read until the retries run out (a 502 proxy page, a JSON:API 503).
    sim.add_fault("server_error", status=502, role="flaky", method="GET", path="/api/v2/runs/*", count=None)
    sim.add_fault("server_error", status=503, role="flaky_admin", count=None)
    # The second log read loses its connection: the error (whose text holds the URL) must vanish.
    sim.add_fault("drop", path="/_archivist/**", skip=1)
    sim.add_middleware(LeakyProxy({extra["echo_html"]: "html", extra["echo_json"]: "json"}))
    # A 2018-era TFE: the admin cancel falls back to the old route and warns that the comment was dropped.
    # The admin cancel answers without the run, so the module waits for it (and meets the revoked token).
    sim.set_installation(admin_force_cancel_route=False, admin_cancel_answer="empty")
    return extra


def every_module_playbook(stuck: str, stuck_for_admin: str) -> List[Dict[str, Any]]:
    """Every module on every path. ``stuck`` is a run hanging in planning that ignores a normal
    cancel (so the cancel task waits), ``stuck_for_admin`` another one."""
    return [
        # tfe_run: success, check mode, 404, a plan error (log tail read), revoked mid-wait, 502s.
        task("run ok", "tfe_run", organization="acme", workspace="auto", message="ok"),
        task("run check", "tfe_run", check=True, organization="acme", workspace="manual", message="check"),
        task("run unknown workspace", "tfe_run", organization="acme", workspace="no-such-workspace", message="x"),
        task("run plan error", "tfe_run", organization="acme", workspace="plan-error", message="broken"),
        task("run plan error, log lost", "tfe_run", organization="acme", workspace="plan-error", message="no log"),
        task("run revoked mid-wait", "tfe_run", token_role="revoked_run", organization="acme", workspace="slow-run",
             message="revoked"),
        task("run server errors", "tfe_run", token_role="flaky", organization="acme", workspace="nochanges",
             message="flaky", max_retries=1),
        # tfe_run_apply: check mode, success, 404, an apply error (log tail read), revoked while waiting
        # for the plan, a JSON error echoing the header.
        task("plan for apply", "tfe_run", organization="acme", workspace="manual", message="apply me", wait_for="plan"),
        task("apply check", "tfe_run_apply", check=True, run_id=run_id("plan for apply")),
        task("apply ok", "tfe_run_apply", run_id=run_id("plan for apply"), comment="approved"),
        task("apply unknown run", "tfe_run_apply", run_id="run-DoesNotExist0001"),
        task("plan for apply error", "tfe_run", organization="acme", workspace="apply-error", message="will break",
             auto_apply=False, wait_for="plan"),
        task("apply error", "tfe_run_apply", run_id=run_id("plan for apply error")),
        task("queue slow plan", "tfe_run", organization="acme", workspace="slow-apply", message="slow", wait=False),
        task("apply revoked mid-wait", "tfe_run_apply", token_role="revoked_apply", run_id=run_id("queue slow plan")),
        task("apply behind echoing server", "tfe_run_apply", token_role="echo_json", run_id=run_id("queue slow plan"),
             max_retries=0),
        # tfe_run_cancel: check mode, success, 404, revoked while waiting, an HTML page echoing the header.
        task("plan for cancel", "tfe_run", organization="acme", workspace="manual-final", message="deny me",
             wait_for="plan"),
        task("cancel check", "tfe_run_cancel", check=True, run_id=run_id("plan for cancel")),
        task("cancel ok", "tfe_run_cancel", run_id=run_id("plan for cancel"), comment="denied"),
        task("cancel unknown run", "tfe_run_cancel", run_id="run-DoesNotExist0002"),
        task("cancel revoked mid-wait", "tfe_run_cancel", token_role="revoked_cancel", run_id=stuck, wait_timeout=20),
        task("cancel behind echoing proxy", "tfe_run_cancel", token_role="echo_html", run_id=stuck, max_retries=1),
        # tfe_admin_run_info: success with a warning, check mode, not an admin (404), 503s.
        task("admin info ok", "tfe_admin_run_info", token_role="admin", status=["planning", "planned_and_saved"]),
        task("admin info check", "tfe_admin_run_info", token_role="admin", check=True, run_id=stuck),
        task("admin info not admin", "tfe_admin_run_info", query="stuck"),
        task("admin info server errors", "tfe_admin_run_info", token_role="flaky_admin", max_retries=1),
        # tfe_admin_run_cancel: check mode, success on the old route (warning), unknown run, revoked mid-wait.
        task("admin cancel check", "tfe_admin_run_cancel", token_role="admin", check=True, run_id=stuck),
        task("admin cancel ok", "tfe_admin_run_cancel", token_role="admin", run_id=stuck, comment="cleanup"),
        task("admin cancel unknown run", "tfe_admin_run_cancel", token_role="admin", run_id="run-DoesNotExist0003"),
        task("admin cancel revoked mid-wait", "tfe_admin_run_cancel", token_role="revoked_admin",
             run_id=stuck_for_admin, wait_timeout=20),
    ]


def assert_paths_were_taken(played) -> None:
    """The scan means something only if every module really went down each path."""
    def ok(name, **expected):
        result = played.task(name)
        assert not result.failed, (name, result.result)
        for key, value in expected.items():
            assert result[key] == value, (name, key, result.result)
        return result

    def failed(name, *words):
        result = played.task(name)
        assert result.failed and all(w in result["msg"] for w in words), (name, words, result.result)
        # At -vvv and more, Ansible itself adds the traceback as ``exception`` (scanned like the rest);
        # the message stays one clear sentence.
        assert "Traceback" not in result["msg"], result.result
        return result

    assert ok("run ok")["run"]["status"] == "applied"
    ok("run check", would_queue=True)
    failed("run unknown workspace", "404")
    assert failed("run plan error", "ended errored")["log_tail"]
    assert failed("run plan error, log lost", "ended errored")["log_tail"] == []
    assert failed("run revoked mid-wait", "401")["run"]["id"].startswith("run-")
    assert failed("run server errors", "502", "after 2 attempts")["status_code"] == 502
    ok("apply check", decision="confirm")
    assert ok("apply ok")["run"]["status"] == "applied"
    failed("apply unknown run", "404")
    assert failed("apply error", "errored")["log_tail"]
    failed("apply revoked mid-wait", "401")
    failed("apply behind echoing server", "500")
    ok("cancel check", changed=True)
    assert ok("cancel ok")["run"]["status"] == "discarded"
    failed("cancel unknown run", "404")
    failed("cancel revoked mid-wait", "401")
    failed("cancel behind echoing proxy", "502", "after 2 attempts")
    assert ok("admin info ok")["warnings"]
    assert len(ok("admin info check")["runs"]) == 1
    failed("admin info not admin", "site administrator")
    failed("admin info server errors", "503", "after 2 attempts")
    ok("admin cancel check", changed=True)
    admin_cancel = ok("admin cancel ok")
    assert admin_cancel["endpoint"] == "cancel" and admin_cancel["warnings"]
    failed("admin cancel unknown run", "not_found")
    failed("admin cancel revoked mid-wait", "401")


def test_playbook_of_every_module_and_path_at_vvvv(ansible, sim, record_property):
    extra = arm_scenarios(sim)
    wiretap = Wiretap.install(sim)
    tokens = dict(sim.tokens)  # before the revocations
    stuck = sim.create_runs("acme/stuck", status="planning")[0]
    stuck_for_admin = sim.create_runs("acme/queue", status="planning")[0]
    env = {"SECRETS_TOKEN_" + role.upper(): token for role, token in extra.items()}
    played = ansible.playbook(every_module_playbook(stuck, stuck_for_admin), env=env, args=["-vvvv"])
    assert played.rc == 0, played.output  # every failure is ignored: the play itself must succeed
    assert_paths_were_taken(played)
    blobs = [e for e in wiretap.requests if e["path"].startswith("/_archivist/")]
    assert len(blobs) >= 3, "too few log reads: the log URL scan would prove little"
    assert {f["kind"] for f in sim.faults() if f["fired"]} == {"revoke_token", "server_error", "drop"}

    scan = scan_everything(sim, wiretap, lambda s: s.run_output("ansible-playbook -vvvv", played), tokens)
    # Every token but the unused organization token did reach the API, in the Authorization header
    # where it belongs (so each one had its chance to leak elsewhere too).
    sent = {e["authorization"].partition(" ")[2] for e in wiretap.requests if e["authorization"]}
    assert sent == set(tokens.values()) - {TOKENS["org"]}
    scan.report("ansible-playbook, {0} task results".format(len(played.results)), record_property)


def test_adhoc_commands_at_vvvv(ansible, sim, record_property):
    """``ansible localhost -m ...`` as people try modules from a shell: once with the token in
    TFE_TOKEN (a failure), once found by the collection in TF_TOKEN_<host> like the Terraform CLI
    does (then the module itself must hide it, Ansible does not know it is secret)."""
    wiretap = Wiretap.install(sim)
    stuck = sim.create_runs("acme/queue", status="planning")[0]
    failing = ansible.adhoc("tfe.runs.tfe_run_cancel", "run_id=run-DoesNotExist0004", args=["-vvvv"])
    assert failing.rc != 0 and "404" in failing.results[0]["msg"], failing.output
    found = ansible.adhoc("tfe.runs.tfe_admin_run_info", "run_id=" + stuck, args=["-vvvv"], with_token=False,
                          env={"TF_TOKEN_127_0_0_1": TOKENS["admin"]})
    assert found.rc == 0 and [r["id"] for r in found.results[0]["runs"]] == [stuck], found.output
    assert {e["token_role"] for e in sim.request_log} == {"user", "admin"}

    def outputs(scan):
        scan.run_output("ansible (TFE_TOKEN)", failing)
        scan.run_output("ansible (TF_TOKEN_127_0_0_1)", found)

    scan_everything(sim, wiretap, outputs).report("ansible ad-hoc, 2 commands", record_property)


def test_ansible_runner_job_artifacts(ansible, sim, record_property):
    """A job as AWX runs it: the credential in env/envvars, every artifact file scanned (stdout,
    job_events, command, status ...). ANSIBLE_VERBOSITY=4 is the -vvvv of a job template.
    The play ignores its failures, so the job itself succeeds."""
    plays = [{"name": "runner", "hosts": "localhost", "gather_facts": False, "tasks": [
        task("run ok", "tfe_run", organization="acme", workspace="nochanges", message="from runner"),
        task("run plan error", "tfe_run", organization="acme", workspace="plan-error", message="broken"),
        task("apply unknown run", "tfe_run_apply", run_id="run-DoesNotExist0005"),
    ]}]
    wiretap = Wiretap.install(sim)
    envvars = {"TFE_ADDRESS": sim.url, "TFE_TOKEN": TOKENS["user"], "ANSIBLE_VERBOSITY": "4"}
    job = run_with_ansible_runner(ansible, plays, envvars)
    assert job.status == "successful", job.events[-3:]
    assert job.task_results("run ok")[0]["run"]["status"] == "planned_and_finished"
    assert job.task_results("run plan error")[0]["log_tail"]
    assert "404" in job.task_results("apply unknown run")[0]["msg"]
    assert any(e["path"].startswith("/_archivist/") for e in wiretap.requests)
    files = []

    def outputs(scan):
        files.append(scan.runner_artifacts("ansible-runner artifact", job.artifact_dir, {"TFE_TOKEN": TOKENS["user"]}))

    scan = scan_everything(sim, wiretap, outputs)
    assert files[0] >= len(job.events) + 2  # every event file, plus stdout, status, rc ...
    with open(os.path.join(job.artifact_dir, "stdout"), encoding="utf-8") as stream:
        assert "ESTABLISH LOCAL CONNECTION" in stream.read()  # the job really ran at -vvv or more
    scan.report("ansible-runner, {0} artifact files".format(files[0]), record_property)
