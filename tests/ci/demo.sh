#!/usr/bin/env bash
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# `make demo`: build and install the collection (in the CI's 2.16 venv, created if missing), start
# the bundled TFE simulator with its demo world, run playbooks/demo.yml against it, stop it.
set -euo pipefail

SOURCE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CI_DIR="${TFE_RUNS_CI_DIR:-${HOME}/.cache/tfe-runs-ci}"
LEG="${DEMO_LEG:-2.16}"
mkdir -p "${CI_DIR}"
BUILD_LOG="${CI_DIR}/demo-build.log"

if [[ ! -x "${CI_DIR}/venv/leg-${LEG}/bin/ansible-playbook" ]]; then
  echo "make demo: first run here, so it builds a virtual environment with ansible-core ${LEG} under ${CI_DIR} (a few minutes; later runs reuse it)"
fi
# The build's step and package lines are shown as they happen; its full output stays in the log.
built=0
LEGS="${LEG}" TFE_RUNS_CI_DIR="${CI_DIR}" bash "${SOURCE_ROOT}/tests/ci/run-tests.sh" build 2>&1 \
  | tee "${BUILD_LOG}" | grep --line-buffered -E '^(=== |--- |creating venv|reusing venv|  (Collecting|Successfully))' \
  || built=$?
if [[ ${built} -ne 0 ]]; then
  tail -n 40 "${BUILD_LOG}"
  echo "building the collection failed; log: ${BUILD_LOG}" >&2
  exit 1
fi
VENV="${CI_DIR}/venv/leg-${LEG}"
INSTALLED="${CI_DIR}/work/leg-${LEG}/installed"

SIM_LOG="$(mktemp -t tfesim-demo.XXXXXX)"
PYTHONPATH="${SOURCE_ROOT}/tests/simulator" "${VENV}/bin/python" -m tfesim --port 0 \
  --seed "${SOURCE_ROOT}/tests/simulator/seed.yml" >"${SIM_LOG}" 2>&1 &
SIM_PID=$!
trap 'kill "${SIM_PID}" 2>/dev/null; wait "${SIM_PID}" 2>/dev/null; rm -f "${SIM_LOG}"' EXIT

for _ in $(seq 1 100); do
  grep -q '^TFESIM_URL=' "${SIM_LOG}" && break
  kill -0 "${SIM_PID}" 2>/dev/null || { cat "${SIM_LOG}"; echo "the simulator did not start" >&2; exit 1; }
  sleep 0.1
done
URL="$(sed -n 's/^TFESIM_URL=//p' "${SIM_LOG}" | head -n 1)"
TOKEN="$(sed -n 's/^export TFE_ADDRESS=[^ ]* TFE_TOKEN=//p' "${SIM_LOG}" | head -n 1)"
[[ -n "${URL}" && -n "${TOKEN}" ]] || { cat "${SIM_LOG}"; echo "could not read the simulator's address" >&2; exit 1; }
echo "TFE simulator running at ${URL} (demo world from tests/simulator/seed.yml)"

ANSIBLE_COLLECTIONS_PATH="${INSTALLED}" ANSIBLE_PYTHON_INTERPRETER="${VENV}/bin/python" \
  TFE_ADDRESS="${URL}" TFE_TOKEN="${TOKEN}" \
  "${VENV}/bin/ansible-playbook" -i localhost, -c local "${SOURCE_ROOT}/playbooks/demo.yml" "$@"
