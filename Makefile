# tfe.runs developer entry points. Everything runs through tests/ci/run-tests.sh, which builds its
# own virtual environments under $(TFE_RUNS_CI_DIR) (default ~/.cache/tfe-runs-ci) and reuses them
# while tests/ci/pins.sh is unchanged.
#
#   make test                 everything CI runs (.ci/run calls this), a fresh-machine demo included
#   make sanity LEGS=2.16     ansible-test sanity on one leg (LEGS="2.16 2.21" is the default)
#   make units | simulator | integration | build   one kind of test, per leg
#   make lint                 ansible-lint --profile production, antsibull-changelog lint, galaxy-importer
#   make demo                 playbooks/demo.yml against the bundled simulator (builds its venv on first use)
#   make bench                benchmarks side by side; rewrites docs/performance.md (BENCH_ARGS="--only fleet" or "--only listing": one part alone)
#   make clean                drop copies, artifacts and logs (keeps the venvs); distclean: all

SHELL := /bin/bash
RUN_TESTS := bash tests/ci/run-tests.sh
LEGS ?=
BENCH_ARGS ?=
TFE_RUNS_CI_DIR ?= $(HOME)/.cache/tfe-runs-ci
export LEGS TFE_RUNS_CI_DIR

.PHONY: test sanity units simulator integration build lint changelog demo bench clean distclean help

help:
	@sed -n '1,11p' Makefile

test:
	$(RUN_TESTS) all

sanity units simulator integration build changelog:
	$(RUN_TESTS) $@

lint:
	$(RUN_TESTS) lint changelog galaxy-importer

demo:
	bash tests/ci/demo.sh

bench:
	bash benchmarks/bench.sh $(BENCH_ARGS)

clean:
	rm -rf "$(TFE_RUNS_CI_DIR)/work" "$(TFE_RUNS_CI_DIR)/logs" tests/output

distclean: clean
	rm -rf "$(TFE_RUNS_CI_DIR)"
