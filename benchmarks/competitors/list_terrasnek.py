# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark competitor: list every admin run with terrasnek.

Run with the terrasnek venv's python (see venvs.sh):
    python list_terrasnek.py --url http://127.0.0.1:PORT --token TOKEN [--page-size 100]
Prints one JSON line: tool, version, runs, unique_runs, seconds (the listing only, not the
client's construction).

terrasnek wraps GET /api/v2/admin/runs as ``api.admin_runs.list(page=, page_size=)``, one call
per page returning the decoded JSON:API document; unlike some of its endpoints it has no
``list_all`` helper for admin runs, so a user writes the loop below: follow
meta.pagination.next-page until it is null. Each call is a bare ``requests.get`` (no session,
so no keep-alive: a new TCP connection per page), which is the library's behaviour, kept as is.
"""
import time

from common import arguments, report  # pylint: disable=import-error
from terrasnek.api import TFC


def main():
    args = arguments(__doc__.splitlines()[0])

    # TFC() reads /.well-known/terraform.json (outside the timing). skip_version_check: by default
    # it also asks pypi.org whether terrasnek is current, a call that has nothing to do with TFE.
    api = TFC(args.token, url=args.url, skip_version_check=True)

    start = time.perf_counter()
    ids = []
    page = 1
    while page:
        document = api.admin_runs.list(page=page, page_size=args.page_size)
        ids.extend(run["id"] for run in document["data"])
        page = document["meta"]["pagination"]["next-page"]
    seconds = time.perf_counter() - start

    report("terrasnek", ids, seconds)


if __name__ == "__main__":
    main()
