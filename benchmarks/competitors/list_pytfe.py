# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark competitor: list every admin run with pytfe (HashiCorp's official Python SDK).

Run with the pytfe venv's python (see venvs.sh):
    python list_pytfe.py --url http://127.0.0.1:PORT --token TOKEN [--page-size 100]
Prints one JSON line: tool, version, runs, unique_runs, seconds (the listing only, not the
client's construction).

pytfe has a real admin runs API: ``client.admin.runs.list(AdminRunListOptions(...))`` sends
GET /api/v2/admin/runs and returns an iterator that fetches the pages one after another
(``resources/_base.py`` ``_Service._list``: page[number] from meta.pagination.next-page,
stopping on an empty page or when there is no next page). Iterating it is what a user writes,
so this script does no paging of its own.
"""
import time

from common import arguments, report  # pylint: disable=import-error
from pytfe import TFEClient, TFEConfig
from pytfe.models import AdminRunListOptions


def main():
    args = arguments(__doc__.splitlines()[0])

    # Library defaults otherwise (HTTP/2 where TLS offers it, 5 retries on 429/502/503/504), as a
    # user would leave them.
    with TFEClient(TFEConfig(address=args.url, token=args.token)) as client:
        start = time.perf_counter()
        ids = [run.id for run in client.admin.runs.list(AdminRunListOptions(page_size=args.page_size))]
        seconds = time.perf_counter() - start

    report("pytfe", ids, seconds)


if __name__ == "__main__":
    main()
