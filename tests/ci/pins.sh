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
# run time (requests) and what ansible-test units loads (pytest, pytest-xdist, pytest-mock, mock).
# What each test suite imports besides is pinned in its own tests/<suite>/requirements.txt, which
# run-tests.sh adds (so contributors' `ansible-test units --requirements` gets the same pins).
LEG_REQUIREMENTS=(
  "requests==2.34.2"
  "pytest==9.2.0"
  "pytest-xdist==3.8.0"
  "pytest-mock==3.17.0"
  "mock==5.2.0"
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

# galaxy-importer (what Galaxy and Automation Hub run on every upload) runs once on the built
# artifact, in its own venv; it brings its own ansible-core and ansible-lint.
GALAXY_IMPORTER_PYTHON="3.11"
GALAXY_IMPORTER_REQUIREMENTS=(
  "galaxy-importer==0.4.44"
  "ansible-lint==26.10.1"
)
