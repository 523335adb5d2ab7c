# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs the tfe_run module, accepting ``message`` for its ``run_message`` option.

``message`` is the run attribute's name in the TFE API and the provider, so it is what users write;
but ansible-core reserves ``message`` as a module option name. This plugin renames it before the
module (which runs on the task's host as usual) sees the arguments.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

API_NAME = "message"
OPTION = "run_message"


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # unused since ansible-core 2.5
        args = dict(self._task.args)
        if API_NAME in args:
            if args.get(OPTION) not in (None, args[API_NAME]):
                result.update(failed=True, msg="Give the run message once: message and run_message differ.")
                return result
            args[OPTION] = args.pop(API_NAME)
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result.update(self._execute_module(module_name=self._task.resolved_action or "tfe.runs.tfe_run",
                                           module_args=args, task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
