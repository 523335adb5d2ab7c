# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The attributes every tfe.runs module declares; each module states its own support level."""

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description:
      - Can run in check mode and return the changed status it predicts without changing anything in TFE.
  diff_mode:
    description:
      - Returns details on what has changed (or would change in check mode) when run in diff mode.
  idempotent:
    description:
      - Running the task again with the same arguments reports C(changed=false) and changes nothing more.
  action_group:
    description:
      - Use C(group/tfe.runs.tfe) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - tfe.runs.tfe
"""
