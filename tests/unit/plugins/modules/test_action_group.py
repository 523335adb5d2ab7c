# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""module_defaults: {group/tfe.runs.tfe: ...} must reach every module: none may be missing from the group."""

from __future__ import annotations

import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def test_every_module_is_in_the_tfe_action_group():
    with open(os.path.join(ROOT, "meta", "runtime.yml"), encoding="utf-8") as stream:
        group = yaml.safe_load(stream)["action_groups"]["tfe"]
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", "modules"))
                     if name.endswith(".py") and not name.startswith("_"))
    assert modules and sorted(group) == modules
