# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only callback: one JSON line per task result, so integration tests read results as data."""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: result_recorder
type: aggregate
short_description: Write every task result as a JSON line to the file named by TFE_RUNS_RESULTS_FILE
description:
  - Used by the tfe.runs integration tests only.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "result_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, status):
        path = os.environ.get("TFE_RUNS_RESULTS_FILE")
        if not path:
            return
        # host and time: plays over many hosts read whose result it is and when the controller had it
        record = {"task": result.task_name or "", "action": result._task.action, "status": status,
                  "result": json.loads(json.dumps(result._result, default=str)),
                  "host": result._host.get_name(), "time": time.time()}
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(record) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")
