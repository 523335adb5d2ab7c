# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The integration harness: the installed collection run by real ansible-playbook, ansible and
ansible-runner executables against the simulator, with every task result read back as data.

Results come from a small callback plugin (``callback_plugins/result_recorder.py``) that writes one
JSON line per task result, so tests assert on what Ansible itself returned, never on screen text.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION_ROOT = os.path.dirname(os.path.dirname(HERE))
CALLBACK_DIR = os.path.join(HERE, "callback_plugins")
# Variables of the developer's shell that would change what the tests see.
_SCRUBBED_PREFIXES = ("ANSIBLE_", "TFE_", "TF_TOKEN_", "RUNNER_")


def tool(name: str) -> str:
    """An Ansible executable from the interpreter's own environment first (the leg's venv)."""
    beside = os.path.join(os.path.dirname(sys.executable), name)
    found = beside if os.access(beside, os.X_OK) else shutil.which(name)
    if not found:
        raise RuntimeError("{0} is not installed next to {1} nor on PATH".format(name, sys.executable))
    return found


def install_collection(workdir: str) -> str:
    """The ANSIBLE_COLLECTIONS_PATH holding tfe.runs as built and installed by ansible-galaxy.

    CI passes the artifact it built (``ANSIBLE_COLLECTIONS_PATH``); on a developer machine the
    checkout is built and installed here, so tests always run the artifact, not the source tree.
    """
    given = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)[0]
    if given and os.path.isdir(os.path.join(given, "ansible_collections", "tfe", "runs")):
        return given
    return build_and_install(COLLECTION_ROOT, workdir)


def build_and_install(root: str, workdir: str) -> str:
    """Build the collection whose galaxy.yml is in ``root`` and install it under ``workdir``; the
    collections path. (The benchmark also builds an earlier commit this way, to compare with.)"""
    dist = os.path.join(workdir, "dist")
    target = os.path.join(workdir, "collections")
    subprocess.run([tool("ansible-galaxy"), "collection", "build", root, "--output-path", dist, "--force"],
                   check=True, stdout=subprocess.DEVNULL)
    artifact = [os.path.join(dist, name) for name in os.listdir(dist) if name.endswith(".tar.gz")][0]
    subprocess.run([tool("ansible-galaxy"), "collection", "install", artifact, "-p", target, "--force"],
                   check=True, stdout=subprocess.DEVNULL)
    return target


@dataclass
class TaskResult:
    task: str
    action: str
    status: str  # ok, failed, skipped, unreachable
    result: Dict[str, Any]
    host: str = ""  # the inventory host the result belongs to
    time: float = 0.0  # epoch seconds when the controller received the result: the task's end for that host

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "unreachable")

    def __getitem__(self, key: str) -> Any:
        return self.result[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.result.get(key, default)


@dataclass
class AnsibleRun:
    command: List[str]
    rc: int
    stdout: str
    stderr: str
    results: List[TaskResult] = field(default_factory=list)

    def task(self, name: str) -> TaskResult:
        """The (last) result of the task called ``name``."""
        matches = [r for r in self.results if r.task == name]
        if not matches:
            raise AssertionError("no result for task {0!r}; tasks seen: {1}\n{2}".format(
                name, [r.task for r in self.results], self.output))
        return matches[-1]

    @property
    def output(self) -> str:
        return "rc={0}\nSTDOUT:\n{1}\nSTDERR:\n{2}".format(self.rc, self.stdout, self.stderr)

    def output_tail(self, lines: int = 40) -> str:
        """The exit code and the end of stdout and stderr: what a play over many hosts said last."""
        return "rc={0}\n--- stdout (last {1} lines)\n{2}\n--- stderr (last {1} lines)\n{3}".format(
            self.rc, lines, tail(self.stdout, lines), tail(self.stderr, lines))


class Ansible:
    """Runs the Ansible executables with a clean, explicit environment pointing at the simulator."""

    def __init__(self, collections_path: str, workdir: str, address: str, token: Optional[str]) -> None:
        self.collections_path = collections_path
        self.workdir = workdir
        self.address = address
        self.token = token

    def environment(self, extra: Optional[Dict[str, str]] = None, with_token: bool = True) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
        env.update({
            "HOME": os.path.join(self.workdir, "home"),
            "ANSIBLE_COLLECTIONS_PATH": self.collections_path,
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_LOCAL_TEMP": os.path.join(self.workdir, "tmp"),
            "ANSIBLE_CALLBACK_PLUGINS": CALLBACK_DIR,
            "ANSIBLE_CALLBACKS_ENABLED": "result_recorder",
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "true",
            "ANSIBLE_NOCOLOR": "true",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_HOST_KEY_CHECKING": "false",
            "TFE_ADDRESS": self.address,
            # ansible-runner finds ansible-playbook on PATH: the interpreter's own environment first.
            "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
        })
        os.makedirs(env["HOME"], exist_ok=True)
        if with_token and self.token:
            env["TFE_TOKEN"] = self.token
        env.update(extra or {})
        return env

    def _run(self, command: List[str], env: Dict[str, str], timeout: float) -> AnsibleRun:
        handle, results_file = tempfile.mkstemp(prefix="results-", suffix=".jsonl", dir=self.workdir)
        os.close(handle)
        env = dict(env, TFE_RUNS_RESULTS_FILE=results_file)
        completed = subprocess.run(command, env=env, cwd=self.workdir, capture_output=True, text=True,
                                   timeout=timeout, check=False)
        with open(results_file, encoding="utf-8") as stream:
            records = [json.loads(line) for line in stream if line.strip()]
        return AnsibleRun(command, completed.returncode, completed.stdout, completed.stderr,
                          [TaskResult(**record) for record in records])

    def _write_yaml(self, prefix: str, data: Any) -> str:
        handle, path = tempfile.mkstemp(prefix=prefix, suffix=".yml", dir=self.workdir)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            yaml.safe_dump(data, stream, sort_keys=False)
        return path

    def playbook(self, plays: Any, env: Optional[Dict[str, str]] = None, args: Optional[List[str]] = None,
                 with_token: bool = True, timeout: float = 300,
                 inventory: Optional[Dict[str, Any]] = None) -> AnsibleRun:
        """Run ``plays`` (a list of plays, or a list of tasks for one local play) with ansible-playbook.

        ``inventory`` is a YAML inventory (``{"all": {"hosts": {...}, "vars": {...}}}``) for plays over
        many hosts; its hosts say their own connection. Without it the play runs on ``localhost`` only.
        """
        if plays and "hosts" not in plays[0]:
            plays = [{"name": "integration", "hosts": "localhost", "gather_facts": False, "tasks": plays}]
        path = self._write_yaml("playbook-", plays)
        hosts = ["-i", self._write_yaml("inventory-", inventory)] if inventory else ["-i", "localhost,", "-c", "local"]
        command = [tool("ansible-playbook")] + hosts + [path] + list(args or [])
        return self._run(command, self.environment(env, with_token), timeout)

    def adhoc(self, module: str, module_args: str = "", env: Optional[Dict[str, str]] = None,
              args: Optional[List[str]] = None, with_token: bool = True, timeout: float = 300) -> AnsibleRun:
        """``ansible localhost -m <module> -a <args>``, the way people try a module from a shell."""
        command = [tool("ansible"), "localhost", "-i", "localhost,", "-c", "local", "-m", module]
        if module_args:
            command += ["-a", module_args]
        return self._run(command + list(args or []), self.environment(env, with_token), timeout)


@dataclass
class RunnerJob:
    status: str
    rc: int
    events: List[Dict[str, Any]]
    artifact_dir: str

    def task_results(self, task: str) -> List[Dict[str, Any]]:
        return [e["event_data"]["res"] for e in self.events
                if e.get("event") in ("runner_on_ok", "runner_on_failed") and e["event_data"].get("task") == task]

    @property
    def stats(self) -> Dict[str, Any]:
        """The ``set_stats`` data of the job (what AWX hands to later workflow nodes)."""
        finished = [e for e in self.events if e.get("event") == "playbook_on_stats"]
        return (finished[-1]["event_data"].get("artifact_data") or {}) if finished else {}


def run_with_ansible_runner(ansible: Ansible, plays: List[Dict[str, Any]], envvars: Dict[str, str],
                            extravars: Optional[Dict[str, Any]] = None, timeout: float = 300) -> RunnerJob:
    """Run a playbook the way AWX does: ansible-runner with a private data directory whose env/envvars
    carries the credentials, as an AWX credential injector would write them."""
    private = runner_private_data_dir(ansible, plays, envvars, extravars)
    artifacts = os.path.join(private, "artifacts", "job")
    completed = run_ansible_runner(["run", private, "-p", "site.yml", "--ident", "job"],
                                   runner_environment(ansible), timeout, artifacts)
    status = _artifact(artifacts, "status", completed)
    rc = int(_artifact(artifacts, "rc", completed))
    events_dir = os.path.join(artifacts, "job_events")
    events = []
    # <counter>-<uuid>.json; an event ansible-runner began and never finished stays <uuid>-partial.json.
    finished = [name for name in os.listdir(events_dir) if not name.endswith("-partial.json")]
    for name in sorted(finished, key=lambda n: int(n.split("-")[0])):
        with open(os.path.join(events_dir, name), encoding="utf-8") as stream:
            events.append(json.load(stream))
    if status != "successful" and not events:
        raise AssertionError("ansible-runner produced no events\n" + runner_report(artifacts, completed))
    return RunnerJob(status, rc, events, artifacts)


def runner_private_data_dir(ansible: Ansible, plays: List[Dict[str, Any]], envvars: Dict[str, str],
                            extravars: Optional[Dict[str, Any]] = None) -> str:
    """A private data directory as AWX writes one: project/site.yml, the inventory, env/envvars (and extravars)."""
    private = tempfile.mkdtemp(prefix="runner-", dir=ansible.workdir)
    for sub in ("project", "env", "inventory"):
        os.makedirs(os.path.join(private, sub))
    with open(os.path.join(private, "project", "site.yml"), "w", encoding="utf-8") as stream:
        yaml.safe_dump(plays, stream, sort_keys=False)
    with open(os.path.join(private, "inventory", "hosts"), "w", encoding="utf-8") as stream:
        stream.write("localhost ansible_connection=local ansible_python_interpreter={0}\n".format(sys.executable))
    with open(os.path.join(private, "env", "envvars"), "w", encoding="utf-8") as stream:
        yaml.safe_dump(envvars, stream)
    if extravars:
        with open(os.path.join(private, "env", "extravars"), "w", encoding="utf-8") as stream:
            yaml.safe_dump(extravars, stream)
    return private


def runner_environment(ansible: Ansible) -> Dict[str, str]:
    """ansible-runner's own environment: the job gets its credentials from env/envvars only, like an AWX job."""
    env = ansible.environment(with_token=False)
    for name in ("TFE_ADDRESS", "ANSIBLE_CALLBACKS_ENABLED", "ANSIBLE_LOAD_CALLBACK_PLUGINS"):
        env.pop(name, None)
    return env


def run_ansible_runner(args: List[str], env: Dict[str, str], timeout: float,
                       artifacts: str) -> "subprocess.CompletedProcess[str]":
    """ansible-runner's own command line, through ansible_runner_cli.py (its workaround of
    ansible-runner issue #1343); a job that outlives ``timeout`` fails with what it said so far."""
    command = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "ansible_runner_cli.py")]
    try:
        return subprocess.run(command + args, env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        said = subprocess.CompletedProcess(exc.cmd, "(killed after {0} s)".format(timeout),
                                           _text(exc.stdout), _text(exc.stderr))
        raise AssertionError("ansible-runner did not finish\n" + runner_report(artifacts, said)) from None


def _text(output: Any) -> str:
    return output.decode("utf-8", "replace") if isinstance(output, bytes) else (output or "")


def _artifact(artifacts: str, name: str, completed: "subprocess.CompletedProcess[str]") -> str:
    """One artifact file of a finished job; its absence fails with the runner's own words."""
    try:
        with open(os.path.join(artifacts, name), encoding="utf-8") as stream:
            return stream.read().strip()
    except OSError as exc:
        raise AssertionError("ansible-runner left no {0} artifact ({1})\n{2}".format(
            name, exc, runner_report(artifacts, completed))) from None


def tail(text: str, lines: int = 40) -> str:
    return "\n".join((text or "").splitlines()[-lines:])


def runner_report(artifacts: str, completed: "subprocess.CompletedProcess[str]") -> str:
    """What a failed ansible-runner job said: exit code, the end of stdout and stderr, the artifact tree."""
    tree = []
    for root, _dirs, names in os.walk(os.path.dirname(artifacts)):
        for name in sorted(names):
            path = os.path.join(root, name)
            tree.append("{0} ({1} bytes)".format(os.path.relpath(path, os.path.dirname(artifacts)),
                                                 os.path.getsize(path)))
    return "ansible-runner exit code {0}\n--- stdout (last 40 lines)\n{1}\n--- stderr (last 40 lines)\n{2}\n" \
           "--- artifacts\n{3}".format(completed.returncode, tail(completed.stdout), tail(completed.stderr),
                                       "\n".join(tree[:200]) or "(none)")
