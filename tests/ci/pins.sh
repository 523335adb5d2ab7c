# shellcheck shell=bash disable=SC2034  # the variables are used by run-tests.sh
# The one place where the tfe.runs CI pins versions. Sourced by tests/ci/run-tests.sh.
# Changing a line here makes the next run rebuild the affected virtual environments
# (each venv carries a stamp of exactly what it was built from).

# CI legs: "<leg name>:<ansible-core version>:<Python X.Y>", lowest and highest supported core.
# ansible-core 2.16 runs on Python 3.10-3.12; 2.20 and newer need 3.12+.
CI_LEGS=(
  "2.16:2.16.19:3.11"
  "2.21:2.21.5:3.12"
)

# Installed into every leg's venv next to that leg's ansible-core: what the collection needs at
# run time (requests), what ansible-test units loads (pytest, pytest-xdist, pytest-mock, mock,
# pyyaml), and what the unit, simulator and integration tests use.
LEG_REQUIREMENTS=(
  "requests==2.34.2"
  "pytest==9.2.0"
  "pytest-xdist==3.8.0"
  "pytest-mock==3.17.0"
  "mock==5.2.0"
  "hypothesis==6.170.15"
  "pyyaml==6.0.3"
  "cryptography==50.0.2"
  "ansible-runner==2.4.3"
)

# ansible-lint runs once, in its own venv, with a pinned ansible-core of its own.
LINT_PYTHON="3.12"
LINT_REQUIREMENTS=(
  "ansible-lint==26.10.1"
  "ansible-core==2.21.5"
)

# antsibull-changelog runs once, in its own venv.
CHANGELOG_PYTHON="3.12"
CHANGELOG_REQUIREMENTS=(
  "antsibull-changelog==0.36.0"
)
