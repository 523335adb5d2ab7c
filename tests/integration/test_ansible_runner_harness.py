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
"""

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
