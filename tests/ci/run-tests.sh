#!/usr/bin/env bash
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The tfe.runs CI: `make test` and `.ci/run` call this. It installs everything it needs itself
# (virtual environments from PyPI, a pip bootstrap stand-in for ansible-test), so it works on a
# fresh machine; on a developer's machine it reuses the venvs whose pins have not changed.
#
# Usage: tests/ci/run-tests.sh [STEP...]
#   all          everything below (default)
#   build        per leg: copy the tree, build the artifact, install it, ansible-doc -l
#   sanity       per leg: ansible-test sanity (no ignore file allowed)
#   units        per leg: ansible-test units
#   simulator    per leg: pytest tests/simulator/tests
#   integration  per leg: pytest tests/integration (against the installed artifact)
#   lint         once: ansible-lint --profile production
#   changelog    once: antsibull-changelog lint
#   galaxy-importer  once: galaxy-importer (ansible-doc + ansible-lint) on the built artifact
#   fresh-demo   once: `make demo` from a copy of the tree with an empty HOME and TFE_RUNS_CI_DIR
# Every per-leg step also does the leg's venv + copy (+ build for integration) it depends on.
#
# Environment:
#   LEGS="2.16 2.21"     legs to run (names from tests/ci/pins.sh); default: all of them
#   TFE_RUNS_CI_DIR      venvs, copies, artifacts and logs (default ~/.cache/tfe-runs-ci);
#                        always outside the collection tree
#   TFE_RUNS_CI_FRESH=1  rebuild the venvs even when their stamps match
#
# What the integration tests get (exported for `pytest tests/integration`):
#   ANSIBLE_COLLECTIONS_PATH    the directory the built artifact was installed into
#                               (it holds ansible_collections/tfe/runs)
#   TFE_RUNS_BUILT_ARTIFACT     the path of the built tfe-runs-<version>.tar.gz
#   TFE_RUNS_COLLECTION_DIR     the copy of the checkout under test (.../ansible_collections/tfe/runs)
#   ANSIBLE_PYTHON_INTERPRETER  the leg venv's python, so modules run where `requests` is installed
#   TFE_RUNS_CI_LEG             the leg name, e.g. 2.16
#   PATH                        starts with the leg venv's bin (ansible-playbook, ansible, ansible-runner)

set -uo pipefail

SOURCE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=tests/ci/pins.sh
source "${SOURCE_ROOT}/tests/ci/pins.sh"

CI_DIR="${TFE_RUNS_CI_DIR:-${HOME}/.cache/tfe-runs-ci}"
mkdir -p "${CI_DIR}"
CI_DIR="$(cd "${CI_DIR}" && pwd -P)"
case "${CI_DIR}/" in
  "$(pwd -P)/"* | "${SOURCE_ROOT}/"*)
    echo "TFE_RUNS_CI_DIR (${CI_DIR}) must be outside the collection tree" >&2
    exit 2
    ;;
esac
LOG_DIR="${CI_DIR}/logs"
PYBIN="${CI_DIR}/pybin"
mkdir -p "${LOG_DIR}" "${PYBIN}"

export PYTHONDONTWRITEBYTECODE=1
export PIP_DISABLE_PIP_VERSION_CHECK=1
export ANSIBLE_NOCOLOR=1
export PY_COLORS=0

RESULTS=()        # "status|step|leg|seconds|counts"
TOTAL_PASSED=0
TOTAL_FAILED=0
RUN_START=$(date +%s)

# ---------------------------------------------------------------------------- helpers

say() { printf '\n=== %s\n' "$*"; }

# record STATUS STEP LEG SECONDS COUNTS
record() {
  RESULTS+=("$1|$2|$3|$4|$5")
  printf -- '--- %s %s%s (%ss)%s\n' "$1" "$2" "${3:+ [$3]}" "$4" "${5:+: $5}"
}

leg_field() {  # leg_field LEG INDEX -> field of the CI_LEGS entry named LEG
  local entry
  for entry in "${CI_LEGS[@]}"; do
    IFS=: read -r -a parts <<<"${entry}"
    if [[ "${parts[0]}" == "$1" ]]; then
      echo "${parts[$2]}"
      return 0
    fi
  done
  return 1
}

# find_python X.Y: print the path of a real (non-shim) CPython X.Y interpreter.
find_python() {
  local want="$1" candidate
  local -a candidates=()
  # pyenv's real interpreters first (its PATH shims fail for every version but the global one).
  while IFS= read -r candidate; do candidates+=("${candidate}"); done < <(
    {
      compgen -G "${PYENV_ROOT:-${HOME}/.pyenv}/versions/${want}*/bin/python${want}"
      compgen -G "/root/.pyenv/versions/${want}*/bin/python${want}"
    } | sort -V -r -u)
  candidate="$(command -v "python${want}" 2>/dev/null)" && candidates+=("${candidate}")
  candidates+=("/usr/bin/python${want}" "/usr/local/bin/python${want}")
  for candidate in "${candidates[@]}"; do
    [[ -x "${candidate}" ]] || continue
    if [[ "$("${candidate}" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" == "${want}" ]]; then
      # Resolve so that ansible-test gets the real interpreter, never a shim.
      "${candidate}" -c 'import os, sys; print(os.path.realpath(sys.executable))'
      return 0
    fi
  done
  return 1
}

# link_python X.Y: make ${PYBIN}/pythonX.Y point at the real interpreter (ansible-test finds
# interpreters by name on PATH and keeps only HOME, PATH and LC_ALL of the environment).
link_python() {
  local real
  real="$(find_python "$1")" || { echo "no Python $1 interpreter found" >&2; return 1; }
  ln -sfn "${real}" "${PYBIN}/python$1"
  echo "${real}"
}

# ensure_venv NAME PYTHON_X.Y REQUIREMENT... : create/reuse ${CI_DIR}/venv/NAME.
ensure_venv() {
  local name="$1" version="$2"
  shift 2
  local venv="${CI_DIR}/venv/${name}" real stamp log
  real="$(link_python "${version}")" || return 1
  stamp="$(printf '%s\n' "python=${real}" "$@")"
  if [[ -f "${venv}/.tfe-runs-stamp" && -x "${venv}/bin/python" && "${TFE_RUNS_CI_FRESH:-0}" != 1 ]] \
     && [[ "$(cat "${venv}/.tfe-runs-stamp")" == "${stamp}" ]]; then
    echo "reusing venv ${venv}"
    return 0
  fi
  echo "creating venv ${venv} (Python ${version}: ${real}) with: $*"
  log="${LOG_DIR}/venv-${name}.log"
  rm -rf "${venv}"
  # The full pip output goes to the log; the console gets one line per package, so a first run on a
  # fresh machine shows progress instead of minutes of silence.
  { "${real}" -m venv "${venv}" && "${venv}/bin/python" -m pip install --progress-bar off "$@"; } 2>&1 \
    | tee "${log}" | awk '/^(Collecting|Successfully installed) / { print "  " substr($0, 1, 100); fflush() }'
  if [[ ${PIPESTATUS[0]} -ne 0 ]]; then
    tail -n 40 "${log}"
    echo "creating venv ${name} failed; full log: ${log}" >&2
    return 1
  fi
  printf '%s\n' "${stamp}" >"${venv}/.tfe-runs-stamp"
}

# copy_tree DEST: a real copy of the checkout (committed and uncommitted, not ignored files).
copy_tree() {
  local dest="$1"
  rm -rf "${dest}"
  mkdir -p "${dest}"
  if git -C "${SOURCE_ROOT}" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "${SOURCE_ROOT}" && git ls-files -z -co --exclude-standard \
      | while IFS= read -r -d '' path; do [[ -e "${path}" || -L "${path}" ]] && printf '%s\0' "${path}"; done \
      | tar --null --no-recursion -T - -cf -) | tar -xf - -C "${dest}"
  else
    (cd "${SOURCE_ROOT}" && tar --exclude=./.git --exclude=./tests/output -cf - .) | tar -xf - -C "${dest}"
  fi
}

# in_dir DIR COMMAND...: run COMMAND in DIR (a subshell, so the caller's cwd stays).
in_dir() {
  local dir="$1"
  shift
  (cd "${dir}" && "$@")
}

# run_logged LOG COMMAND...: run, show output live, keep a copy in LOG; returns the command's status.
run_logged() {
  local log="$1"
  shift
  "$@" 2>&1 | tee "${log}"
  return "${PIPESTATUS[0]}"
}

# pytest_counts LOG: read pytest's closing line; sets PASSED, FAILED (failures + errors) and
# COUNTS ("N passed, N failed, N skipped", or "" when there is no closing line).
PASSED=0
FAILED=0
COUNTS=""
pytest_counts() {
  local line word
  PASSED=0
  FAILED=0
  COUNTS=""
  local skipped=0 errors=0 found=0
  # Closing lines, with or without -q framing: "==== 3 passed in 0.1s ====" or "3 passed in 0.10s".
  # ansible-test units may run pytest more than once (module_utils, then modules): add them all up.
  while IFS= read -r line; do
    found=1
    for word in passed failed skipped error errors; do
      local n
      n="$(grep -oE "[0-9]+ ${word}([ ,]|$)" <<<"${line}" | grep -oE '^[0-9]+' | head -n 1)"
      case "${word}" in
        passed) PASSED=$((PASSED + ${n:-0})) ;;
        failed) FAILED=$((FAILED + ${n:-0})) ;;
        skipped) skipped=$((skipped + ${n:-0})) ;;
        error | errors) errors=$((errors + ${n:-0})) ;;
      esac
    done
  done < <(grep -E '^(=+ )?[0-9]+ [a-z]+.* in [0-9.]+s( \([0-9:]+\))?( =+)?$' "$1")
  [[ ${found} -eq 1 ]] || return 0
  FAILED=$((FAILED + errors))
  COUNTS="${PASSED} passed, ${FAILED} failed, ${skipped} skipped"
}

has_python_tests() {  # has_python_tests DIR: any test_*.py / *_test.py below DIR?
  [[ -d "$1" ]] && [[ -n "$(find "$1" -type f \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit)" ]]
}

# run_step STEP LEG FUNCTION ARGS...: time a step, record its result.
run_step() {
  local step="$1" leg="$2"
  shift 2
  local start rc
  say "${step}${leg:+ [${leg}]}"
  start=$(date +%s)
  STEP_COUNTS=""
  STEP_SKIPPED=0
  "$@"
  rc=$?
  local status=PASS
  if [[ ${rc} -ne 0 ]]; then
    status=FAIL
  elif [[ ${STEP_SKIPPED} -eq 1 ]]; then
    status=SKIP
  fi
  record "${status}" "${step}" "${leg}" "$(($(date +%s) - start))" "${STEP_COUNTS}"
  return "${rc}"
}

# ---------------------------------------------------------------------------- per-leg steps

# Globals set by prepare_leg for the current leg.
LEG="" CORE="" PYVER="" VENV="" COPY="" OUT_DIR="" INSTALL_DIR="" ARTIFACT=""

step_venv() {
  local -a requirements=("ansible-core==${CORE}" "${LEG_REQUIREMENTS[@]}")
  # Test suites may add their own needs in tests/<suite>/requirements.txt (one requirement a line);
  # they become part of the venv's stamp, so editing one rebuilds the venv.
  local file line
  for file in tests/unit/requirements.txt tests/simulator/requirements.txt tests/integration/requirements.txt; do
    [[ -f "${SOURCE_ROOT}/${file}" ]] || continue
    while IFS= read -r line || [[ -n "${line}" ]]; do
      line="${line%%#*}"
      line="${line#"${line%%[![:space:]]*}"}"
      line="${line%"${line##*[![:space:]]}"}"
      # each requirement once: the suites' files repeat the shared ones (requests, pytest)
      [[ -n "${line}" && " ${requirements[*]} " != *" ${line} "* ]] && requirements+=("${line}")
    done <"${SOURCE_ROOT}/${file}"
  done
  ensure_venv "leg-${LEG}" "${PYVER}" "${requirements[@]}" || return 1
  # ansible-test builds its sanity venvs with a pip bootstrap script it would download from a host
  # CI cannot reach; seed its cache with a stand-in named after the pip version this core pins.
  "${VENV}/bin/python" "${SOURCE_ROOT}/tests/ci/make_get_pip.py" "${VENV}/bin/python"
}

step_copy() {
  copy_tree "${COPY}" || return 1
  echo "copied $(find "${COPY}" -type f | wc -l) files to ${COPY}"
}

step_build() {
  local version
  rm -rf "${OUT_DIR}" "${INSTALL_DIR}"
  mkdir -p "${OUT_DIR}" "${INSTALL_DIR}"
  version="$("${VENV}/bin/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "${COPY}/galaxy.yml")" || return 1
  ARTIFACT="${OUT_DIR}/tfe-runs-${version}.tar.gz"
  (cd "${COPY}" && "${VENV}/bin/ansible-galaxy" collection build --force --output-path "${OUT_DIR}") || return 1
  [[ -f "${ARTIFACT}" ]] || { echo "expected artifact ${ARTIFACT} was not built" >&2; return 1; }
  # build_ignore must keep test outputs, caches and virtualenvs out of the artifact.
  local leaked
  leaked="$(tar -tzf "${ARTIFACT}" | grep -E '(^|/)(__pycache__|\.pytest_cache|\.venv[^/]*|tests/output)(/|$)|\.pyc$|\.tar\.gz$')"
  if [[ -n "${leaked}" ]]; then
    echo "artifact contains files build_ignore should exclude:" >&2
    echo "${leaked}" >&2
    return 1
  fi
  echo "artifact: ${ARTIFACT} ($(tar -tzf "${ARTIFACT}" | wc -l) entries)"
  "${VENV}/bin/ansible-galaxy" collection install --force -p "${INSTALL_DIR}" "${ARTIFACT}" || return 1
  # ansible-doc must list the installed collection's modules without error (from a neutral cwd,
  # so that only ANSIBLE_COLLECTIONS_PATH can supply the collection).
  local doc_log="${LOG_DIR}/ansible-doc-${LEG}.log"
  (cd "${INSTALL_DIR}" && ANSIBLE_COLLECTIONS_PATH="${INSTALL_DIR}" "${VENV}/bin/ansible-doc" -t module -l tfe.runs) >"${doc_log}" 2>&1
  local rc=$?
  cat "${doc_log}"
  if [[ ${rc} -ne 0 ]] || grep -qE '^(ERROR|\[ERROR\])' "${doc_log}"; then
    echo "ansible-doc -t module -l tfe.runs failed (rc ${rc})" >&2
    return 1
  fi
  STEP_COUNTS="$(grep -c '^tfe\.runs\.' "${doc_log}" || true) modules listed"
}

ansible_test() {  # ansible_test ARGS...: run the leg's ansible-test in the copy
  (cd "${COPY}" && PATH="${PYBIN}:${VENV}/bin:${PATH}" "${VENV}/bin/ansible-test" "$@" --color no)
}

step_sanity() {
  local log="${LOG_DIR}/sanity-${LEG}.log" ignores
  ignores="$(cd "${COPY}" && ls tests/sanity/ignore-*.txt 2>/dev/null)"
  if [[ -n "${ignores}" ]]; then
    echo "sanity ignore files are not allowed: ${ignores}" >&2
    return 1
  fi
  rm -rf "${COPY}/tests/output"
  run_logged "${log}" ansible_test sanity --python "${PYVER}" --requirements
  local rc=$?
  local ran failed
  ran="$(grep -c '^Running sanity test ' "${log}")"
  failed="$(grep -E '^FATAL: The [0-9]+ sanity test\(s\) listed below' "${log}" | grep -oE '[0-9]+' | head -n 1)"
  failed="${failed:-0}"
  [[ ${rc} -ne 0 && ${failed} -eq 0 ]] && failed=1
  PASSED=$((ran - failed)); FAILED=${failed}
  TOTAL_PASSED=$((TOTAL_PASSED + PASSED)); TOTAL_FAILED=$((TOTAL_FAILED + FAILED))
  STEP_COUNTS="${PASSED} passed, ${FAILED} failed (sanity tests)"
  return "${rc}"
}

step_units() {
  if ! has_python_tests "${COPY}/tests/unit"; then
    echo "no unit tests under tests/unit yet: skipped"
    STEP_SKIPPED=1
    return 0
  fi
  local log="${LOG_DIR}/units-${LEG}.log"
  # --python-interpreter: run on the leg venv, which already holds pytest & co. and the
  # collection's runtime requirements, instead of letting ansible-test pip-install into the
  # real interpreter. Extra unit test requirements go in tests/unit/requirements.txt.
  run_logged "${log}" ansible_test units --python "${PYVER}" --python-interpreter "${VENV}/bin/python"
  local rc=$?
  pytest_counts "${log}"
  STEP_COUNTS="${COUNTS}"
  TOTAL_PASSED=$((TOTAL_PASSED + PASSED)); TOTAL_FAILED=$((TOTAL_FAILED + FAILED))
  return "${rc}"
}

# run_pytest NAME DIR [ENV=VALUE...]: pytest DIR in the leg venv from the copy's root.
# Exit code 5 (no tests collected) is fine while a suite is still empty.
run_pytest() {
  local name="$1" dir="$2"
  shift 2
  if [[ ! -d "${COPY}/${dir}" ]]; then
    echo "${dir} does not exist yet: skipped"
    STEP_SKIPPED=1
    return 0
  fi
  local log
  log="${LOG_DIR}/${name}-${LEG}.log"
  run_logged "${log}" in_dir "${COPY}" env "$@" PATH="${VENV}/bin:${PATH}" \
    "${VENV}/bin/python" -m pytest -p no:cacheprovider -q -ra "${dir}"
  local rc=$?
  pytest_counts "${log}"
  STEP_COUNTS="${COUNTS}"
  TOTAL_PASSED=$((TOTAL_PASSED + PASSED)); TOTAL_FAILED=$((TOTAL_FAILED + FAILED))
  if [[ ${rc} -eq 5 ]]; then
    echo "no tests collected in ${dir} (pytest exit 5): not a failure"
    STEP_COUNTS="no tests yet"
    STEP_SKIPPED=1
    return 0
  fi
  return "${rc}"
}

step_simulator() { run_pytest simulator tests/simulator/tests; }

step_integration() {
  run_pytest integration tests/integration \
    ANSIBLE_COLLECTIONS_PATH="${INSTALL_DIR}" \
    TFE_RUNS_BUILT_ARTIFACT="${ARTIFACT}" \
    TFE_RUNS_COLLECTION_DIR="${COPY}" \
    ANSIBLE_PYTHON_INTERPRETER="${VENV}/bin/python" \
    TFE_RUNS_CI_LEG="${LEG}"
}

run_leg() {
  local want_build=0 want_sanity=0 want_units=0 want_sim=0 want_int=0 step
  for step in "$@"; do
    case "${step}" in
      build) want_build=1 ;;
      sanity) want_sanity=1 ;;
      units) want_units=1 ;;
      simulator) want_sim=1 ;;
      integration) want_int=1; want_build=1 ;;
    esac
  done
  LEG="$1"; shift
  CORE="$(leg_field "${LEG}" 1)" || { echo "unknown leg ${LEG} (see tests/ci/pins.sh)" >&2; return 1; }
  PYVER="$(leg_field "${LEG}" 2)"
  VENV="${CI_DIR}/venv/leg-${LEG}"
  COPY="${CI_DIR}/work/leg-${LEG}/ansible_collections/tfe/runs"
  OUT_DIR="${CI_DIR}/work/leg-${LEG}/build"
  INSTALL_DIR="${CI_DIR}/work/leg-${LEG}/installed"
  ARTIFACT=""
  say "leg ${LEG}: ansible-core ${CORE} on Python ${PYVER}"
  run_step venv "${LEG}" step_venv || return 1
  run_step copy "${LEG}" step_copy || return 1
  if [[ ${want_build} -eq 1 ]] && ! run_step build "${LEG}" step_build && [[ ${want_int} -eq 1 ]]; then
    want_int=0
    record FAIL integration "${LEG}" 0 "not run: the build failed"
  fi
  [[ ${want_sanity} -eq 1 ]] && run_step sanity "${LEG}" step_sanity
  [[ ${want_units} -eq 1 ]] && run_step units "${LEG}" step_units
  [[ ${want_sim} -eq 1 ]] && run_step simulator "${LEG}" step_simulator
  [[ ${want_int} -eq 1 ]] && run_step integration "${LEG}" step_integration
  return 0
}

# ---------------------------------------------------------------------------- once-only steps

step_lint() {
  ensure_venv lint "${LINT_PYTHON}" "${LINT_REQUIREMENTS[@]}" || return 1
  local copy="${CI_DIR}/work/lint/ansible_collections/tfe/runs" log="${LOG_DIR}/ansible-lint.log"
  copy_tree "${copy}" || return 1
  # --offline: no Galaxy look-ups (the collection has no dependencies to fetch).
  # ANSIBLE_COLLECTIONS_PATH: lets ansible-lint resolve tfe.runs.* in the modules' EXAMPLES.
  run_logged "${log}" in_dir "${copy}" env PATH="${CI_DIR}/venv/lint/bin:${PATH}" \
    ANSIBLE_COLLECTIONS_PATH="${CI_DIR}/work/lint" "${CI_DIR}/venv/lint/bin/ansible-lint" \
    --profile production --offline --nocolor
  local rc=$?
  STEP_COUNTS="$(grep -E '^(Passed|Failed)' "${log}" | tail -n 1)"
  return "${rc}"
}

step_changelog() {
  ensure_venv changelog "${CHANGELOG_PYTHON}" "${CHANGELOG_REQUIREMENTS[@]}" || return 1
  local bin="${CI_DIR}/venv/changelog/bin/antsibull-changelog"
  (cd "${SOURCE_ROOT}" && "${bin}" lint && "${bin}" lint-changelog-yaml changelogs/changelog.yaml) || return 1
  STEP_COUNTS="$(find "${SOURCE_ROOT}/changelogs/fragments" -type f ! -name '.*' | wc -l) fragments"
}

# galaxy-importer on the artifact the first leg built, as Galaxy would import it: ansible-doc and
# ansible-lint on, ansible-test off (the sanity step runs it). Any WARNING or ERROR line fails it.
step_galaxy_importer() {
  ensure_venv galaxy-importer "${GALAXY_IMPORTER_PYTHON}" "${GALAXY_IMPORTER_REQUIREMENTS[@]}" || return 1
  local leg="${CI_LEGS[0]%%:*}" artifact log="${LOG_DIR}/galaxy-importer.log" bin="${CI_DIR}/venv/galaxy-importer/bin"
  artifact="$(ls -t "${CI_DIR}/work/leg-${leg}/build/"tfe-runs-*.tar.gz 2>/dev/null | head -n 1)"
  if [[ -z "${artifact}" ]]; then
    LEGS="${leg}" bash "${BASH_SOURCE[0]}" build >/dev/null || return 1
    artifact="$(ls -t "${CI_DIR}/work/leg-${leg}/build/"tfe-runs-*.tar.gz | head -n 1)"
  fi
  run_logged "${log}" in_dir "${CI_DIR}" env PATH="${bin}:${PATH}" GALAXY_IMPORTER_RUN_ANSIBLE_TEST=false \
    GALAXY_IMPORTER_RUN_ANSIBLE_LINT=true GALAXY_IMPORTER_RUN_ANSIBLE_DOC=true \
    GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="${CI_DIR}/work/galaxy-importer-tmp" \
    "${bin}/python" -m galaxy_importer.main "${artifact}"
  local rc=$? problems
  problems="$(grep -cE '(^|[^A-Za-z])(WARNING|ERROR)' "${log}")"
  STEP_COUNTS="${problems} warnings or errors"
  grep -q '^Importer processing completed successfully' "${log}" || rc=1
  [[ ${problems} -eq 0 ]] || rc=1
  return "${rc}"
}

# The README's first command on a machine where nothing of the project exists: a copy of the tree,
# an empty HOME and an empty TFE_RUNS_CI_DIR, so the demo builds its own venv; only the pip cache
# (downloads, not installs) is reused to keep it to a few minutes.
step_fresh_demo() {
  local scratch log pip_cache rc
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/tfe-runs-fresh.XXXXXX")"
  log="${LOG_DIR}/fresh-demo.log"
  pip_cache="$(python3 -m pip cache dir 2>/dev/null || echo "${HOME}/.cache/pip")"
  copy_tree "${scratch}/checkout" || return 1
  mkdir -p "${scratch}/home"
  local -a environment=(PATH="${PATH}" HOME="${scratch}/home" TFE_RUNS_CI_DIR="${scratch}/ci"
                        PIP_CACHE_DIR="${pip_cache}" TMPDIR="${TMPDIR:-/tmp}" LANG="${LANG:-C.UTF-8}")
  local name
  for name in $(compgen -e); do
    case "${name}" in PIP_* | PYENV_ROOT | http_proxy | https_proxy | no_proxy | HTTP_PROXY | HTTPS_PROXY | NO_PROXY)
      [[ "${name}" == PIP_CACHE_DIR ]] || environment+=("${name}=${!name}") ;;
    esac
  done
  if command -v make >/dev/null 2>&1; then
    run_logged "${log}" in_dir "${scratch}/checkout" env -i "${environment[@]}" make --no-print-directory demo
  else
    run_logged "${log}" in_dir "${scratch}/checkout" env -i "${environment[@]}" bash tests/ci/demo.sh
  fi
  rc=$?
  rm -rf "${scratch}"
  local recap
  recap="$(grep -E '^localhost +: ok=' "${log}" | tail -n 1 | tr -s ' ')"
  if [[ ${rc} -eq 0 && "${recap}" == *" failed=0 "* ]]; then
    PASSED=1; FAILED=0
  else
    PASSED=0; FAILED=1; [[ ${rc} -ne 0 ]] || rc=1
  fi
  TOTAL_PASSED=$((TOTAL_PASSED + PASSED)); TOTAL_FAILED=$((TOTAL_FAILED + FAILED))
  STEP_COUNTS="make demo from an empty HOME: ${recap:-no play recap}"
  return "${rc}"
}

# ---------------------------------------------------------------------------- main

summary() {
  local entry status step leg seconds counts passed=0 failed=0 skipped=0
  say "summary ($(($(date +%s) - RUN_START))s in all; logs in ${LOG_DIR})"
  printf '%-6s %-12s %-6s %7s  %s\n' RESULT STEP LEG SECONDS DETAILS
  for entry in "${RESULTS[@]}"; do
    IFS='|' read -r status step leg seconds counts <<<"${entry}"
    printf '%-6s %-12s %-6s %7s  %s\n' "${status}" "${step}" "${leg:--}" "${seconds}" "${counts}"
    case "${status}" in
      PASS) passed=$((passed + 1)) ;;
      FAIL) failed=$((failed + 1)) ;;
      SKIP) skipped=$((skipped + 1)) ;;
    esac
  done
  echo
  echo "steps: ${passed} passed, ${failed} failed, ${skipped} skipped"
  echo "tests: ${TOTAL_PASSED} passed, ${TOTAL_FAILED} failed"
  [[ ${failed} -eq 0 ]]
}

main() {
  local -a steps=("$@") legs=() leg_steps=() entry
  [[ ${#steps[@]} -eq 0 ]] && steps=(all)
  local do_lint=0 do_changelog=0 do_fresh_demo=0 do_importer=0 step
  for step in "${steps[@]}"; do
    case "${step}" in
      all) leg_steps+=(build sanity units simulator integration); do_lint=1; do_changelog=1; do_importer=1; do_fresh_demo=1 ;;
      legs) leg_steps+=(build sanity units simulator integration) ;;
      build | sanity | units | simulator | integration) leg_steps+=("${step}") ;;
      lint) do_lint=1 ;;
      changelog) do_changelog=1 ;;
      fresh-demo) do_fresh_demo=1 ;;
      galaxy-importer) do_importer=1 ;;
      *) echo "unknown step ${step}" >&2; sed -n '9,22p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
    esac
  done
  if [[ -n "${LEGS:-}" ]]; then
    read -r -a legs <<<"${LEGS}"
  else
    for entry in "${CI_LEGS[@]}"; do legs+=("${entry%%:*}"); done
  fi

  say "tfe.runs CI: steps ${steps[*]}; legs ${legs[*]}; work dir ${CI_DIR}"
  if [[ ${#leg_steps[@]} -gt 0 ]]; then
    for leg in "${legs[@]}"; do
      run_leg "${leg}" "${leg_steps[@]}" || record FAIL "leg" "${leg}" 0 "leg could not be set up"
    done
  fi
  [[ ${do_lint} -eq 1 ]] && run_step ansible-lint "" step_lint
  [[ ${do_changelog} -eq 1 ]] && run_step changelog "" step_changelog
  [[ ${do_importer} -eq 1 ]] && run_step galaxy-importer "" step_galaxy_importer
  [[ ${do_fresh_demo} -eq 1 ]] && run_step fresh-demo "" step_fresh_demo
  summary
}

main "$@"
