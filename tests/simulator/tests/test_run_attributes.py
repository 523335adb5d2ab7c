"""Contract sections 3.1, 5.1 and 5.9: the newer run attributes invoke-action-addrs and policy-paths
(accepted, validated like target-addrs, echoed), and force-execute discarding every earlier run
that holds the queue."""
from __future__ import annotations

import pytest
from conftest import error_of

WS = "ws-Manual0000000001"


@pytest.mark.parametrize("name", ["invoke-action-addrs", "policy-paths", "target-addrs", "replace-addrs"])
def test_5_1_address_lists_are_echoed(sim, api, name):
    """Contract 3.1/5.1: the string lists come back as sent, on the 201 and on GET; default null."""
    values = ["action.aws_lambda_invoke.notify", "module.app.action.local_command.x"]
    response = api.create_run(WS, **{name: values})
    assert response.status_code == 201, response.text
    assert response.json()["data"]["attributes"][name] == values
    assert api.run(response.json()["data"]["id"])["attributes"][name] == values
    assert api.run(api.new_run(WS, **{"plan-only": True}))["attributes"][name] is None


@pytest.mark.parametrize("name", ["invoke-action-addrs", "policy-paths"])
@pytest.mark.parametrize("value", ["action.x", [1, 2], [None], {"a": "b"}, True])
def test_5_1_address_lists_are_validated_like_target_addrs(api, name, value):
    """Contract 5.1: anything but a list of strings (or null) is 422 pointing at the attribute."""
    response = api.create_run(WS, **{name: value})
    assert response.status_code == 422
    assert error_of(response)["source"]["pointer"] == "/data/attributes/" + name
    assert api.create_run(WS, **{name: None}).status_code == 201


def test_5_3_invoke_action_addrs_make_an_action_only_run(sim, api):
    """Contract 5.1/5.3: a run with invoke-action-addrs lists under filter[operation]=action_only."""
    run_id = api.new_run(WS, **{"invoke-action-addrs": ["action.local_command.deploy"]})
    listed = api.get("/api/v2/workspaces/%s/runs" % WS, params={"filter[operation]": "action_only"}).json()["data"]
    assert [item["id"] for item in listed] == [run_id]


def test_5_9_force_execute_discards_every_earlier_run(sim, api):
    """Contract 4.3.10/5.9: force-execute of the last pending run discards the paused lock holder and the
    pending run between them (each gets discarded-at, the moment of the force-execute) and the target
    then takes the workspace."""
    holder = api.new_run(WS)
    sim.advance_clock(10)
    middle = api.new_run(WS)
    target = api.new_run(WS)
    assert api.run(target)["attributes"]["position-in-queue"] == 2
    assert api.action(target, "force-execute").status_code == 202
    discarded_at = api.run(holder)["attributes"]["status-timestamps"]["discarded-at"]
    for run_id in (holder, middle):
        run = api.run(run_id)
        assert run["attributes"]["status"] == "discarded"
        assert run["attributes"]["status-timestamps"]["discarded-at"] == discarded_at
        assert not any(run["attributes"]["actions"].values())
    assert api.run(target)["attributes"]["position-in-queue"] == 0
    workspace = api.get("/api/v2/workspaces/" + WS).json()["data"]
    assert workspace["relationships"]["locked-by"]["data"] is None  # unlocked: the target has not started yet
    sim.advance_clock(10)
    assert api.status(target) == "planned"
    locked_by = api.get("/api/v2/workspaces/" + WS).json()["data"]["relationships"]["locked-by"]["data"]
    assert locked_by["id"] == target
    assert [run["id"] for run in sim.runs(workspace=WS, status="discarded")] == [holder, middle]


def test_5_9_force_execute_of_a_speculative_run_is_403(sim, api):
    """Contract 5.9: a plan-only run never waits in the queue, so force-execute refuses it (403)."""
    api.new_run(WS)
    sim.advance_clock(10)
    speculative = api.new_run(WS, **{"plan-only": True})
    response = api.action(speculative, "force-execute")
    assert response.status_code == 403 and error_of(response)["title"] == "forbidden"
