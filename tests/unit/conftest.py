# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from ansible_collections.tfe.runs.tests.unit.scripted_server import ScriptedServer


@pytest.fixture
def server():
    """A scripted HTTP server on 127.0.0.1 (tests/unit/scripted_server.py), stopped after the test."""
    scripted = ScriptedServer().start()
    yield scripted
    scripted.stop()


@pytest.fixture(autouse=True)
def private_budget_directory(tmp_path, monkeypatch):
    """Modules share a machine-wide request budget in a state directory: each test gets its own, so no
    test writes into the developer's home or inherits another test's 429 hold."""
    monkeypatch.setenv("TFE_RUNS_BUDGET_DIR", str(tmp_path / "budget"))
