"""Contract sections 5.6 and 1.7: plan and apply logs read in chunks (?offset=&limit=), STX first,
ETX only once the phase is done, Terraform's ANSI colours in the text, one block per resource
change, and the log_lines knob for long logs."""
from __future__ import annotations

import re

import requests

STX, ETX = "\x02", "\x03"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _log_url(api, run_id, phase="plan"):
    return api.get("/api/v2/runs/%s/%s" % (run_id, phase)).json()["data"]["attributes"]["log-read-url"]


def _read_in_chunks(url, limit):
    chunks, offset = [], 0
    while True:
        chunk = requests.get(url, params={"offset": offset, "limit": limit}, timeout=10).content
        if not chunk:
            return b"".join(chunks), len(chunks)
        assert len(chunk) <= limit
        chunks.append(chunk)
        offset += len(chunk)


def test_5_6_stx_first_etx_only_when_done(sim, api):
    """Contract 5.6: every read starts with STX; ETX appears once, at the end, only after the phase ended."""
    run_id = api.new_run("ws-AutoApply0000001")
    plan_url = _log_url(api, run_id)
    queued = requests.get(plan_url, timeout=10).text
    assert queued == STX
    sim.advance_clock(2)  # planning
    running = requests.get(plan_url, timeout=10).text
    assert running.startswith(STX) and ETX not in running
    apply_url = _log_url(api, run_id, "apply")
    assert ETX not in requests.get(apply_url, timeout=10).text
    sim.advance_clock(60)
    for url in (plan_url, apply_url):
        done = requests.get(url, timeout=10).text
        assert done.startswith(STX) and done.endswith(ETX) and done.count(ETX) == 1 and done.count(STX) == 1


def test_5_6_ansi_colours_and_one_block_per_change(sim, api):
    """Contract 5.6: Terraform colours its output; each planned change has its own coloured lines;
    sensitive attributes show as (sensitive value)."""
    sim.set_workspace_knobs("ws-AutoApply0000001", resource_additions=3, resource_destructions=1)
    run_id = api.new_run("ws-AutoApply0000001")
    sim.advance_clock(60)
    plan = requests.get(_log_url(api, run_id), timeout=10).text
    assert '\x1b[32m+\x1b[0m resource "null_resource" "sim" {' in plan
    assert '\x1b[31m-\x1b[0m resource "null_resource" "retired" {' in plan
    for index in range(3):
        assert "\x1b[1m  # null_resource.sim[%d]\x1b[0m will be created" % index in plan
    assert "\x1b[1m  # null_resource.retired[0]\x1b[0m will be destroyed" in plan
    assert "(sensitive value)" in plan
    plain = ANSI.sub("", plan)
    assert "Plan: 3 to add, 0 to change, 1 to destroy." in plain.splitlines()
    apply_log = ANSI.sub("", requests.get(_log_url(api, run_id, "apply"), timeout=10).text)
    assert "null_resource.sim[2]: Creating..." in apply_log and "null_resource.retired[0]: Destroying..." in apply_log
    assert "Apply complete! Resources: 3 added, 0 changed, 1 destroyed." in apply_log


def test_5_6_no_changes_and_errors_are_coloured_too(sim, api):
    """Contract 5.6: the no-changes line and Terraform's red Error: line."""
    quiet = api.new_run("ws-NoChanges000001")
    failing = api.new_run("ws-PlanError0000001")
    sim.advance_clock(60)
    assert "No changes.\x1b[0m" in requests.get(_log_url(api, quiet), timeout=10).text
    error = requests.get(_log_url(api, failing), timeout=10).text
    assert "\x1b[31m\x1b[1mError: \x1b[0m" in error and error.endswith(ETX)
    assert "Error: simulated plan failure" in ANSI.sub("", error)


def test_5_6_log_lines_knob_makes_a_long_log_read_in_chunks(sim, api):
    """Contract 5.6: log_lines adds that many lines; reading 64 KiB chunks by offset rebuilds the log exactly."""
    sim.set_workspace_knobs("ws-AutoApply0000001", log_lines=5000)
    run_id = api.new_run("ws-AutoApply0000001")
    sim.advance_clock(60)
    url = _log_url(api, run_id)
    full = requests.get(url, timeout=10).content
    assert len(full) > 250000 and full.count(b"\n") > 5000
    rebuilt, chunks = _read_in_chunks(url, 65536)
    assert rebuilt == full and chunks == -(-len(full) // 65536)
    assert full.startswith(STX.encode()) and full.endswith(ETX.encode())
    assert b"Plan:\x1b[0m 1 to add" in full[-200:]  # the summary stays at the end, after the filler
    apply_log = requests.get(_log_url(api, run_id, "apply"), timeout=10).content
    assert apply_log.count(b"Still creating...") == 5000


def test_5_6_log_lines_is_read_when_the_run_is_created(sim, api):
    """The knob is part of the run's scenario: changing it later does not change an existing run's log."""
    run_id = api.new_run("ws-AutoApply0000001")
    sim.set_workspace_knobs("ws-AutoApply0000001", log_lines=100)
    sim.advance_clock(60)
    assert "filler" not in requests.get(_log_url(api, run_id), timeout=10).text
