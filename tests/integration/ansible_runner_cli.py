# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-runner's own command line (``ansible_runner.__main__.main``, what the ``ansible-runner``
script calls), with one known bug of ansible-runner worked around.

ansible-runner 2.3.5 to 2.4.3 (the newest release) end every job with a last read of the playbook's
output, ``child.expect(pexpect.EOF, timeout=5)``, and no TIMEOUT case (ansible-runner issue #1343,
open). When reading and filing the last of the output takes more than 5 seconds, which a loaded
machine can do, pexpect raises TIMEOUT and ansible-runner dies before it writes the job's ``status``
and ``rc`` artifacts: a job that passed looks like one that never ran. The comment above that line in
ansible-runner says the read should have no time limit; here it has none, and a job stays bounded
by the harness's own timeout. How long the read took goes to stderr when it took longer than
ansible-runner's 5 seconds, so a slow read is visible in the job's report.
"""

import sys
import time

import pexpect

from ansible_runner.__main__ import main

ANSIBLE_RUNNER_LAST_READ_SECONDS = 5
_expect = pexpect.spawn.expect


def _expect_last_read_in_full(child, pattern, timeout=-1, *args, **kwargs):
    """The last read after the playbook exited (EOF alone, the child gone): until EOF, however long."""
    if pattern is not pexpect.EOF or child.isalive():
        return _expect(child, pattern, timeout, *args, **kwargs)
    started = time.monotonic()
    try:
        return _expect(child, pattern, None, *args, **kwargs)
    finally:
        took = time.monotonic() - started
        if took > ANSIBLE_RUNNER_LAST_READ_SECONDS:
            sys.stderr.write("ansible_runner_cli: the last read of the job's output took {0:.1f} s; ansible-runner "
                             "alone would have died of it (issue #1343)\n".format(took))


pexpect.spawn.expect = _expect_last_read_in_full

if __name__ == "__main__":
    sys.exit(main())
