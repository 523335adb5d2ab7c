# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tfe_admin_run_info and tfe_admin_run_cancel against a simulator with thousands of runs."""

from __future__ import annotations

import math
import time

from conftest import TOKENS  # pylint: disable=import-error


def task(name, module, **args):
    return {"name": name, "tfe.runs." + module: args, "ignore_errors": True}


def admin_list_requests(sim):
    return [e for e in sim.request_log if e["path"] == "/api/v2/admin/runs"]


def seed_history(sim):
    hours_ago = time.time() - 3 * 3600
    sim.create_runs("acme/auto", status="applied", count=1500, created_at=hours_ago - 1500 * 60)
    sim.create_runs("globex/billing", status="errored", count=700, created_at=hours_ago - 700 * 60)
    sim.create_runs("acme/manual", status="discarded", count=300, created_at=hours_ago - 300 * 60)
    return {
        "old_stuck": sim.create_runs("acme/stuck", status="planning", created_at=hours_ago)[0],
        "new_planning": sim.create_runs("globex/billing", status="planning", stuck=True)[0],
    }


def test_listing_thousands_of_runs_costs_one_request_per_page(admin_ansible, sim):
    seed_history(sim)
    total = len(sim.runs())
    played = admin_ansible.playbook([task("all", "tfe_admin_run_info")])
    listing = played.task("all")
    assert not listing.failed, played.output
    assert listing["changed"] is False and listing["truncated"] is False
    assert listing["total_count"] == total == len(listing["runs"]) == len({r["id"] for r in listing["runs"]})
    assert listing["pages_fetched"] == math.ceil(total / 100) == len(admin_list_requests(sim))
    assert all(entry["status"] == 200 for entry in admin_list_requests(sim))
    first = listing["runs"][0]
    assert first["workspace"]["organization"] in ("acme", "globex") and first["web_url"].startswith(sim.url)


def test_stuck_in_planning_for_two_hours_and_ignored_date_filters(admin_ansible, sim):
    ids = seed_history(sim)
    played = admin_ansible.playbook([task("stuck", "tfe_admin_run_info", status=["planning"], created_before="2h")])
    assert [run["id"] for run in played.task("stuck")["runs"]] == [ids["old_stuck"]]
    sim.set_installation(admin_date_filters=False)
    played = admin_ansible.playbook([task("stuck old tfe", "tfe_admin_run_info", status=["planning"],
                                          created_before="2h")])
    assert [run["id"] for run in played.task("stuck old tfe")["runs"]] == [ids["old_stuck"]]


def test_adhoc_listing_with_the_token_only_in_the_environment(admin_ansible, sim):
    ids = seed_history(sim)
    adhoc = admin_ansible.adhoc("tfe.runs.tfe_admin_run_info", "status=planning")
    assert adhoc.rc == 0, adhoc.output
    assert sorted(run["id"] for run in adhoc.results[0]["runs"]) == sorted(ids.values())
    assert TOKENS["admin"] not in adhoc.stdout + adhoc.stderr


def test_a_normal_user_is_told_the_token_is_not_a_site_administrator(ansible, sim):
    played = ansible.playbook([task("not admin", "tfe_admin_run_info"),
                               task("not admin cancel", "tfe_admin_run_cancel", run_id="run-Whatever00000001")])
    for name in ("not admin", "not admin cancel"):
        refused = played.task(name)
        assert refused.failed and "site administrator" in refused["msg"], refused.result


def test_force_cancel_stuck_and_pending_runs_then_again(admin_ansible, sim):
    stuck = sim.create_runs("acme/stuck", status="planning")[0]
    pending = sim.create_runs("acme/queue", status="pending", stuck=True)[0]
    played = admin_ansible.playbook([
        task("cancel", "tfe_admin_run_cancel", run_ids=[stuck, pending], comment="cleanup"),
        task("again", "tfe_admin_run_cancel", run_id=stuck),
    ])
    cancel = played.task("cancel")
    assert not cancel.failed and cancel["changed"] and cancel["endpoint"] == "force_cancel", played.output
    assert [(e["previous_status"], e["outcome"], e["status"]) for e in cancel["runs"]] == [
        ("planning", "canceled", "canceled"), ("pending", "canceled", "canceled")]
    again = played.task("again")
    assert not again["changed"] and again["run"]["outcome"] == "already_final"


def test_check_mode_reads_and_never_posts(admin_ansible, sim):
    stuck = sim.create_runs("acme/stuck", status="planning")[0]
    played = admin_ansible.playbook([dict(task("check", "tfe_admin_run_cancel", run_id=stuck), check_mode=True)])
    assert played.task("check")["changed"] is True and played.task("check")["run"]["outcome"] == "canceled"
    assert [e for e in sim.request_log if e["method"] == "POST"] == []
    assert sim.runs(status="planning")[0]["id"] == stuck


def test_old_and_new_installations(admin_ansible, sim):
    sim.set_installation(admin_force_cancel_route=False)
    old = sim.create_runs("acme/stuck", status="planning")[0]
    played = admin_ansible.playbook([task("2018", "tfe_admin_run_cancel", run_id=old, comment="dropped")])
    result = played.task("2018")
    assert not result.failed, played.output
    assert result["endpoint"] == "cancel" and result["run"]["status"] == "errored"
    assert any("comment" in warning for warning in result.get("warnings", []))
    sim.set_installation(admin_force_cancel_route=True, admin_cancel_route=False, force_cancel_status="force_canceled")
    new = sim.create_runs("acme/stuck", status="planning")[0]
    played = admin_ansible.playbook([task("current", "tfe_admin_run_cancel", run_id=new)])
    assert played.task("current")["endpoint"] == "force_cancel"
    assert played.task("current")["run"]["status"] == "force_canceled"


def test_a_batch_with_mixed_outcomes_tries_every_run_then_fails(admin_ansible, sim):
    stuck = sim.create_runs("acme/stuck", status="planning")[0]
    done = sim.create_runs("acme/auto", status="applied")[0]
    played = admin_ansible.playbook([task("batch", "tfe_admin_run_cancel",
                                          run_ids=["run-DoesNotExist0001", stuck, done])])
    batch = played.task("batch")
    assert batch.failed and batch["changed"] is True
    assert [e["outcome"] for e in batch["runs"]] == ["not_found", "canceled", "already_final"]
    assert "run-DoesNotExist0001" in batch["msg"]
