# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the integration suite: the installed collection, a fresh simulator, Ansible runners."""

from __future__ import annotations

import secrets
import sys
from typing import Any, Dict, Iterator, List

import pytest

from harness import COLLECTION_ROOT, Ansible, install_collection  # pylint: disable=import-error

sys.path.insert(0, COLLECTION_ROOT + "/tests/simulator")

from tfesim import Simulator  # noqa: E402  pylint: disable=wrong-import-position,import-error

# Long random tokens: Ansible masks no_log values as substrings of all output.
TOKENS = {role: "{0}.atlasv1.{1}".format(secrets.token_hex(7), secrets.token_hex(40)) for role in ("admin", "user", "org")}
# Each phase of a run takes PHASE seconds of real time, so whole lifecycles finish in a few seconds.
PHASE = 0.3
# The secret value in REVIEW_PLAN: the simulator's marker (tfesim.plan_changes.SECRET_MARKER), as in
# every value it writes into a JSON plan, so a scan for the marker finds any value that leaked.
PLAN_SECRET = "SIMSECRET-5ec7e75ec7e75ec7e75ec7e7"


def planned(address: str, actions: List[str], **extra: Any) -> Dict[str, Any]:
    """One resource change of a plan (the simulator's ``plan_changes`` knob), with a sensitive value in
    what it holds before and after: in the JSON plan in clear, flagged sensitive, never in a log."""
    state, flags = {"id": address, "password": PLAN_SECRET}, {"password": True}
    change = dict(address=address, actions=actions, before=None, after=None, **extra)
    if actions != ["create"] and actions != ["read"]:
        change.update(before=state, before_sensitive=flags)
    if actions != ["delete"]:
        change.update(after=state, after_sensitive=flags)
    return change


# A plan doing every kind of change, in modules and at the root, in no particular order: the
# changes a reviewer must see, and what the protective gates are judged on.
REVIEW_PLAN = [
    planned("module.network.aws_vpc.main", ["update"]),
    planned("module.db.aws_db_instance.main", ["delete", "create"], action_reason="replace_because_cannot_update"),
    planned("module.app.aws_instance.web[0]", ["create"]),
    planned("aws_lb.front", ["create", "delete"], action_reason="replace_by_request"),
    planned("module.app.aws_instance.web[1]", ["create"]),
    planned("aws_s3_bucket.logs", ["delete"], action_reason="delete_because_no_resource_config"),
    planned("aws_security_group.app", ["update"]),
    planned("data.aws_ami.ubuntu", ["read"], action_reason="read_because_config_unknown"),
    planned("aws_iam_role.ci", ["no-op"], importing={"id": "ci"}),
    planned("aws_route53_record.www", ["no-op"]),  # unchanged: left out of every change list
]
# Only creations and an update: nothing a protection of REVIEW_PLAN's kind forbids.
HARMLESS_PLAN = [planned("module.app.aws_instance.web[2]", ["create"]), planned("aws_security_group.app", ["update"])]


def world() -> Dict[str, Any]:
    """One workspace per scenario, the three token kinds."""
    def ws(name: str, **knobs: Any) -> Dict[str, Any]:
        knobs.setdefault("phase_seconds", PHASE)
        return dict(name=name, **knobs)

    return {
        "organizations": [
            {"name": "acme", "email": "platform@acme.example", "workspaces": [
                ws("auto", auto_apply=True),
                ws("manual"),
                ws("manual-final"),
                ws("saved"),
                ws("nochanges", has_changes=False),
                ws("policy", cost_estimation=True, policy="soft_fail"),
                ws("cost", cost_estimation=True, policy="pass", auto_apply=True),
                ws("plan-error", plan_error=True),
                ws("apply-error", auto_apply=True, apply_error=True),
                ws("empty", has_configuration_version=False),
                ws("stuck", stuck_status="planning", ignore_cancel=True, force_cancel_cooloff_seconds=2),
                ws("queue"),
                ws("reuse", auto_apply=True),
                ws("reuse-manual"),
                ws("slow", durations={"planning": 120}),
                ws("slowish", durations={"planning": 4}),
                ws("deny"),
            ]},
            {"name": "globex", "email": "infra@globex.example", "workspaces": [ws("billing")]},
        ],
        "tokens": [
            {"role": "admin", "kind": "site_admin", "token": TOKENS["admin"]},
            {"role": "user", "kind": "user", "organizations": ["acme"], "token": TOKENS["user"]},
            {"role": "org", "kind": "organization", "organizations": ["acme"], "token": TOKENS["org"]},
        ],
    }


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return install_collection(str(tmp_path_factory.mktemp("collection")))


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=world()) as simulator:
        yield simulator


@pytest.fixture
def ansible(sim: Simulator, collections_path: str, tmp_path) -> Ansible:
    """Ansible as a normal user of organization acme (token in TFE_TOKEN, address in TFE_ADDRESS)."""
    return Ansible(collections_path, str(tmp_path), sim.url, TOKENS["user"])


@pytest.fixture
def admin_ansible(sim: Simulator, collections_path: str, tmp_path) -> Ansible:
    """Ansible as a site administrator."""
    return Ansible(collections_path, str(tmp_path), sim.url, TOKENS["admin"])
