# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the integration suite: the installed collection, a fresh simulator, Ansible runners."""

from __future__ import annotations

import secrets
import sys
from typing import Any, Dict, Iterator

import pytest

from harness import COLLECTION_ROOT, Ansible, install_collection  # pylint: disable=import-error

sys.path.insert(0, COLLECTION_ROOT + "/tests/simulator")

from tfesim import Simulator  # noqa: E402  pylint: disable=wrong-import-position,import-error

# Long random tokens: Ansible masks no_log values as substrings of all output.
TOKENS = {role: "{0}.atlasv1.{1}".format(secrets.token_hex(7), secrets.token_hex(40)) for role in ("admin", "user", "org")}
# Each phase of a run takes PHASE seconds of real time, so whole lifecycles finish in a few seconds.
PHASE = 0.3


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
