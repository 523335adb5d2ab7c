# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ansible-runner jobs of these tests cannot pass or fail by luck (issue 21).

ansible-runner 2.4.3 gives the last read of a job's output 5 seconds; past them it dies without the
job's ``status`` and ``rc`` artifacts (ansible-runner issue #1343): the likely way a loaded machine
once failed ``test_secrets.py``. Here that read is made slow on purpose: a process the playbook
leaves behind keeps writing to the job's terminal for 15 seconds once the playbook has exited. On a
quiet machine ansible-runner alone dies of it (``ansible-runner run`` exits 1 with
pexpect.exceptions.TIMEOUT and no status); the harness's ansible-runner (``ansible_runner_cli.py``)
reads to the end and reports the job. (That ansible-runner alone dies is not asserted here: on a
loaded machine the writer can fall behind the reader or start too late, the read then ends early,
and the job passes either way: so how much of the writer was read is not asserted either.)

A job that does end without a status (here its ansible-runner is killed) fails with ansible-runner's
exit code, the end of its stdout and stderr and the artifact tree.
"""

import pytest

from harness import run_with_ansible_runner  # pylint: disable=import-error

# Started by the task, it outlives the playbook: it holds the job's terminal (its controlling tty)
# open, waits until the playbook (the session's leader) has exited, and then writes to the terminal
# for 15 seconds as fast as ansible-runner reads (nothing before: its lines would cut the playbook's
# encoded events). ansible-runner waits up to 5 seconds for output before it notices the exit; the
# rest is its last read.
KEEPS_WRITING = """
leader=$(cut -d' ' -f6 /proc/$$/stat)
nohup sh -c '
  exec 3>/dev/tty
  line=$(head -c 2000 /dev/zero | tr "\\0" x)
  while [ -e /proc/'"$leader"' ] && [ "$(cut -d" " -f3 /proc/'"$leader"'/stat)" != Z ]; do sleep 0.05; done
  timeout 15 yes "$line" >&3' >/dev/null 2>&1 &
"""
PLAYS = [{"name": "slow last read", "hosts": "localhost", "gather_facts": False, "tasks": [
    {"name": "leave a writer behind", "ansible.builtin.shell": KEEPS_WRITING},
]}]


def test_the_harness_reads_a_slow_job_to_the_end(ansible):
    job = run_with_ansible_runner(ansible, PLAYS, {})
    assert (job.status, job.rc) == ("successful", 0)
    assert [e["event"] for e in job.events].count("playbook_on_stats") == 1
    assert job.task_results("leave a writer behind")[0]["rc"] == 0


# Kills the ansible-runner that runs this job (the first ancestor whose command line names the
# harness's ansible-runner), as a machine that runs out of memory would: it dies before the job's
# status and rc artifacts exist. The walk starts at the parent: this shell's own command line names
# ansible_runner_cli.py too.
KILLS_ITS_RUNNER = """
pid=$PPID
while [ "$pid" -gt 1 ]; do
  if tr '\\0' ' ' < /proc/$pid/cmdline | grep -q ansible_runner_cli.py; then kill -9 "$pid"; exit 0; fi
  pid=$(cut -d' ' -f4 /proc/$pid/stat)
done
exit 1
"""


def test_a_job_without_a_status_fails_with_the_runners_own_words(ansible):
    """The failure shows ansible-runner's exit code, the end of what it printed and the artifact tree,
    not a bare FileNotFoundError."""
    plays = [{"name": "runner killed", "hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "kill the job's ansible-runner", "ansible.builtin.shell": KILLS_ITS_RUNNER}]}]
    with pytest.raises(AssertionError) as failure:
        run_with_ansible_runner(ansible, plays, {})
    report = str(failure.value)
    assert "ansible-runner left no status artifact" in report
    assert "ansible-runner exit code -9" in report
    assert "TASK [kill the job's ansible-runner]" in report.split("--- stdout (last 40 lines)")[1]
    artifacts = report.split("--- artifacts\n")[1].splitlines()
    assert any(line.startswith("job/job_events/") for line in artifacts)
    assert not any(line.startswith(("job/status ", "job/rc ")) for line in artifacts)
