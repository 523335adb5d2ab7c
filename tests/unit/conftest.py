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
