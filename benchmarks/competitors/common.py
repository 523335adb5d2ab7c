# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every competitor script shares: its command line and the one JSON line it prints.

Imported by the list_*.py scripts (their own folder is first on sys.path); standard library only,
so it runs in every competitor's venv.
"""
import argparse
import json
from importlib.metadata import version


def arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", required=True, help="TFE address, e.g. http://127.0.0.1:PORT")
    parser.add_argument("--token", required=True, help="a site administrator's API token")
    parser.add_argument("--page-size", type=int, default=100, help="page[size] (the API's maximum is 100)")
    return parser.parse_args()


def report(package, ids, seconds):
    """The harness reads this line (benchmarks/tferuns_bench/tools.py, competitor_listing)."""
    print(json.dumps({"tool": package, "version": version(package), "runs": len(ids), "unique_runs": len(set(ids)),
                      "seconds": round(seconds, 3)}))
