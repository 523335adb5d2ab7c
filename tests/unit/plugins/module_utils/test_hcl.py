# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run variables are sent as HCL literals; these are the renderings TFE would parse."""

from __future__ import annotations

import pytest

from ansible_collections.tfe.runs.plugins.module_utils._hcl import HclError, hcl_literal


@pytest.mark.parametrize("value, literal", [
    (True, "true"),
    (False, "false"),
    (0, "0"),
    (-42, "-42"),
    (1.5, "1.5"),
    (1e20, "1e+20"),
    (None, "null"),
    ("5", '"5"'),
    ("web", '"web"'),
    ('say "hi"\\now', '"say \\"hi\\"\\\\now"'),
    ("line1\nline2\ttab\r", '"line1\\nline2\\ttab\\r"'),
    ("${var.x} and %{ if y }", '"$${var.x} and %%{ if y }"'),
    ("bell\x07", '"bell\\u0007"'),
    ("café ☕", '"café ☕"'),
    ([1, "a", [True]], '[1, "a", [true]]'),
    ({"name": "web", "count": 2}, '{"name" = "web", "count" = 2}'),
    ({"odd key": {"a": None}}, '{"odd key" = {"a" = null}}'),
    ([], "[]"),
    ({}, "{}"),
])
def test_hcl_literals(value, literal):
    assert hcl_literal(value) == literal


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), {"a": [float("nan")]}, object(), b"bytes"])
def test_values_without_an_hcl_literal_are_refused_with_their_path(value):
    with pytest.raises(HclError) as caught:
        hcl_literal(value, "variables.x")
    assert "variables.x" in str(caught.value)
