# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tfe_run_apply and tfe_run_cancel through ansible-playbook against the simulator."""

from __future__ import annotations

import re

from conftest import TOKENS  # pylint: disable=import-error
from tfesim import Response  # pylint: disable=import-error


def register_name(name):
    return re.sub(r"\W", "_", name)


def task(name, module, **args):
    return {"name": name, "tfe.runs." + module: args, "ignore_errors": True, "register": register_name(name)}


def queue(name, workspace, **args):
    args.setdefault("wait_for", "plan")
    return task(name, "tfe_run", organization="acme", workspace=workspace, message=name, **args)


def run_id_of(name):
    return "{{ " + register_name(name) + ".run.id }}"


def posts(sim, suffix):
    return [e for e in sim.request_log if e["method"] == "POST" and e["path"].endswith(suffix)]


def test_apply_confirms_once_and_is_idempotent(ansible, sim):
    played = ansible.playbook([
        queue("plan it", "manual"),
        task("apply", "tfe_run_apply", run_id=run_id_of("plan it"), comment="approved"),
        task("apply again", "tfe_run_apply", run_id=run_id_of("plan it")),
    ], args=[])
    applied = played.task("apply")
    assert not applied.failed and applied["changed"] and applied["decision"] == "confirm", played.output
    assert applied["previous_status"] == "planned" and applied["run"]["status"] == "applied"
    assert applied["apply"]["status"] == "finished"
    again = played.task("apply again")
    assert not again.failed and not again["changed"] and again["decision"] == "already_applying"
    assert len(posts(sim, "/actions/apply")) == 1


def test_check_mode_predicts_without_posting(ansible, sim):
    played = ansible.playbook([queue("plan it", "manual"),
                               dict(task("apply", "tfe_run_apply", run_id=run_id_of("plan it")), check_mode=True)])
    predicted = played.task("apply")
    assert predicted["changed"] and predicted["decision"] == "confirm" and predicted["run"]["status"] == "planned"
    assert posts(sim, "/actions/apply") == []


def test_apply_refusals_say_why_and_what_next(ansible, sim):
    played = ansible.playbook([
        queue("speculative", "manual", plan_only=True),
        task("apply plan-only", "tfe_run_apply", run_id=run_id_of("speculative")),
        queue("soft fail", "policy"),
        task("apply policy override", "tfe_run_apply", run_id=run_id_of("soft fail")),
        queue("nothing", "nochanges"),
        task("apply no changes", "tfe_run_apply", run_id=run_id_of("nothing")),
        queue("broken", "plan-error"),
        task("apply errored", "tfe_run_apply", run_id=run_id_of("broken")),
        queue("elsewhere", "manual-final"),
        task("apply wrong workspace", "tfe_run_apply", run_id=run_id_of("elsewhere"), workspace_id="ws-NotThisOne00001"),
        task("apply unknown run", "tfe_run_apply", run_id="run-DoesNotExist0001"),
    ])
    assert "plan-only runs cannot be applied" in played.task("apply plan-only")["msg"]
    policy = played.task("apply policy override")
    assert policy.failed and "polchk-" in policy["msg"] and "tfe.runs.tfe_run_cancel" in policy["msg"]
    nothing = played.task("apply no changes")
    assert not nothing.failed and not nothing["changed"] and nothing["decision"] == "nothing_to_apply"
    assert "already ended errored" in played.task("apply errored")["msg"]
    wrong = played.task("apply wrong workspace")
    assert wrong.failed and "not ws-NotThisOne00001" in wrong["msg"]
    unknown = played.task("apply unknown run")
    assert unknown.failed and "no access" in unknown["msg"]
    assert posts(sim, "/actions/apply") == []


def test_apply_waits_for_a_plan_still_running_then_confirms(ansible, sim):
    # The plan ends at the module's first poll, however long the machine takes to start the task.
    planning = sim.create_runs("acme/slow", status="planning", stuck=False)[0]
    sim.add_fault("someone_else", run=planning, status="planned", skip=1)
    played = ansible.playbook([task("apply", "tfe_run_apply", run_id=planning)])
    applied = played.task("apply")
    assert applied["changed"] and applied["previous_status"] == "planning", played.output
    assert applied["run"]["status"] == "applied"
    assert applied["polls"] >= 1


def test_saved_plan_is_applied(ansible, sim):
    played = ansible.playbook([queue("saved", "saved", save_plan=True),
                               task("apply saved", "tfe_run_apply", run_id=run_id_of("saved"))])
    assert played.task("saved")["run"]["status"] == "planned_and_saved"
    assert played.task("apply saved")["run"]["status"] == "applied"


def test_someone_else_confirms_first_and_the_409_is_not_an_error(ansible, sim):
    def lose_the_race(request, next_handler):
        answer = next_handler(request)
        if request.method == "POST" and request.path.endswith("/actions/apply"):
            # The other approver's confirmation went through; ours is refused.
            return Response.document(409, {"errors": [{"status": "409", "title": "transition not allowed"}]})
        return answer

    sim.add_middleware(lose_the_race)
    played = ansible.playbook([queue("plan it", "manual"), task("apply", "tfe_run_apply", run_id=run_id_of("plan it"))])
    applied = played.task("apply")
    assert not applied.failed, played.output
    assert applied["changed"] is False and applied["decision"] == "already_applying"
    assert applied["run"]["status"] == "applied"


def test_organization_tokens_cannot_apply_or_discard_and_are_told_why(ansible, sim):
    org_token = TOKENS["org"]
    played = ansible.playbook([
        queue("plan it", "manual"),
        task("apply with an org token", "tfe_run_apply", run_id=run_id_of("plan it"), tfe_token=org_token),
        task("discard with an org token", "tfe_run_cancel", run_id=run_id_of("plan it"), tfe_token=org_token),
    ])
    for name in ("apply with an org token", "discard with an org token"):
        refused = played.task(name)
        assert refused.failed and refused["changed"] is False, played.output
        assert "Organization tokens cannot act on runs: use a user or team token." in refused["msg"], refused["msg"]
    assert [e["token_role"] for e in sim.request_log if e["method"] == "POST" and "/actions/" in e["path"]] == [
        "org", "org"]
    assert played.task("plan it")["run"]["actions"]["is_confirmable"] is True
    assert [r["status"] for r in sim.runs(workspace="acme/manual")] == ["planned"]  # neither applied nor discarded
    assert org_token not in played.output


def test_deny_branch_discards_and_unlocks_the_workspace(ansible, sim):
    played = ansible.playbook([
        queue("to deny", "deny"),
        queue("next in line", "deny", wait=False),
        task("deny", "tfe_run_cancel", run_id=run_id_of("to deny"), comment="denied"),
        task("deny again", "tfe_run_cancel", run_id=run_id_of("to deny")),
        task("next proceeds", "tfe_run", organization="acme", workspace="deny", message="next in line",
             reuse="active", wait_for="plan", wait_timeout=30),
    ])
    denied = played.task("deny")
    assert denied["changed"] and denied["action"] == "discard" and denied["run"]["status"] == "discarded"
    again = played.task("deny again")
    assert not again["changed"] and again["action"] == "none"
    assert played.task("next proceeds")["run"]["actions"]["is_confirmable"] is True


def test_cancel_a_planning_run_and_check_mode_never_posts(ansible, sim):
    # Placed in planning (and free to move on): a queued run might still be pending, which is discarded.
    planning = sim.create_runs("acme/slow", status="planning", stuck=False)[0]
    played = ansible.playbook([
        dict(task("cancel check", "tfe_run_cancel", run_id=planning), check_mode=True),
        task("cancel", "tfe_run_cancel", run_id=planning),
    ])
    assert played.task("cancel check")["changed"] is True
    cancel = played.task("cancel")
    assert cancel["changed"] and cancel["action"] == "cancel" and cancel["run"]["status"] == "canceled", played.output
    assert len(posts(sim, "/actions/cancel")) == 1 and posts(sim, "/actions/discard") == []


def test_force_cancel_of_a_stuck_run(ansible, sim):
    # Placed in planning: a run still pending would simply be discarded.
    stuck = sim.create_runs("acme/stuck", status="planning")[0]
    played = ansible.playbook([
        task("cancel without force", "tfe_run_cancel", run_id=stuck, wait_timeout=3),
        task("force cancel", "tfe_run_cancel", run_id=stuck, force=True, wait_timeout=60),
    ])
    plain = played.task("cancel without force")
    assert plain.failed and "force=true" in plain["msg"]
    forced = played.task("force cancel")
    assert not forced.failed, played.output
    assert forced["action"] == "force_cancel" and forced["run"]["status"] in ("canceled", "force_canceled")


def test_an_apply_longer_than_the_wait_fails_saying_how_to_keep_waiting(ansible, sim):
    # Applying at once after the confirmation, so the 3 s wait ends in applying on a slow machine too.
    sim.set_workspace_knobs("acme/manual", durations={"confirmed": 0, "apply_queued": 0, "applying": 60})
    played = ansible.playbook([
        queue("plan it", "manual"),
        task("apply", "tfe_run_apply", run_id=run_id_of("plan it"), wait_timeout=3),
        task("keep waiting", "tfe_run_apply", run_id=run_id_of("plan it"), wait_timeout=1),
    ])
    applied = played.task("apply")
    assert applied.failed and applied["changed"] is True and applied["decision"] == "confirm", played.output
    assert "still applying 3 seconds after the task began" in applied["msg"]
    assert "run the task again to keep waiting" in applied["msg"] and applied["run"]["web_url"] in applied["msg"]
    again = played.task("keep waiting")
    assert again["changed"] is False and again["decision"] == "already_applying"
    assert len(posts(sim, "/actions/apply")) == 1
