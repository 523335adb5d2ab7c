#!/usr/bin/env bash
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# make bench: set up (or reuse) the benchmark venvs, then run every benchmark side by side and
# rewrite docs/performance.md. Extra arguments go to benchmarks/run.py (e.g. --quick).
# Environment: TFE_RUNS_BENCH_DIR (default ~/.cache/tfe-runs-bench) holds the venvs.

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${TFE_RUNS_BENCH_DIR:-${HOME}/.cache/tfe-runs-bench}"

declare -A PYTHONS
while IFS='=' read -r name path; do
  PYTHONS["${name}"]="${path}"
done < <(bash "${HERE}/venvs.sh" "${DIR}")

# The tfe-runs venv's ansible executables first on PATH: the harness builds, installs and runs the
# collection with them. Developer settings (ANSIBLE_*, TFE_*) are scrubbed by the harness itself.
TFE_RUNS_BIN="$(dirname "${PYTHONS[tfe-runs]}")"
export PATH="${TFE_RUNS_BIN}:${PATH}"
export PYTHONPATH="${HERE}/../tests/integration${PYTHONPATH:+:${PYTHONPATH}}"
cd "${HERE}"
exec "${PYTHONS[tfe-runs]}" run.py --pytfe "${PYTHONS[pytfe]}" --terrasnek "${PYTHONS[terrasnek]}" "$@"
