# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ansible-runner jobs of these tests cannot pass or fail by luck (issue 21).

ansible-runner 2.4.3 gives the last read of a job's output 5 seconds; past them it dies without the
job's ``status`` and ``rc`` artifacts (ansible-runner issue #1343), which is how a loaded machine
once failed ``test_secrets.py``. Here that read is made slow on purpose and every time: a process
the playbook leaves behind keeps writing to the job's terminal for 8 seconds after the playbook
ended. ansible-runner alone dies of it; the harness's ansible-runner (``ansible_runner_cli.py``)
reads to the end and reports the job.
"""

import os
import subprocess

from harness import (  # pylint: disable=import-error
    run_with_ansible_runner, runner_environment, runner_private_data_dir, tool)

# Started by the task, it outlives the playbook: it holds the job's terminal (its controlling tty)
# open and writes to it as fast as ansible-runner reads, a second after the play's last task.
KEEPS_WRITING = ("nohup sh -c 'exec 3>/dev/tty; sleep 1; line=$(head -c 300 /dev/zero | tr \"\\0\" x); "
                 "timeout 8 yes \"$line\" >&3' >/dev/null 2>&1 &")
PLAYS = [{"name": "slow last read", "hosts": "localhost", "gather_facts": False, "tasks": [
    {"name": "leave a writer behind", "ansible.builtin.shell": KEEPS_WRITING},
]}]


def test_a_slow_last_read_kills_ansible_runner_alone(ansible):
    """The cause, shown: if this fails, ansible-runner reads to the end by itself and
    ansible_runner_cli.py can go."""
    private = runner_private_data_dir(ansible, PLAYS, {})
    done = subprocess.run([tool("ansible-runner"), "run", private, "-p", "site.yml", "--ident", "job"],
                          env=runner_environment(ansible), capture_output=True, text=True, timeout=300, check=False)
    artifacts = os.path.join(private, "artifacts", "job")
    assert done.returncode != 0 and "pexpect.exceptions.TIMEOUT" in done.stderr, done.stderr[-2000:]
    assert not os.path.exists(os.path.join(artifacts, "status"))
    assert not os.path.exists(os.path.join(artifacts, "rc"))


def test_the_harness_reads_a_slow_job_to_the_end(ansible):
    job = run_with_ansible_runner(ansible, PLAYS, {})
    assert (job.status, job.rc) == ("successful", 0)
    assert [e["event"] for e in job.events].count("playbook_on_stats") == 1
    assert len(job.events) > 100  # the writer's lines too, read after the playbook ended
    assert job.task_results("leave a writer behind")[0]["rc"] == 0
