#!/usr/bin/env bash
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Create (or reuse) one virtual environment per benchmarked tool (tfe.runs with ansible-core, and
# each competitor), each with exactly its pinned venvs/requirements-<name>.txt, so that the
# libraries never share (or fight over) packages.
#
# Usage: benchmarks/venvs.sh [DIR]
#   DIR  where the venvs live, as DIR/venv-<name> (default ~/.cache/tfe-runs-bench); keep it
#        outside the collection tree.
# Environment:
#   TFE_RUNS_BENCH_PYTHON  the interpreter to build them with (must be Python 3.12+)
#   TFE_RUNS_BENCH_FRESH=1 rebuild even when the stamp matches
# Prints one "name=path-of-the-venv-python" line per venv on stdout (progress on stderr).
#
# Every venv uses the same interpreter (ansible-core 2.21 needs 3.12+, pytfe 3.10+), so
# a difference in the benchmark comes from the libraries, not from the Python version.
# A venv is reused while its stamp (interpreter + sha256 of the requirements file) is unchanged.

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${1:-${HOME}/.cache/tfe-runs-bench}"
NAMES=(tfe-runs pytfe terrasnek)

# is_py312 PATH: true if PATH runs and is CPython 3.12 or newer. Running it matters: pyenv's
# pythonX.Y shims on PATH exist but fail for every version but the global one.
is_py312() {
  [[ -x "$1" ]] && "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}

# pick_python: a working Python 3.12+, 3.12 first (the CI's newer leg), then 3.13;
# pyenv's real interpreters before anything on PATH. Prints the resolved path.
pick_python() {
  local candidate version
  if [[ -n "${TFE_RUNS_BENCH_PYTHON:-}" ]]; then
    is_py312 "${TFE_RUNS_BENCH_PYTHON}" || { echo "TFE_RUNS_BENCH_PYTHON is not Python 3.12+" >&2; return 1; }
    candidate="${TFE_RUNS_BENCH_PYTHON}"
  else
    candidate=""
    for version in 3.12 3.13; do
      # /root/.pyenv too: with another HOME (a fresh one, sudo) pyenv's root is still there.
      for candidate in $( { compgen -G "${PYENV_ROOT:-${HOME}/.pyenv}/versions/${version}*/bin/python${version}"
                            compgen -G "/root/.pyenv/versions/${version}*/bin/python${version}"; } | sort -V -r -u) \
        "$(command -v "python${version}" 2>/dev/null || true)" "/usr/bin/python${version}"; do
        is_py312 "${candidate}" && break 2
        candidate=""
      done
    done
    [[ -n "${candidate}" ]] || { echo "no Python 3.12+ interpreter found" >&2; return 1; }
  fi
  "${candidate}" -c 'import os, sys; print(os.path.realpath(sys.executable))'
}

PYTHON="$(pick_python)"
mkdir -p "${DIR}"
for name in "${NAMES[@]}"; do
  requirements="${HERE}/venvs/requirements-${name}.txt"
  venv="${DIR}/venv-${name}"
  stamp="python=${PYTHON} requirements=$(sha256sum "${requirements}" | cut -d' ' -f1)"
  if [[ "${TFE_RUNS_BENCH_FRESH:-0}" != 1 && -x "${venv}/bin/python" && -f "${venv}/.tfe-runs-bench-stamp" ]] \
    && [[ "$(cat "${venv}/.tfe-runs-bench-stamp")" == "${stamp}" ]]; then
    echo "reusing ${venv}" >&2
  else
    echo "creating ${venv} (${PYTHON}) from ${requirements}" >&2
    rm -rf "${venv}"
    log="${DIR}/venv-${name}.log"
    # The stamp is written only after a complete install, so a failed one is retried next time.
    if ! { "${PYTHON}" -m venv "${venv}" && "${venv}/bin/python" -m pip install -r "${requirements}"; } >"${log}" 2>&1; then
      tail -n 30 "${log}" >&2
      echo "creating ${venv} failed; full log: ${log}" >&2
      exit 1
    fi
    printf '%s\n' "${stamp}" >"${venv}/.tfe-runs-bench-stamp"
  fi
done
for name in "${NAMES[@]}"; do
  echo "${name}=${DIR}/venv-${name}/bin/python"
done
